#pragma once
// The one general strided loop every kernel falls back to: walks `sizes` in row-major
// order with N operands, calling inner(ptrs, inner_byte_strides, n) once per innermost
// row, so kernels write only a 1-d loop (and can special-case contiguous rows).
#include <array>
#include <cstdint>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

// Byte strides of `t` seen through the broadcast shape `sizes` (0 on broadcast dims).
inline Shape broadcast_byte_strides(const TensorImpl& t, const Shape& sizes) {
  Shape out(sizes.size(), 0);
  size_t lead = sizes.size() - t.sizes.size();
  int64_t item = static_cast<int64_t>(itemsize(t.dtype));
  for (size_t i = 0; i < t.sizes.size(); ++i)
    out[lead + i] = t.sizes[i] == 1 ? 0 : t.strides[i] * item;
  return out;
}

template <size_t N, class Inner>
void for_each_row(const Shape& sizes, const std::array<Shape, N>& byte_strides,
                  std::array<char*, N> ptrs, Inner&& inner) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  std::array<int64_t, N> inner_strides{};
  if (nd == 0) {
    inner(ptrs, inner_strides, int64_t(1));
    return;
  }
  int64_t outer = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (sizes[d] == 0) return;
    if (d < nd - 1) outer *= sizes[d];
  }
  for (size_t k = 0; k < N; ++k) inner_strides[k] = byte_strides[k][nd - 1];
  const int64_t n = sizes[nd - 1];
  std::vector<int64_t> index(nd, 0);
  for (int64_t o = 0; o < outer; ++o) {
    inner(ptrs, inner_strides, n);
    for (int64_t d = nd - 2; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k) ptrs[k] += byte_strides[k][d];
      if (++index[d] < sizes[d]) break;
      for (size_t k = 0; k < N; ++k) ptrs[k] -= byte_strides[k][d] * sizes[d];
      index[d] = 0;
    }
  }
}

}  // namespace cgrad::kernels
