#pragma once
// Creation and random (definitions in cpp/src/ops/creation.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor full(const Shape& sizes, double value, DType dtype);
Tensor arange(double start, double end, double step, DType dtype);
Tensor eye(int64_t n, int64_t m, DType dtype);
Tensor rand(const Shape& sizes, DType dtype);
Tensor randn(const Shape& sizes, DType dtype);
void manual_seed(uint64_t seed);

}  // namespace cgrad
