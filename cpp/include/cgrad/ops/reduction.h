#pragma once
// Reductions (definitions in cpp/src/ops/reduction.cpp).
#include <optional>

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
// Sums `grad` down to `sizes` (undoes broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& sizes);

}  // namespace cgrad
