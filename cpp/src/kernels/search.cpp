// searchsorted: one binary search per value, the values split across threads.
#include "kernels/search.h"

#include "cgrad/parallel.h"

namespace cgrad::kernels {

// Note [searchsorted with NaN]: the search moves right while !(row[mid] >= v) (left) or
// !(row[mid] > v) (right), as torch's does. A NaN value therefore lands past the end, and
// a NaN met in the row (sorted last, as sort puts it) sends the search right: the answers
// for NaN and for values around NaNs in the row are torch's, not those of an order in
// which NaN is the largest value.
void searchsorted(const TensorImpl& sorted, const TensorImpl& values, const TensorImpl* sorter,
                  bool right, TensorImpl& out) {
  const int64_t total = values.numel();
  if (total == 0) return;
  const int64_t n = sorted.dim() == 0 ? 1 : sorted.sizes.back();
  const int64_t m = values.dim() == 0 ? 1 : values.sizes.back();
  const bool shared_row = sorted.dim() <= 1;
  const int64_t* order = sorter ? sorter->data<int64_t>() : nullptr;
  dispatch(values.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* seq = sorted.data<T>();
    const T* val = values.data<T>();
    parallel_for(total, kGrainSize / 16 + 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t row = shared_row ? 0 : (i / m) * n;
        const T v = val[i];
        int64_t lo = 0, hi = n;
        while (lo < hi) {
          const int64_t mid = lo + (hi - lo) / 2;
          const T s = seq[row + (order ? order[row + mid] : mid)];
          if (right ? !(s > v) : !(s >= v)) lo = mid + 1;
          else hi = mid;
        }
        if (out.dtype == DType::Int32) out.data<int32_t>()[i] = static_cast<int32_t>(lo);
        else out.data<int64_t>()[i] = lo;
      }
    });
  });
}

}  // namespace cgrad::kernels
