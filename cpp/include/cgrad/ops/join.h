#pragma once
// Joining tensors (definitions in cpp/src/ops/join.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor cat(const TensorList& tensors, int64_t dim);
Tensor stack(const TensorList& tensors, int64_t dim);
// cat after raising each input's rank (CatBackward0 over the views that do it): hstack
// along dim 0 for 1-d inputs, else dim 1 (after atleast_1d); vstack along dim 0 (after
// atleast_2d; row_stack is its alias); dstack along dim 2 (after atleast_3d); column_stack
// along dim 1, 0-d and 1-d inputs made columns.
Tensor hstack(const TensorList& tensors);
Tensor vstack(const TensorList& tensors);
Tensor dstack(const TensorList& tensors);
Tensor column_stack(const TensorList& tensors);
// The inputs (0-d as 1 x 1, 1-d as one row, 2-d) along the diagonal of a zero matrix, in
// their promoted dtype (BlockDiagBackward0); none gives a 1 x 0 matrix.
Tensor block_diag(const TensorList& tensors);

}  // namespace cgrad
