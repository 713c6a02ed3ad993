// lexicographic_order and consecutive_groups: single-threaded passes over the rows.
#include "kernels/unique.h"

#include <algorithm>
#include <numeric>

namespace cgrad::kernels {

// Note [unique_dim order]: torch's CPU unique along a dim sorts the slice indices with
// std::sort and a comparator that decides at the first element where `<` or `>` holds and
// skips elements where neither does (equal, or NaN on either side). With NaN that is no
// strict weak order, so which order comes out is whatever std::sort makes of it; the same
// std::sort call with the same comparator gives torch's order, NaN rows included.
void lexicographic_order(const TensorImpl& rows, int64_t n, int64_t width, int64_t* order) {
  std::iota(order, order + n, int64_t{0});
  dispatch(rows.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* data = rows.data<T>();
    std::sort(order, order + n, [data, width](int64_t a, int64_t b) {
      const T* x = data + a * width;
      const T* y = data + b * width;
      for (int64_t i = 0; i < width; ++i) {
        if (x[i] < y[i]) return true;
        if (x[i] > y[i]) return false;
      }
      return false;
    });
  });
}

void consecutive_groups(const TensorImpl& rows, int64_t n, int64_t width, const int64_t* order,
                        std::vector<int64_t>& first, std::vector<int64_t>& counts,
                        int64_t* inverse) {
  first.clear();
  counts.clear();
  dispatch(rows.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* data = rows.data<T>();
    auto row_at = [&](int64_t i) { return order ? order[i] : i; };
    for (int64_t i = 0; i < n; ++i) {
      const int64_t row = row_at(i);
      bool starts = i == 0;
      if (!starts) {
        const T* x = data + row * width;
        const T* y = data + row_at(i - 1) * width;
        for (int64_t k = 0; k < width && !starts; ++k) starts = !(x[k] == y[k]);
      }
      if (starts) {
        first.push_back(row);
        counts.push_back(0);
      }
      ++counts.back();
      inverse[row] = static_cast<int64_t>(first.size()) - 1;
    }
  });
}

}  // namespace cgrad::kernels
