// sort, topk, kth_smallest, median, mode and cumulative_extreme: one line along the dim at a
// time as (value, index) pairs, the lines split across threads.
#include "kernels/sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "cgrad/parallel.h"
#include "kernels/widen.h"

namespace cgrad::kernels {
namespace {

template <class T> bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
  else return false;
}
// Ascending order with NaN last, and its mirror with NaN first.
template <class T> bool less_nan_last(T x, T y) { return !is_nan(x) && (is_nan(y) || x < y); }
template <class T> bool greater_nan_first(T x, T y) { return (is_nan(x) && !is_nan(y)) || x > y; }

template <class T> using Pairs = std::vector<std::pair<T, int64_t>>;

struct Lines {
  int64_t outer, n, inner;
};
Lines lines_of(const TensorImpl& a, int64_t dim) {
  Lines l{1, a.sizes[dim], 1};
  for (int64_t d = 0; d < dim; ++d) l.outer *= a.sizes[d];
  for (int64_t d = dim + 1; d < a.dim(); ++d) l.inner *= a.sizes[d];
  return l;
}

// f(line, pairs) for every line, `pairs` holding (value, index) in index order.
template <class T, class F>
void for_each_line(const TensorImpl& a, int64_t dim, const F& f) {
  const Lines l = lines_of(a, dim);
  if (l.n == 0) return;
  const T* src = a.data<T>();
  parallel_for(l.outer * l.inner, std::max<int64_t>(1, kGrainSize / l.n),
               [&](int64_t begin, int64_t end) {
                 Pairs<T> pairs(l.n);
                 for (int64_t line = begin; line < end; ++line) {
                   const T* p = src + (line / l.inner) * l.n * l.inner + line % l.inner;
                   for (int64_t j = 0; j < l.n; ++j) pairs[j] = {p[j * l.inner], j};
                   f(line, pairs);
                 }
               }, 1);
}

// Runs kernel(a, values) on widened copies when `a` is small (Note [Small dtypes]): the
// conversion is exact and monotonic, so the order and the ties are the same.
template <class K> bool run_widened(const TensorImpl& a, TensorImpl& values, const K& kernel) {
  if (!is_small(a.dtype)) return false;
  Widened wa(a);
  WidenedOut wvalues(values);
  kernel(*wa, *wvalues);
  wvalues.store();
  return true;
}

// Writes the first `count` pairs of `line` into results that have `count` at the dim.
template <class T>
void write_line(const Pairs<T>& pairs, int64_t count, int64_t line, const Lines& l,
                TensorImpl& values, TensorImpl& indices) {
  const int64_t start = (line / l.inner) * count * l.inner + line % l.inner;
  T* v = values.data<T>() + start;
  int64_t* ix = indices.data<int64_t>() + start;
  for (int64_t j = 0; j < count; ++j) {
    v[j * l.inner] = pairs[j].first;
    ix[j * l.inner] = pairs[j].second;
  }
}

// Note [kthvalue ties]: torch's kthvalue reports, among tied values, whichever index the
// classic median-of-three quickselect (Hoare partition around a[L], as in Numerical
// Recipes' `select`) leaves at position k, so it is run here step for step: a different
// selection algorithm returns the same value but another index.
template <class T> void quickselect(Pairs<T>& a, int64_t k) {
  auto greater = [](const std::pair<T, int64_t>& x, const std::pair<T, int64_t>& y) {
    return greater_nan_first(x.first, y.first);
  };
  int64_t lo = 0, hi = static_cast<int64_t>(a.size()) - 1;
  while (hi > lo) {
    if (hi == lo + 1) {
      if (greater(a[lo], a[hi])) std::swap(a[lo], a[hi]);
      return;
    }
    std::swap(a[lo + (hi - lo) / 2], a[lo + 1]);
    if (greater(a[lo + 1], a[hi])) std::swap(a[lo + 1], a[hi]);
    if (greater(a[lo], a[hi])) std::swap(a[lo], a[hi]);
    if (greater(a[lo + 1], a[lo])) std::swap(a[lo + 1], a[lo]);
    // a[lo] is the median of three; a[lo + 1] <= it <= a[hi] guard the scans.
    int64_t i = lo + 1, j = hi;
    const auto pivot = a[lo];
    for (;;) {
      do ++i; while (greater(pivot, a[i]));
      do --j; while (greater(a[j], pivot));
      if (j < i) break;
      std::swap(a[i], a[j]);
    }
    std::swap(a[lo], a[j]);
    if (j <= k) lo = i;
    if (j >= k) hi = j - 1;
  }
}

}  // namespace

void sort(const TensorImpl& a, int64_t dim, bool descending, bool stable, TensorImpl& values,
          TensorImpl& indices) {
  if (run_widened(a, values, [&](const TensorImpl& w, TensorImpl& v) {
        sort(w, dim, descending, stable, v, indices);
      }))
    return;
  const Lines l = lines_of(a, dim);
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line<T>(a, dim, [&](int64_t line, Pairs<T>& pairs) {
      // Note [Unstable sort order]: torch's CPU sort without stable=True is std::sort on
      // (value, index) pairs, whose order of tied values past 16 elements is introsort's;
      // the same call here gives the same indices.
      auto run = [&](auto comp) {
        if (stable) std::stable_sort(pairs.begin(), pairs.end(), comp);
        else std::sort(pairs.begin(), pairs.end(), comp);
      };
      if (descending)
        run([](const auto& x, const auto& y) { return greater_nan_first(x.first, y.first); });
      else
        run([](const auto& x, const auto& y) { return less_nan_last(x.first, y.first); });
      write_line(pairs, l.n, line, l, values, indices);
    });
  });
}

void topk(const TensorImpl& a, int64_t dim, int64_t k, bool largest, bool sorted,
          TensorImpl& values, TensorImpl& indices) {
  if (run_widened(a, values, [&](const TensorImpl& w, TensorImpl& v) {
        topk(w, dim, k, largest, sorted, v, indices);
      }))
    return;
  const Lines l = lines_of(a, dim);
  if (k == 0) return;
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line<T>(a, dim, [&](int64_t line, Pairs<T>& pairs) {
      // Note [topk order]: which of tied values are kept, and the order of an unsorted
      // result, follow from the algorithm; this is the one torch's CPU kernel documents
      // in its source (partial sort for small k, else nth_element), so results agree.
      auto select = [&](auto comp) {
        if (k * 64 <= l.n) {
          std::partial_sort(pairs.begin(), pairs.begin() + k, pairs.end(), comp);
        } else {
          std::nth_element(pairs.begin(), pairs.begin() + k - 1, pairs.end(), comp);
          if (sorted) std::sort(pairs.begin(), pairs.begin() + k - 1, comp);
        }
      };
      if (largest)
        select([](const auto& x, const auto& y) { return greater_nan_first(x.first, y.first); });
      else
        select([](const auto& x, const auto& y) { return less_nan_last(x.first, y.first); });
      write_line(pairs, k, line, l, values, indices);
    });
  });
}

void kth_smallest(const TensorImpl& a, int64_t dim, int64_t k, TensorImpl& values,
                  TensorImpl& indices) {
  if (run_widened(a, values, [&](const TensorImpl& w, TensorImpl& v) {
        kth_smallest(w, dim, k, v, indices);
      }))
    return;
  const Lines l = lines_of(a, dim);
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line<T>(a, dim, [&](int64_t line, Pairs<T>& pairs) {
      quickselect(pairs, k);
      std::swap(pairs[0], pairs[k]);
      write_line(pairs, 1, line, l, values, indices);
    });
  });
}

void median(const TensorImpl& a, int64_t dim, bool ignore_nan, TensorImpl& values,
            TensorImpl& indices) {
  if (run_widened(a, values, [&](const TensorImpl& w, TensorImpl& v) {
        median(w, dim, ignore_nan, v, indices);
      }))
    return;
  const Lines l = lines_of(a, dim);
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line<T>(a, dim, [&](int64_t line, Pairs<T>& pairs) {
      auto nan = std::find_if(pairs.begin(), pairs.end(), [](const auto& p) { return is_nan(p.first); });
      if (!ignore_nan && nan != pairs.end()) {
        std::swap(pairs[0], *nan);
      } else {
        const int64_t nans = std::count_if(nan, pairs.end(), [](const auto& p) { return is_nan(p.first); });
        // Note [Median of an all-NaN line]: (n - nans - 1) / 2 truncates to 0 there, and
        // NaNs compare as equivalent, so the NaN reported is whichever nth_element leaves
        // first (as torch's nanmedian does).
        const int64_t k = (l.n - nans - 1) / 2;
        std::nth_element(pairs.begin(), pairs.begin() + k, pairs.end(), [](const auto& x, const auto& y) {
          if (is_nan(x.first) || is_nan(y.first)) return !is_nan(x.first) && is_nan(y.first);
          return x.first < y.first || (x.first == y.first && x.second < y.second);
        });
        std::swap(pairs[0], pairs[k]);
      }
      write_line(pairs, 1, line, l, values, indices);
    });
  });
}

void mode(const TensorImpl& a, int64_t dim, TensorImpl& values, TensorImpl& indices) {
  if (run_widened(a, values, [&](const TensorImpl& w, TensorImpl& v) {
        mode(w, dim, v, indices);
      }))
    return;
  const Lines l = lines_of(a, dim);
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line<T>(a, dim, [&](int64_t line, Pairs<T>& pairs) {
      // Note [mode ties]: torch's CPU mode sorts (value, index) pairs by value with
      // std::sort, then takes the first longest run of equal values and reports the index
      // its last pair holds; the same call here reports the same index among ties. NaN
      // sorts last (torch leaves NaN to a comparison that is no ordering) and, unequal to
      // itself, makes runs of one.
      std::sort(pairs.begin(), pairs.end(),
                [](const auto& x, const auto& y) { return less_nan_last(x.first, y.first); });
      int64_t best = 0, best_count = 0, run = 0;
      for (int64_t i = 0; i < l.n; ++i) {
        ++run;
        if (i == l.n - 1 || pairs[i].first != pairs[i + 1].first) {
          if (run > best_count) {
            best = i;
            best_count = run;
          }
          run = 0;
        }
      }
      std::swap(pairs[0], pairs[best]);
      write_line(pairs, 1, line, l, values, indices);
    });
  });
}

void cumulative_extreme(const TensorImpl& a, int64_t dim, bool is_max, TensorImpl& values,
                        TensorImpl& indices) {
  if (run_widened(a, values, [&](const TensorImpl& w, TensorImpl& v) {
        cumulative_extreme(w, dim, is_max, v, indices);
      }))
    return;
  const Lines l = lines_of(a, dim);
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_line<T>(a, dim, [&](int64_t line, Pairs<T>& pairs) {
      std::pair<T, int64_t> best = pairs[0];
      for (auto& p : pairs) {
        const bool better = is_max ? p.first >= best.first : p.first <= best.first;
        if (is_nan(p.first) || (!is_nan(best.first) && better)) best = p;
        p = best;
      }
      write_line(pairs, l.n, line, l, values, indices);
    });
  });
}

}  // namespace cgrad::kernels
