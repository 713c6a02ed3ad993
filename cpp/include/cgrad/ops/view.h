#pragma once
// Views: tensors sharing their input's storage and version counter (definitions in
// cpp/src/ops/view.cpp). Each records torch's node (ViewBackward0, PermuteBackward0, ...)
// and remembers its base for in-place writes.
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad {

Tensor view(const Tensor& a, const Shape& sizes);      // error if strides don't allow it
Tensor reshape(const Tensor& a, const Shape& sizes);   // a view when possible, else a copy
Tensor flatten(const Tensor& a, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& a, int64_t dim, const Shape& sizes);
// The elements in row-major order as 1-d: a view when a is contiguous, else of a copy
// (ViewBackward0 either way, over CloneBackward0 for the copy, as torch's).
Tensor ravel(const Tensor& a);
// a with at least 1, 2 or 3 dims: a itself when it has them, else a 0-d a reshaped
// (ViewBackward0) or size-1 dims added (UnsqueezeBackward0): at the front for
// atleast_2d; for atleast_3d a 1-d [n] becomes [1, n, 1] and a 2-d gets one at the end.
Tensor atleast_1d(const Tensor& a);
Tensor atleast_2d(const Tensor& a);
Tensor atleast_3d(const Tensor& a);
Tensor expand(const Tensor& a, const Shape& sizes);
// For ops and backward formulas: `a` itself when it has `sizes` already, else expand.
Tensor expand_to(const Tensor& a, const Shape& sizes);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor squeeze(const Tensor& a);                       // every size-1 dim
Tensor squeeze(const Tensor& a, const DimList& dims, bool single_dim);
Tensor permute(const Tensor& a, const DimList& dims);
Tensor transpose(const Tensor& a, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& a);                             // 0-d, 1-d or 2-d only
Tensor movedim(const Tensor& a, const DimList& source, const DimList& destination);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
// Python slice semantics for start/end (clamped); step > 0.
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length);
TensorList split(const Tensor& a, int64_t split_size, int64_t dim);
TensorList split_with_sizes(const Tensor& a, const Shape& sizes, int64_t dim);
TensorList chunk(const Tensor& a, int64_t chunks, int64_t dim);
TensorList unbind(const Tensor& a, int64_t dim);
// numpy's hsplit (dim 1, or 0 for 1-d), vsplit (dim 0) and dsplit (dim 2): into
// `sections` equal parts, which must divide the dim, or at `indices` (Python slices
// between them, so negative ones count from the end); each part a slice (SliceBackward0).
enum class SplitAxis { Horizontal, Vertical, Depth };
TensorList split_along(const Tensor& a, SplitAxis axis, int64_t sections);
TensorList split_along(const Tensor& a, SplitAxis axis, const Shape& indices);
Tensor detach(const Tensor& a);  // shares storage and version counter, no history
// A new tensor over the same data that stays in the graph (AliasBackward0).
Tensor alias(const Tensor& a);

// The strided region (sizes, strides, offset) of a view, in elements of its base's
// contiguous layout.
struct ViewGeometry {
  Shape sizes;
  Shape strides;
  int64_t offset = 0;
};
// `region` of a contiguous tensor of `base_sizes` read out of `a` (contiguous copy if
// needed); recorded as AsStridedBackward0.
Tensor as_strided_region(const Tensor& a, const ViewGeometry& region);
// Whether AsStridedBackward0's gradient is plain zeros (Note [Empty as_strided gradients]).
bool as_strided_grad_is_zero(const Shape& base_sizes, const Shape& view_sizes);
// Zeros of `base_sizes` with `g` written into `region`: the backward of a view.
Tensor embed_in_zeros(const Tensor& g, const Shape& base_sizes, const ViewGeometry& region);

}  // namespace cgrad
