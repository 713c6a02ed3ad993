#pragma once
// Indexing (definitions in cpp/src/ops/indexing.cpp). Index tensors are int64 or int32;
// x[...]-style indices also take bool masks.
#include "cgrad/tensor.h"

namespace cgrad {

// Advanced indexing, x[i0, i1, ...] (IndexBackward0). indices[k] is an integer tensor for
// the next dim, a bool mask for as many dims as it has (a 0-d mask adds a dim of size 1
// or 0, as numpy's x[True]) or undefined for "the whole dim". Index tensors broadcast
// together; negative indices wrap. The broadcast index shape replaces the indexed dims
// where they are adjacent, and leads the result otherwise (numpy's rule).
Tensor index(const Tensor& self, const TensorList& indices);
// A copy of self with `values` (broadcast to the shape of self[indices]) written at, or
// with `accumulate` added to, those positions (IndexPutBackward0). A Python-scalar
// `values` takes self's dtype; a tensor must already have it.
Tensor index_put(const Tensor& self, const TensorList& indices, const Tensor& values,
                 bool accumulate);
Tensor& index_put_(Tensor& self, const TensorList& indices, const Tensor& values,
                   bool accumulate);

// Along one dim, with a 0-d or 1-d index of non-negative positions.
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);  // IndexSelectBackward0
// self with alpha * source added at positions `index` along dim (IndexAddBackward0).
// alpha is exact for integer tensors (a floating alpha is truncated for them, as torch).
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha = 1);
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha = 1);
// self with source's slices written at positions `index` along dim (IndexCopyBackward0);
// source has self's dtype, and positions count from 0 only.
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
// self with `value` at positions `index` along dim (negative ones count from the end).
// `value` is a Python scalar (IndexFillBackward0) or a 0-d tensor (IndexFillBackward1).
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);
Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);

// Elementwise along one dim: out[i][j] = self[i][index[i][j]] for dim 1 (GatherBackward0).
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
// The inverse write: self[i][index[i][j]] = src[i][j]. `src` is a tensor of self's dtype
// (ScatterBackward0) or a Python scalar (ScatterBackward1).
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);

// value where mask (bool, broadcast with self) is true, self elsewhere. `value` is a
// Python scalar (MaskedFillBackward0) or a 0-d tensor (MaskedFillBackward1).
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);

// int64 [n, self.dim()]: coordinates of the nonzero elements in row-major order.
Tensor nonzero(const Tensor& self);

}  // namespace cgrad
