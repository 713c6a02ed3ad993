#pragma once
// Vectorized transcendental functions over contiguous buffers, with the instruction set
// (AVX-512, AVX2+FMA, or plain libm) that cpu::active_isa() names (cgrad/cpu_features.h).
// Accuracy and special values are documented per function in vecmath.cpp and checked
// by tests/test_vecmath.py against a float64 reference.
#include <cstdint>

namespace cgrad::vecmath {

enum class Func { Exp, Expm1, Log, Log1p, Tanh, Sigmoid, Sin, Cos, Erf };

// y[i] = f(x[i]) for i < n. x == y (in place) is allowed; other overlaps are not. The
// result of an element does not depend on n or on its position in the buffer.
void apply(Func f, const float* x, float* y, int64_t n);
void apply(Func f, const double* x, double* y, int64_t n);

// Softmax's inner step: y[i] = exp(x[i] - shift) (skipped when y is null), returns the
// sum of those values accumulated in double, in an order fixed by n alone.
double exp_shifted_sum(const float* x, float* y, int64_t n, float shift);
double exp_shifted_sum(const double* x, double* y, int64_t n, double shift);

// The largest of x[0..n) ignoring NaN (-inf when n == 0 or all are NaN): softmax's shift.
float max_value(const float* x, int64_t n);
double max_value(const double* x, int64_t n);

}  // namespace cgrad::vecmath
