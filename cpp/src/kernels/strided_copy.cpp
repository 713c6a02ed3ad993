// copy_region: coalesce dims, then copy whole rows (memcpy when the row is contiguous, a
// reversed or strided loop otherwise), rows split across threads.
//
// Note [Flip as a strided copy]: flip reads its input with negative strides, so its cost
// is a copy's. Merging dims that are contiguous with each other first makes rows long
// (flip(0) of [N, M] copies N contiguous rows of M; flip(-1) walks each row backwards,
// which the compiler vectorizes with a lane shuffle), and copying by element size rather
// than dtype keeps one loop per width.
#include <cstring>

#include "cgrad/parallel.h"
#include "kernels/strided_copy.h"

namespace cgrad::kernels {
namespace {

template <class W>
void copy_rows(const char* base, const Shape& sizes, const Shape& strides, int64_t rows,
               int64_t row_len, int64_t row_stride, char* dst) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(row_len, 1));
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    // The source offset of row `begin`, from its coordinates in the outer dims.
    std::vector<int64_t> index(nd > 0 ? nd - 1 : 0, 0);
    int64_t src = 0;
    for (int64_t d = nd - 2, r = begin; d >= 0; --d) {
      index[d] = r % sizes[d];
      r /= sizes[d];
      src += index[d] * strides[d];
    }
    W* out = reinterpret_cast<W*>(dst) + begin * row_len;
    for (int64_t row = begin; row < end; ++row) {
      const W* in = reinterpret_cast<const W*>(base) + src;
      if (row_stride == 1) std::memcpy(out, in, row_len * sizeof(W));
      else if (row_stride == -1)
        for (int64_t j = 0; j < row_len; ++j) out[j] = in[-j];
      else
        for (int64_t j = 0; j < row_len; ++j) out[j] = in[j * row_stride];
      out += row_len;
      for (int64_t d = nd - 2; d >= 0; --d) {  // next row's offset
        src += strides[d];
        if (++index[d] < sizes[d]) break;
        src -= strides[d] * sizes[d];
        index[d] = 0;
      }
    }
  }, 1);
}

}  // namespace

void copy_region(const StridedRegion& region, TensorImpl& dst) {
  if (dst.numel() == 0) return;
  // Drop size-1 dims and merge a dim into the next when they step as one.
  Shape sizes, strides;
  for (size_t d = 0; d < region.sizes.size(); ++d) {
    if (region.sizes[d] == 1) continue;
    if (!sizes.empty() && strides.back() == region.strides[d] * region.sizes[d]) {
      sizes.back() *= region.sizes[d];
      strides.back() = region.strides[d];
      continue;
    }
    sizes.push_back(region.sizes[d]);
    strides.push_back(region.strides[d]);
  }
  if (sizes.empty()) {
    sizes.push_back(1);
    strides.push_back(1);
  }
  const int64_t row_len = sizes.back(), row_stride = strides.back();
  const int64_t rows = dst.numel() / row_len;
  const size_t item = itemsize(dst.dtype);
  const char* base = static_cast<const char*>(region.src->storage->data()) +
                     region.offset * static_cast<int64_t>(item);
  char* out = static_cast<char*>(dst.raw_data());
  switch (item) {
    case 1: copy_rows<uint8_t>(base, sizes, strides, rows, row_len, row_stride, out); break;
    case 2: copy_rows<uint16_t>(base, sizes, strides, rows, row_len, row_stride, out); break;
    case 4: copy_rows<uint32_t>(base, sizes, strides, rows, row_len, row_stride, out); break;
    default: copy_rows<uint64_t>(base, sizes, strides, rows, row_len, row_stride, out); break;
  }
}

}  // namespace cgrad::kernels
