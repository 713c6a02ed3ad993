#pragma once
// The special functions that take more than a tensor, or that torch keeps out of its
// main namespace: polygamma(n, x), logit(x, eps) and special_i1 (I0Backward0's formula);
// definitions in cpp/src/ops/special_functions.cpp. lgamma, digamma, erfinv and i0 are
// rows of the unary table (cgrad/pointwise/unary_ops.def).
#include <cstdint>
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

// The n-th derivative of digamma (n >= 0), PolygammaBackward0; in place as torch's
// method self.polygamma_(n), PolygammaBackward1.
Tensor polygamma(int64_t n, const Tensor& a);
Tensor& polygamma_(Tensor& self, int64_t n);
// log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (LogitBackward0).
Tensor logit(const Tensor& a, std::optional<double> eps = std::nullopt);
// The modified Bessel function I1 (torch.special.i1, SpecialI1Backward0).
Tensor special_i1(const Tensor& a);

}  // namespace cgrad
