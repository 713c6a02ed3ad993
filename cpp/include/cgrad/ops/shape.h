#pragma once
// Shape and copies (definitions in cpp/src/ops/shape.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor expand(const Tensor& a, const Shape& sizes);
Tensor reshape(const Tensor& a, const Shape& sizes);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);
Tensor detach(const Tensor& a);  // shares storage and version counter
// A new tensor over the same data that stays in the graph (AliasBackward0).
Tensor alias(const Tensor& a);
// Conversion; returns `a` itself when the dtype already matches and !copy.
Tensor to_dtype(const Tensor& a, DType dtype, bool copy = false);

}  // namespace cgrad
