#pragma once
// Issue 12's selection ops that sit beside existing areas: mode (defined with the sorting
// ops in cpp/src/ops/sorting.cpp) and torch.cross (beside linalg_cross in
// cpp/src/ops/dense_linalg.cpp).
#include <optional>
#include <utility>

#include "cgrad/tensor.h"

namespace cgrad {

// The most frequent value along dim (the smallest of equally frequent ones) and the index
// of one of its occurrences, as torch's CPU picks it (ModeBackward0).
std::pair<Tensor, Tensor> mode(const Tensor& a, int64_t dim = -1, bool keepdim = false);
// torch.cross: linalg_cross, with dim by default input's first dim of length 3.
Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim);

}  // namespace cgrad
