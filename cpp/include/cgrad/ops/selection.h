#pragma once
// Selection (definitions in cpp/src/ops/selection.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

// cond ? a : b, broadcasting all three; cond is a bool tensor.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

}  // namespace cgrad
