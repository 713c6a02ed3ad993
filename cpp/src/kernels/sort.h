#pragma once
// Sorting-based kernels along one dim: sort, topk, k-th value, median, mode, cumulative
// max/min.
// Inputs are contiguous and read as [outer, n, inner] (n along the dim); outputs are
// fresh and contiguous in the same layout with `count` at the dim, values in a's dtype
// and indices Int64. NaN orders as the largest value throughout, as in torch.
#include "cgrad/tensor.h"

namespace cgrad::kernels {

// A sort of every line (stable or std::sort's order of ties); descending puts NaN first.
void sort(const TensorImpl& a, int64_t dim, bool descending, bool stable, TensorImpl& values,
          TensorImpl& indices);
// The k largest (or smallest) of every line, in torch's CPU order: a partial sort of
// (value, index) pairs when k * 64 <= n, else nth_element then a sort of the first k - 1.
void topk(const TensorImpl& a, int64_t dim, int64_t k, bool largest, bool sorted,
          TensorImpl& values, TensorImpl& indices);
// The k-th smallest (k from 0) of every line, found by median-of-three quickselect, whose
// swaps decide which of tied elements is reported (as torch's kthvalue).
void kth_smallest(const TensorImpl& a, int64_t dim, int64_t k, TensorImpl& values,
                  TensorImpl& indices);
// The lower median of every line, ties ordered by index. Without ignore_nan a line holding
// NaN gives its first NaN; with it, the median of the line's other values (nanmedian).
void median(const TensorImpl& a, int64_t dim, bool ignore_nan, TensorImpl& values,
            TensorImpl& indices);
// The most frequent value of every line (the smallest of equally frequent ones) and the
// index of its last occurrence in torch's CPU order (Note [mode ties]).
void mode(const TensorImpl& a, int64_t dim, TensorImpl& values, TensorImpl& indices);
// Running max (or min) and the index it came from; NaN wins and later ties move the index.
void cumulative_extreme(const TensorImpl& a, int64_t dim, bool is_max, TensorImpl& values,
                        TensorImpl& indices);

}  // namespace cgrad::kernels
