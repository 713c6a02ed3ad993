#include "cgrad/shape.h"

#include <limits>

#include "cgrad/errors.h"

namespace cgrad {

// As torch: the product is taken left to right in unsigned 64 bits, overflowing only past
// 2^64, and checked against int64's range at the end, so [2^62, 2, 0] has 0 elements
// while [2^62, 4, 0] overflows.
int64_t unsigned_numel_of(const Shape& sizes) {
  uint64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) overflow |= __builtin_mul_overflow(n, static_cast<uint64_t>(s), &n);
  if (overflow || n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw std::runtime_error("numel: integer multiplication overflow");
  return static_cast<int64_t>(n);
}

int64_t numel_of(const Shape& sizes) {
  for (int64_t s : sizes)
    if (s < 0) throw std::runtime_error("Trying to create tensor with negative dimension " +
                                        std::to_string(s) + ": " + shape_str(sizes));
  return unsigned_numel_of(sizes);
}

Shape contiguous_strides(const Shape& sizes) {
  Shape strides(sizes.size());
  int64_t acc = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = acc;
    // Zero-size dims count as 1, so an empty shape can still overflow ([0, 2**62, 4]).
    if (__builtin_mul_overflow(acc, sizes[i] > 1 ? sizes[i] : 1, &acc) && i > 0)
      throw std::runtime_error("Stride calculation overflowed");
  }
  return strides;
}

std::string shape_str(const Shape& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  return s + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  if (same_shape(a, b)) return a;
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  // Right to left, so a mismatch is reported at the trailing dim first, as torch does.
  for (size_t i = n; i-- > 0;) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::runtime_error("The size of tensor a (" + std::to_string(da) +
                               ") must match the size of tensor b (" + std::to_string(db) +
                               ") at non-singleton dimension " + std::to_string(i));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  int64_t n = ndim > 0 ? ndim : 1;  // a 0-d tensor accepts dims 0 and -1, as in torch
  if (dim < -n || dim >= n)
    throw IndexError("Dimension out of range (expected to be in range of [" +
                     std::to_string(-n) + ", " + std::to_string(n - 1) + "], but got " +
                     std::to_string(dim) + ")");
  return dim < 0 ? dim + n : dim;
}

std::vector<bool> dim_mask(const DimList& dims, int64_t ndim) {
  std::vector<bool> mask(ndim > 0 ? ndim : 0, dims.empty());
  std::vector<bool> seen(ndim > 0 ? ndim : 1, false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, ndim);
    if (seen[w])
      throw std::runtime_error("dim " + std::to_string(w) +
                               " appears multiple times in the list of dims");
    seen[w] = true;
    if (ndim > 0) mask[w] = true;
  }
  return mask;
}

}  // namespace cgrad
