#pragma once
// Sizes, strides and the shape arithmetic every layer shares.
#include <cstdint>
#include <string>
#include <vector>

#include "cgrad/allocator.h"

namespace cgrad {

// From the caching allocator: every op builds a few (Note [Node allocations]).
using Shape = std::vector<int64_t, CachingAllocator<int64_t>>;
using DimList = Shape;  // dims to reduce or permute

// Shape equality inline: std::vector's == calls memcmp through the PLT, which was 4% of
// the scalar-graph benchmark for the one- and two-dim shapes compared on every op.
inline bool same_shape(const Shape& a, const Shape& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

int64_t numel_of(const Shape& sizes);  // throws RuntimeError on overflow
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
