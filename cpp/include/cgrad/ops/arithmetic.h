#pragma once
// Arithmetic (definitions in cpp/src/ops/arithmetic.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
// a + alpha * b and a - alpha * b (torch's alpha=), recorded as AddBackward0 / SubBackward0.
// alpha is exact for integers; a floating alpha with an integral result, or a bool alpha
// with a non-bool one, raises torch's RuntimeError.
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha);
Tensor rsub(const Tensor& a, const Tensor& b);  // b - a, recorded as RsubBackward1
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
// a + s, a - s, a * s and a / s for a C++ number s, recorded as torch's Scalar overloads
// (AddBackward1, SubBackward1, MulBackward1, DivBackward1, one input each): what torch's
// own C++ formulas and composites record where they shift or scale by a number (a mean's
// count, a variance's 2 / (n - correction), rms_norm's eps, the composite losses), where
// Python's operators record the Tensor overloads.
Tensor add_scalar(const Tensor& a, double s);
Tensor sub_scalar(const Tensor& a, double s);
Tensor mul_scalar(const Tensor& a, double s);
Tensor div_scalar(const Tensor& a, double s);
// neg and reciprocal are unary table rows (cgrad/ops/unary.h).

// Binary ops below take a wrapped scalar (a Python number) wherever torch has a Scalar
// overload; that choice picks the node name (FmodBackward0 vs FmodBackward1).
Tensor atan2(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);  // propagates NaN; ties split the gradient
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, const Tensor& b);       // sign of a (C fmod)
Tensor remainder(const Tensor& a, const Tensor& b);  // sign of b (Python %)
Tensor floor_divide(const Tensor& a, const Tensor& b);  // Python //; no derivative
// torch.div(a, b, rounding_mode=None | 'trunc' | 'floor'), recorded as DivBackward2.
enum class RoundingMode { True, Trunc, Floor };
Tensor div_mode(const Tensor& a, const Tensor& b, RoundingMode mode);
// start + weight * (end - start); a wrapped weight records LerpBackward0.
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
// input + value * tensor1 * tensor2 and input + value * tensor1 / tensor2, rounded as
// torch's kernels (cpp/src/ops/addc.cpp); AddcmulBackward0 / AddcdivBackward0.
Tensor addcmul(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value);
Tensor addcdiv(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value);
// min(max(a, min), max); either bound may be null (None) but not both. Wrapped bounds
// record ClampBackward1, tensor bounds ClampBackward0.
Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max);
Tensor clamp_min(const Tensor& a, const Tensor& min);
Tensor clamp_max(const Tensor& a, const Tensor& max);

}  // namespace cgrad
