#pragma once
// Reductions and scans (definitions in cpp/src/ops/reduction.cpp).
#include <optional>
#include <utility>

#include "cgrad/tensor.h"

namespace cgrad {

// dims == nullopt: over everything (SumBackward0); otherwise over `dims` (SumBackward1).
Tensor sum(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
           bool keepdim = false, std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
            bool keepdim = false, std::optional<DType> dtype = std::nullopt);
// p-norm; p = inf / -inf for max / min of |x|.
Tensor norm(const Tensor& a, double p = 2.0, const std::optional<DimList>& dims = std::nullopt,
            bool keepdim = false);
// Product over everything (ProdBackward0) or one dim (ProdBackward1); integer and bool
// inputs give int64 unless `dtype` says otherwise.
Tensor prod(const Tensor& a, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
// Max / min over `dims` (empty: all), gradient shared evenly between ties.
Tensor amax(const Tensor& a, const DimList& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& a, const DimList& dims = {}, bool keepdim = false);
// Max / min of every element (MaxBackward1 / MinBackward1); ties share the gradient.
Tensor max(const Tensor& a);
Tensor min(const Tensor& a);
// Along one dim: (values, first index of the extreme); the gradient goes to that index
// (MaxBackward0 / MinBackward0).
std::pair<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim = false);
// First index of the extreme, of the flattened tensor when dim is nullopt.
Tensor argmax(const Tensor& a, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& a, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// sum((x - mean)^2) / (count - correction) (VarBackward0) and its square root
// (StdBackward0); floating inputs only.
Tensor var(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
           double correction = 1.0, bool keepdim = false);
Tensor stddev(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
              double correction = 1.0, bool keepdim = false);
// log(sum(exp(a))) over `dims`, computed stably; integer inputs give the default float.
Tensor logsumexp(const Tensor& a, const DimList& dims, bool keepdim = false);
// Bool results; never differentiable.
Tensor all(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
           bool keepdim = false);
Tensor any(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
           bool keepdim = false);
// Running sum / product along `dim` (CumsumBackward0 / CumprodBackward0); integer and bool
// inputs give int64 unless `dtype` says otherwise.
Tensor cumsum(const Tensor& a, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor cumprod(const Tensor& a, int64_t dim, std::optional<DType> dtype = std::nullopt);
// Running log(sum(exp(a))) along `dim`, stable at large values and -inf; floating inputs
// only (LogcumsumexpBackward0; cpp/src/ops/logcumsumexp.cpp).
Tensor logcumsumexp(const Tensor& a, int64_t dim);
// Sums `grad` down to `sizes` (undoes broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& sizes);

}  // namespace cgrad
