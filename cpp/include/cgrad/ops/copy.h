#pragma once
// Copies and dtype conversions (definitions in cpp/src/ops/copy.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);
// Conversion; returns `a` itself when the dtype already matches and !copy.
Tensor to_dtype(const Tensor& a, DType dtype, bool copy = false);

}  // namespace cgrad
