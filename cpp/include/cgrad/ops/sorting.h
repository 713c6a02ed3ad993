#pragma once
// Sorting and order statistics along a dim, and the running max/min (definitions in
// cpp/src/ops/sorting.cpp). Each returns (values, int64 indices); the gradient of the
// values goes back to the positions the indices name.
#include <optional>
#include <utility>

#include "cgrad/tensor.h"

namespace cgrad {

// Sort along dim, NaN last (first when descending); ties keep their order when `stable`,
// else they come in torch's CPU order. `stable` given at all (even false) is torch's
// second overload, whose node is SortBackward1 instead of SortBackward0.
std::pair<Tensor, Tensor> sort(const Tensor& a, int64_t dim = -1, bool descending = false,
                               std::optional<bool> stable = std::nullopt);
Tensor argsort(const Tensor& a, int64_t dim = -1, bool descending = false, bool stable = false);
// The k largest (smallest) along dim, in torch's CPU order (TopkBackward0).
std::pair<Tensor, Tensor> topk(const Tensor& a, int64_t k, int64_t dim = -1, bool largest = true,
                               bool sorted = true);
// The k-th smallest (k from 1) along dim (KthvalueBackward0).
std::pair<Tensor, Tensor> kthvalue(const Tensor& a, int64_t k, int64_t dim = -1,
                                   bool keepdim = false);
// The lower median of everything (MedianBackward0: ties share the gradient) or along dim
// (MedianBackward1); NaN if any element is NaN. nanmedian leaves NaNs out
// (NanmedianBackward0/1).
Tensor median(const Tensor& a);
std::pair<Tensor, Tensor> median(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor nanmedian(const Tensor& a);
std::pair<Tensor, Tensor> nanmedian(const Tensor& a, int64_t dim, bool keepdim = false);
// Running max / min along dim with the index each came from (CummaxBackward0 /
// CumminBackward0).
std::pair<Tensor, Tensor> cummax(const Tensor& a, int64_t dim);
std::pair<Tensor, Tensor> cummin(const Tensor& a, int64_t dim);

}  // namespace cgrad
