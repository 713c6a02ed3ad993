#pragma once
// Reductions and scans (definitions in cpp/src/ops/reduction.cpp).
#include <optional>
#include <utility>

#include "cgrad/reduction/table.h"
#include "cgrad/tensor.h"

namespace cgrad {

// The rows of cgrad/reduction/reduction_ops.def, each with its form's arguments (Note
// [Reduction table]): sum, mean, prod, amax, amin, argmax, argmin, var, stddev (std),
// logsumexp, all, any, nansum, count_nonzero, cumsum, cumprod, logcumsumexp; and var_mean and
// stddev_mean (std_mean), (spread, mean) in one node.
#define CGRAD_REDUCTION(name, py_name, form, ...)                                    \
  Tensor name(const Tensor& a, CGRAD_REDUCTION_PARAMS_##form(CGRAD_WITH_DEFAULT)); \
  CGRAD_IF_MEAN_##form(std::pair<Tensor, Tensor> name##_mean(                      \
      const Tensor& a, CGRAD_REDUCTION_PARAMS_##form(CGRAD_WITH_DEFAULT));)
#include "cgrad/reduction/reduction_ops.def"

// Bound by hand (their Python overloads fit no form):
// p-norm; p = inf / -inf for max / min of |x|.
Tensor norm(const Tensor& a, double p = 2.0, const std::optional<DimList>& dims = std::nullopt,
            bool keepdim = false);
// The same, recorded as torch's at::norm with a dim (NormBackward1), which torch's own
// composites (pairwise_distance) call.
Tensor aten_norm(const Tensor& a, double p, const DimList& dims, bool keepdim);
// Max / min of every element (MaxBackward1 / MinBackward1); ties share the gradient.
Tensor max(const Tensor& a);
Tensor min(const Tensor& a);
// Along one dim: (values, first index of the extreme); the gradient goes to that index
// (MaxBackward0 / MinBackward0).
std::pair<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim = false);
// nansum over the count of non-NaN elements (DivBackward0, as torch composes it); floating
// input only.
Tensor nanmean(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
               bool keepdim = false, std::optional<DType> dtype = std::nullopt);
// Sums `grad` down to `sizes` (undoes broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& sizes);

}  // namespace cgrad
