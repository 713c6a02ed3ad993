#pragma once
// Comparisons, bool results, never differentiable (definitions in cpp/src/ops/comparison.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

}  // namespace cgrad
