#pragma once
// Creation (definitions in cpp/src/ops/creation.cpp; random sampling is in random.h).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor full(const Shape& sizes, double value, DType dtype);
Tensor arange(double start, double end, double step, DType dtype);
Tensor eye(int64_t n, int64_t m, DType dtype);

}  // namespace cgrad
