#pragma once
// Comparisons, predicates and logical/bitwise ops: never differentiable (definitions in
// cpp/src/ops/comparison.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

// isnan, isinf, isfinite, logical_not and bitwise_not are unary table rows
// (cgrad/ops/unary.h). Bool results for any dtype:
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
// Integer and bool tensors only, in the promoted dtype.
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);

}  // namespace cgrad
