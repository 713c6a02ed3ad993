#pragma once
// Ops that rearrange or repeat elements, and the triangle/diagonal family (definitions
// in cpp/src/ops/shape_ops.cpp). Each records torch's node (FlipBackward0, ...).
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

// Reverses the order along each of `dims` (FlipBackward0).
Tensor flip(const Tensor& a, const DimList& dims);
Tensor fliplr(const Tensor& a);  // flip(a, {1}); a has 2 dims or more
Tensor flipud(const Tensor& a);  // flip(a, {0}); a has 1 dim or more
// Rotates by k quarter turns in the plane of `dims`, from dims[0] towards dims[1]
// (Rot90Backward0, whose backward turns back by -k).
Tensor rot90(const Tensor& a, int64_t k = 1, const DimList& dims = {0, 1});
// Shifts elements along dims[k] by shifts[k], wrapping around; with no dims, along the
// flattened tensor (RollBackward0).
Tensor roll(const Tensor& a, const Shape& shifts, const DimList& dims);
// Tiles a `repeats[k]` times along dim k; extra leading repeats add dims (RepeatBackward0).
Tensor repeat(const Tensor& a, const Shape& repeats);
// repeat with fewer reps than dims allowed (they are padded with leading 1s).
Tensor tile(const Tensor& a, const Shape& reps);
// Each element `repeats` times along dim (flattened when nullopt): as torch's, an
// unsqueeze-expand-clone flattened back (ViewBackward0).
Tensor repeat_interleave(const Tensor& a, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size = std::nullopt);
// Element i of dim repeated repeats[i] times: an index_select (IndexSelectBackward0).
Tensor repeat_interleave(const Tensor& a, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size = std::nullopt);
// The index form: i repeated repeats[i] times (int64 from a 1-d integer tensor).
Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size = std::nullopt);

// Lower / upper triangle of the last two dims, from diagonal k on (TrilBackward0 /
// TriuBackward0); the rest zero.
Tensor tril(const Tensor& a, int64_t k = 0);
Tensor triu(const Tensor& a, int64_t k = 0);
Tensor& tril_(Tensor& self, int64_t k = 0);
Tensor& triu_(Tensor& self, int64_t k = 0);
// The diagonal `offset` of the dims dim1, dim2 as a view, moved to the end
// (DiagonalBackward0).
Tensor diagonal(const Tensor& a, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
// Zeros with a's last dim written on diagonal `offset` of the new dims dim1, dim2
// (DiagEmbedBackward0).
Tensor diag_embed(const Tensor& a, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1);
// 1-d: the square matrix with a on diagonal k; 2-d: a copy of diagonal k.
Tensor diag(const Tensor& a, int64_t k = 0);
// Sum of the main diagonal of a matrix (TraceBackward0); integers give int64.
Tensor trace(const Tensor& a);

}  // namespace cgrad
