#pragma once
// Pointwise math (definitions in cpp/src/ops/unary.cpp).
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor expm1(const Tensor& a);
Tensor erf(const Tensor& a);
Tensor log2(const Tensor& a);
Tensor log10(const Tensor& a);
Tensor log1p(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor tan(const Tensor& a);
Tensor asin(const Tensor& a);
Tensor acos(const Tensor& a);
Tensor atan(const Tensor& a);
Tensor sinh(const Tensor& a);
Tensor cosh(const Tensor& a);
// Rounding: integer inputs are returned as copies (bool is refused); gradients are zero.
Tensor floor(const Tensor& a);
Tensor ceil(const Tensor& a);
Tensor trunc(const Tensor& a);
// Round half to even; with `decimals` (RoundBackward1), to that many decimal places.
Tensor round(const Tensor& a, std::optional<int64_t> decimals = std::nullopt);
Tensor frac(const Tensor& a);  // a - trunc(a), floating only

}  // namespace cgrad
