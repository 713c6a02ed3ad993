#pragma once
// Searching and counting: searchsorted and bucketize (cpp/src/ops/search.cpp), mode
// (defined with the sorting ops in cpp/src/ops/sorting.cpp) and torch.cross (beside
// linalg_cross in cpp/src/ops/dense_linalg.cpp).
#include <optional>
#include <string>
#include <utility>

#include "cgrad/tensor.h"

namespace cgrad {

// The most frequent value along dim (the smallest of equally frequent ones) and the index
// of one of its occurrences, as torch's CPU picks it (ModeBackward0).
std::pair<Tensor, Tensor> mode(const Tensor& a, int64_t dim = -1, bool keepdim = false);
// torch.cross: linalg_cross, with dim by default input's first dim of length 3.
Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim);
// Where each of `values` would go in the innermost dim of `sorted_sequence` (1-d, or with
// values' leading dims) to keep it sorted: the first such index, or the last with `right`
// (or side "right"), compared in the two inputs' promoted dtype. `sorter` (Int64, or null)
// gives the sequence's sorted order when it is not sorted itself. Int64 indices, Int32
// with out_int32; no gradient. A wrapped Python number is a scalar value.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false,
                    bool right = false, const std::optional<std::string>& side = std::nullopt,
                    const Tensor& sorter = nullptr);
// searchsorted(boundaries, input) for 1-d boundaries.
Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32 = false,
                 bool right = false);
// Whether each of `elements` is among `test_elements` (logical_not of that with invert),
// compared in their promoted dtype; a Bool result of elements' shape, no gradient.
// assume_unique changes nothing here (the search needs no uniqueness).
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false,
            bool invert = false);

}  // namespace cgrad
