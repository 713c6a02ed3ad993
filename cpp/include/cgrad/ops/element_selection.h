#pragma once
// Selecting elements into a new tensor by flat position, by position along a dim, or by
// a mask (definitions in cpp/src/ops/element_selection.cpp).
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

// self read as 1-d at the int64 `positions` (negative wrap), in their shape
// (TakeBackward0).
Tensor take(const Tensor& self, const Tensor& positions);
// gather along `dim` after broadcasting self and indices everywhere else (GatherBackward0
// over ExpandBackward0); with no dim, along the flattened self.
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim);
// The elements of self (broadcast with the bool mask) where mask is true, as a 1-d tensor
// (MaskedSelectBackward0).
Tensor masked_select(const Tensor& self, const Tensor& mask);

}  // namespace cgrad
