#pragma once
// torch.unique and torch.unique_consecutive (definitions in cpp/src/ops/unique.cpp). Each
// gives the distinct values (elements, or slices along dim), the int64 group of every
// input element or slice (inverse) and the size of every group (counts). The values carry
// a node whose backward raises, as torch has no derivative for them.
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

struct UniqueResult {
  Tensor values, inverse, counts;
};

// The distinct elements, sorted (torch's CPU sorts whatever `sorted` says), as a 1-d tensor;
// inverse has the input's shape. NaNs are each their own value (Unique2Backward0).
UniqueResult unique(const Tensor& a);
// The distinct slices along dim, sorted lexicographically (UniqueDimBackward0).
UniqueResult unique_dim(const Tensor& a, int64_t dim);
// Only runs of equal neighbours collapse, in input order: elements of the flattened input,
// or slices along dim (UniqueConsecutiveBackward0).
UniqueResult unique_consecutive(const Tensor& a, std::optional<int64_t> dim = std::nullopt);

}  // namespace cgrad
