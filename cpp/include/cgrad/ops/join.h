#pragma once
// Joining tensors (definitions in cpp/src/ops/join.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor cat(const TensorList& tensors, int64_t dim);
Tensor stack(const TensorList& tensors, int64_t dim);

}  // namespace cgrad
