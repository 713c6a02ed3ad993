#pragma once
// Sizes, strides and the shape arithmetic every layer shares.
#include <cstdint>
#include <string>
#include <vector>

#include "cgrad/small_vector.h"

namespace cgrad {

// Inline up to four dims (Note [Inline shapes]): every op builds a few.
using Shape = SmallVector<int64_t, 4>;
using DimList = Shape;  // dims to reduce or permute

// Shape equality inline, for any two inline capacities (a node's input metas keep two):
// a memcmp through the PLT was 4% of the scalar-graph benchmark, for the one- and
// two-dim shapes compared on every op.
template <uint32_t N, uint32_t M>
bool same_shape(const SmallVector<int64_t, N>& a, const SmallVector<int64_t, M>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Note [Element counts]: every tensor's element count fits in int64. numel_of checks it
// as torch does, multiplying left to right and raising torch's RuntimeError ("numel:
// integer multiplication overflow") at the first product that overflows; fresh tensors
// (empty) and expand, the one view that can grow a tensor, go through it. A huge but
// representable expand is legal, as in torch (it is a view of one element): reducing it
// then visits every element it claims, as slowly as torch does — we do not special-case
// stride-0 dims, whose sums would then round differently from torch's. Under that
// invariant the products of leading dims cannot overflow; the product of some other
// subset of dims can when a dim outside it is 0 ([0, 2**62, 4] is a valid empty shape),
// so such products use saturating_mul, and TensorImpl::numel() multiplies modulo 2**64,
// which is exact for every representable count and never undefined behaviour.
int64_t numel_of(const Shape& sizes);
// numel_of's count without its negative-size check: each size read as unsigned 64 bits,
// as torch checks an expanded shape, so a negative size overflows unless a 0 follows it.
int64_t unsigned_numel_of(const Shape& sizes);
// a * b for non-negative sizes, INT64_MAX when it overflows (Note [Element counts]).
inline int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t out;
  return __builtin_mul_overflow(a, b, &out) ? INT64_MAX : out;
}
// Row-major strides; RuntimeError when one overflows (only an empty shape can do that).
Shape contiguous_strides(const Shape& sizes);
// torch's "[2, 3]" spelling, used in error messages.
std::string shape_str(const Shape& sizes);
// Broadcast two shapes; the error names `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Wraps a possibly negative dim into [0, ndim); IndexError in torch's words otherwise.
int64_t wrap_dim(int64_t dim, int64_t ndim);
// A sorted, duplicate-checked mask of reduced dims; empty `dims` means all of them.
std::vector<bool> dim_mask(const DimList& dims, int64_t ndim);

}  // namespace cgrad
