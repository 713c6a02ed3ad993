#pragma once
// Creation (definitions in cpp/src/ops/creation.cpp; random sampling is in random.h).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor full(const Shape& sizes, Scalar value, DType dtype);
// empty_like / full_like (ones_like, zeros_like): like's sizes, laid out as torch's
// preserve_format lays out a copy of `like`.
Tensor empty_like(const Tensor& like, DType dtype);
// The strides empty_like(like, ...) gives, without allocating (an out= tensor resized in
// place takes them).
Shape empty_like_strides(const Tensor& like);
Tensor full_like(const Tensor& like, Scalar value, DType dtype);
// Integer bounds and step with an integer dtype step exactly in int64 (Note [arange with
// integer dtypes]); anything else steps in double.
Tensor arange(Scalar start, Scalar end, Scalar step, DType dtype);
Tensor eye(int64_t n, int64_t m, DType dtype);
// `steps` evenly spaced values from start to end, rounded as torch's CPU kernel rounds
// them (Note [linspace rounding]); logspace is base ** linspace, as torch computes it.
Tensor linspace(Scalar start, Scalar end, int64_t steps, DType dtype);
Tensor logspace(Scalar start, Scalar end, int64_t steps, double base, DType dtype);

}  // namespace cgrad
