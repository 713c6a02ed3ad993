#include "kernels/embedding.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cgrad/parallel.h"
#include "kernels/prefetch.h"

namespace cgrad::kernels {
namespace {

// Note [Embedding backward by table row]: index_add_ into zeros writes the whole table
// once (the zeros) and then reads and writes every used row again, in index order, so
// it cannot be split among threads without two of them adding into one row. Sorting the
// positions by table row first (a stable counting sort, so a row's terms keep their
// index order) lets each thread own a range of table rows and write each of them once:
// zeros, or 0 + its first term + the next ones. Every element gets the same additions
// in the same order as index_add_ gives it, whatever the thread count (Note [Threads
// and determinism]). The term rows are read in table order, scattered over grad, so
// each is prefetched a few rows ahead: at 50k x 256 the loop was bound by their misses.
constexpr int64_t kPrefetchRows = 8;

template <class T, class I>
void sum_by_row(const T* grad, const I* indices, int64_t n, int64_t rows, int64_t width, T* out) {
  // starts[r] .. starts[r + 1]: the positions whose index is r, in order, in `order`.
  std::vector<int64_t> starts(static_cast<size_t>(rows) + 1, 0);
  for (int64_t i = 0; i < n; ++i) ++starts[static_cast<size_t>(indices[i]) + 1];
  for (int64_t r = 0; r < rows; ++r) starts[r + 1] += starts[r];
  std::vector<int64_t> order(static_cast<size_t>(n));
  {
    std::vector<int64_t> next(starts.begin(), starts.end() - 1);
    for (int64_t i = 0; i < n; ++i) order[next[indices[i]]++] = i;
  }
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(width, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    const int64_t last = starts[r1];
    for (int64_t r = r0; r < r1; ++r) {
      T* dst = out + r * width;
      const int64_t begin = starts[r], end = starts[r + 1];
      if (begin == end) {
        std::memset(dst, 0, sizeof(T) * width);
        continue;
      }
      for (int64_t q = begin; q < end; ++q) {
        if (q + kPrefetchRows < last)
          prefetch_row(grad + order[q + kPrefetchRows] * width, width * int64_t(sizeof(T)));
        const T* src = grad + order[q] * width;
        if (q == begin)  // 0 + x, not x: -0.0 becomes +0.0 as in zeros + x
          for (int64_t j = 0; j < width; ++j) dst[j] = T(0) + src[j];
        else
          for (int64_t j = 0; j < width; ++j) dst[j] += src[j];
      }
    }
  });
}

}  // namespace

void embedding_backward(const TensorImpl& grad, const TensorImpl& indices, TensorImpl& out) {
  const int64_t rows = out.sizes[0], width = out.sizes[1], n = indices.numel();
  auto run = [&](auto* values) {
    if (out.dtype == DType::Float64)
      sum_by_row(grad.data<double>(), values, n, rows, width, out.data<double>());
    else
      sum_by_row(grad.data<float>(), values, n, rows, width, out.data<float>());
  };
  if (indices.dtype == DType::Int64) run(indices.data<int64_t>());
  else run(indices.data<int32_t>());
}

}  // namespace cgrad::kernels
