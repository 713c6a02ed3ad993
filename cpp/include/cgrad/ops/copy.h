#pragma once
// Copies and dtype conversions (definitions in cpp/src/ops/copy.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);             // in a's memory order, as torch's clone()
Tensor clone_contiguous(const Tensor& a);  // laid out plainly (CloneBackward0 too)
// Conversion; returns `a` itself when the dtype already matches and !copy.
Tensor to_dtype(const Tensor& a, DType dtype, bool copy = false);

}  // namespace cgrad
