#pragma once
// Pointwise and reducing math that torch provides beside the basic ops: exp2, sinc, square,
// logaddexp(2), hypot, xlogy, nan_to_num, isclose/allclose/equal
// and aminmax (definitions in cpp/src/ops/math_functions.cpp).
#include <optional>
#include <utility>

#include "cgrad/tensor.h"

namespace cgrad {

Tensor exp2(const Tensor& a);  // 2^a (Exp2Backward0)
Tensor sinc(const Tensor& a);  // sin(pi a) / (pi a), 1 at 0 (SincBackward0)
// a ** 2, which is what torch computes (PowBackward0; bool squares to int64).
Tensor square(const Tensor& a);
// log(e^a + e^b) and log2(2^a + 2^b), computed without overflow; floating inputs only.
Tensor logaddexp(const Tensor& a, const Tensor& b);
Tensor logaddexp2(const Tensor& a, const Tensor& b);
Tensor hypot(const Tensor& a, const Tensor& b);  // sqrt(a^2 + b^2), floating only
// x * log(y), 0 where x == 0 (unless y is NaN). A wrapped x records XlogyBackward1, a
// wrapped y XlogyBackward2, two tensors XlogyBackward0.
Tensor xlogy(const Tensor& x, const Tensor& y);
// NaN, +inf and -inf replaced; the infinities default to the dtype's finite extremes.
Tensor nan_to_num(const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf);
// |a - b| <= atol + rtol |b| elementwise (bool); a and b must share a dtype.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);
bool equal(const Tensor& a, const Tensor& b);  // same sizes and elements
// (min, max) over everything or one dim (AminmaxBackward0); ties share the gradient.
std::pair<Tensor, Tensor> aminmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim);

}  // namespace cgrad
