// logcumsumexp's backward (its row: cgrad/reduction/reduction_ops.def).
#include <limits>

#include "ops/common.h"

namespace cgrad {

namespace {

// The running log-sum-exp from the end of dim backwards (a 0-d x is its own).
Tensor reversed_logcumsumexp(const Tensor& x, int64_t d) {
  if (x->dim() == 0) return logcumsumexp(x, d);
  return flip(logcumsumexp(flip(x, {d}), d), {d});
}
}  // namespace

// Note [logcumsumexp backward]: d out_j / d x_k = exp(x_k - out_j) for j >= k, so
// grad_k = sum_{j >= k} g_j exp(x_k - out_j). Summed directly the exponentials overflow,
// so the sum is taken in log space, split by the sign of g (a log needs a positive
// argument): grad_k = exp(x_k + rlcse(log g+ - out)_k) - exp(x_k + rlcse(log g- - out)_k),
// with rlcse the running log-sum-exp from the end and log g± the log of the positive
// (negative) part of g, the dtype's lowest finite value where that part is zero (not -inf:
// -inf - out would be NaN where out is -inf). It is written in differentiable ops, so
// double backward comes from the same formula, as torch's does.
Tensor detail::logcumsumexp_backward(const Tensor& g, const Tensor& self,
                                     const Tensor& result, int64_t d) {
  if (g->numel() == 0) return g;
  const double lowest = -max_finite(g->dtype);
  Tensor floor = full({}, lowest, g->dtype);
  Tensor zero = detail::constant(0.0);
  Tensor log_abs_g = log(abs(g));
  Tensor log_positive = where(gt(g, zero), log_abs_g, floor);
  Tensor log_negative = where(lt(g, zero), log_abs_g, floor);
  Tensor from_positive = exp(add(reversed_logcumsumexp(sub(log_positive, result), d), self));
  Tensor from_negative = exp(add(reversed_logcumsumexp(sub(log_negative, result), d), self));
  return sub(from_positive, from_negative);
}

}  // namespace cgrad
