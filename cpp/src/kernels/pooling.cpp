// Pooling kernels: max and average over windows of each [H, W] plane. The op layer
// turns kernel size, stride, padding, dilation, ceil_mode (or an adaptive output size)
// into per-axis window lists (AxisWindows), so one loop serves max_pool2d,
// adaptive_max_pool2d, avg_pool2d and adaptive_avg_pool2d. Planes are independent:
// every kernel splits them across threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "cgrad/parallel.h"
#include "kernels/convolution.h"
#include "kernels/widen.h"

namespace cgrad::kernels {
namespace {

template <class F>
void dispatch_floating(DType dtype, const F& f, const char* kernel = __builtin_FUNCTION()) {
  if (dtype == DType::Float32) f(float());
  else if (dtype == DType::Float64) f(double());
  else throw_not_implemented_for(kernel, dtype);
}

// max_pool2d also takes integers, as torch's (the small ones arrive widened to int32).
template <class F>
void dispatch_max_pool(DType dtype, const F& f) {
  if (dtype == DType::Int32) f(int32_t());
  else if (dtype == DType::Int64) f(int64_t());
  else dispatch_floating(dtype, f, "max_pool2d");
}

// A window's starting maximum: -inf, or an integer type's lowest value.
template <class T> constexpr T lowest() {
  if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}

// Planes per thread: enough elements to be worth a wake-up.
int64_t plane_grain(int64_t plane_size) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, plane_size));
}

// Calls visit(plane, i, j, k) for each output position (i, j) of each plane, where
// `plane` points at that plane of `base` (planes of plane_size elements) and k is the
// position's flat index in the [P, OH, OW] output. Threads own whole planes.
template <class T, class F>
void for_each_window(T* base, int64_t planes, int64_t plane_size, int64_t oh, int64_t ow,
                     const F& visit) {
  parallel_for(planes, plane_grain(plane_size), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) visit(base + p * plane_size, i, j, (p * oh + i) * ow + j);
  }, 1);
}

int64_t count(const AxisWindows& w) { return static_cast<int64_t>(w.begin.size()); }

}  // namespace

namespace {

// Note [Max pool NaN]: as torch, a NaN replaces the running maximum (so the last NaN of a
// window is reported) and the index starts at the window's first position (reported
// when every value is -inf).
// Written without a branch: on real data whether a value beats the running maximum is a
// coin toss, and mispredicted branches cost max_pool2d(x, 2) 13 ns per output.
template <class T>
inline void consider(T v, int64_t at, T& best_value, int64_t& best) {
  const bool take = (v > best_value) | (v != v);
  best_value = take ? v : best_value;
  best = take ? at : best;
}

// Windows that all have `size` positions one apart and begin `stride` apart from
// `first`: pooling without padding at the edges (every window of max_pool2d(x, 2), say).
struct RegularWindows {
  bool regular;
  int64_t first, stride, size, count;
};
RegularWindows regular_windows(const AxisWindows& w) {
  const int64_t n = count(w);
  RegularWindows r{w.step == 1 && n > 0, n > 0 ? w.begin[0] : 0, n > 1 ? w.begin[1] - w.begin[0] : 1,
                   n > 0 ? w.end[0] - w.begin[0] : 0, n};
  for (int64_t o = 0; r.regular && o < n; ++o)
    r.regular = w.begin[o] == r.first + o * r.stride && w.end[o] - w.begin[o] == r.size;
  return r;
}

// max_pool2d over regular windows, KH x KW known at compile time (0: use kh, kw): no
// window lists to look up, the window's loops unrolled. Visits positions in the order
// of the general loop, so it reports the same values and indices.
template <int KH, int KW, class T>
void max_pool_regular(const T* x, int64_t planes, int64_t h, int64_t w, const RegularWindows& r,
                      const RegularWindows& c, T* y, int64_t* idx) {
  const int64_t kh = KH ? KH : r.size, kw = KW ? KW : c.size;
  parallel_for(planes, plane_grain(h * w), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* plane = x + p * h * w;
      T* yp = y + p * r.count * c.count;
      int64_t* ip = idx + p * r.count * c.count;
      for (int64_t i = 0; i < r.count; ++i) {
        const int64_t r0 = r.first + i * r.stride;
        for (int64_t j = 0; j < c.count; ++j) {
          const int64_t c0 = c.first + j * c.stride;
          int64_t best = r0 * w + c0;
          T best_value = lowest<T>();
          for (int64_t a = 0; a < kh; ++a)
            for (int64_t b = 0; b < kw; ++b) {
              const int64_t at = (r0 + a) * w + c0 + b;
              consider(plane[at], at, best_value, best);
            }
          yp[i * c.count + j] = best_value;
          ip[i * c.count + j] = best;
        }
      }
    }
  }, 1);
}

// The 2 x 2 windows of columns 2 apart (max_pool2d(x, 2)), a 16-byte vector of outputs
// at a time: the four values of each window split out of two rows by shuffles with
// constant masks, then the rule of `consider` applied lane-wise, keeping which of the
// four positions won.
template <class T>
void max_pool_2x2(const T* x, int64_t planes, int64_t h, int64_t w, const RegularWindows& r,
                  const RegularWindows& c, T* y, int64_t* idx) {
  constexpr int L = 16 / sizeof(T);
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  typedef T V __attribute__((vector_size(16)));
  typedef I VI __attribute__((vector_size(16)));
  const auto split = [](const V& lo, const V& hi, bool odd) {
    if constexpr (L == 4)
      return odd ? __builtin_shuffle(lo, hi, VI{1, 3, 5, 7}) : __builtin_shuffle(lo, hi, VI{0, 2, 4, 6});
    else
      return odd ? __builtin_shuffle(lo, hi, VI{1, 3}) : __builtin_shuffle(lo, hi, VI{0, 2});
  };
  parallel_for(planes, plane_grain(h * w), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* plane = x + p * h * w;
      T* yp = y + p * r.count * c.count;
      int64_t* ip = idx + p * r.count * c.count;
      for (int64_t i = 0; i < r.count; ++i, yp += c.count, ip += c.count) {
        const int64_t r0 = r.first + i * r.stride;
        const T* top = plane + r0 * w + c.first;
        int64_t j = 0;
        for (; j + L <= c.count; j += L) {
          V t0, t1, b0, b1;
          std::memcpy(&t0, top + 2 * j, sizeof(V));
          std::memcpy(&t1, top + 2 * j + L, sizeof(V));
          std::memcpy(&b0, top + w + 2 * j, sizeof(V));
          std::memcpy(&b1, top + w + 2 * j + L, sizeof(V));
          const V values[4] = {split(t0, t1, false), split(t0, t1, true), split(b0, b1, false),
                               split(b0, b1, true)};
          V best = V{} + lowest<T>();
          VI which = VI{};
          for (int k = 0; k < 4; ++k) {
            const VI take = (values[k] > best) | (values[k] != values[k]);
            best = take ? values[k] : best;
            which = take ? VI{} + k : which;
          }
          std::memcpy(yp + j, &best, sizeof(V));
          for (int l = 0; l < L; ++l)
            ip[j + l] = (r0 + which[l] / 2) * w + c.first + 2 * (j + l) + which[l] % 2;
        }
        for (; j < c.count; ++j) {
          const int64_t c0 = c.first + 2 * j;
          int64_t best = r0 * w + c0;
          T best_value = lowest<T>();
          for (int64_t a = 0; a < 2; ++a)
            for (int64_t b = 0; b < 2; ++b) consider(plane[(r0 + a) * w + c0 + b], (r0 + a) * w + c0 + b, best_value, best);
          yp[j] = best_value;
          ip[j] = best;
        }
      }
    }
  }, 1);
}

}  // namespace

void max_pool2d(const TensorImpl& input, const AxisWindows& rows, const AxisWindows& cols,
                TensorImpl& out, TensorImpl& indices) {
  if (any_small({&input, &out})) {  // in float32 or int32 (Note [Small dtypes])
    const Widened x(input);
    WidenedOut y(out);
    max_pool2d(*x, rows, cols, *y, indices);
    return y.store();
  }
  const int64_t w = input.sizes[2];
  const RegularWindows r = regular_windows(rows), c = regular_windows(cols);
  dispatch_max_pool(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* y = out.data<T>();
    int64_t* idx = indices.data<int64_t>();
    if (r.regular && c.regular) {
      const int64_t planes = input.sizes[0], h = input.sizes[1];
      if (r.size == 2 && c.size == 2 && c.stride == 2)
        return max_pool_2x2(input.data<T>(), planes, h, w, r, c, y, idx);
      if (r.size == 2 && c.size == 2)
        return max_pool_regular<2, 2>(input.data<T>(), planes, h, w, r, c, y, idx);
      if (r.size == 3 && c.size == 3)
        return max_pool_regular<3, 3>(input.data<T>(), planes, h, w, r, c, y, idx);
      return max_pool_regular<0, 0>(input.data<T>(), planes, h, w, r, c, y, idx);
    }
    for_each_window(input.data<T>(), input.sizes[0], input.sizes[1] * w, count(rows), count(cols),
                    [&](const T* plane, int64_t i, int64_t j, int64_t k) {
      int64_t best = rows.begin[i] * w + cols.begin[j];
      T best_value = lowest<T>();
      for (int64_t r = rows.begin[i]; r < rows.end[i]; r += rows.step)
        for (int64_t c = cols.begin[j]; c < cols.end[j]; c += cols.step)
          consider(plane[r * w + c], r * w + c, best_value, best);
      y[k] = best_value;
      idx[k] = best;
    });
  });
}

namespace {
// Moves values between the pooled layout [P, L] and the planes [P, HW] through the
// chosen indices: scatter adds pooled[p, i] into planes[p, indices[p, i]] (planes zeroed
// first), gather reads it back. Each thread owns whole planes.
template <bool Scatter>
void move_through_indices(const TensorImpl& pooled_like, const TensorImpl& planes_like,
                          const TensorImpl& indices, TensorImpl& out) {
  const int64_t planes = planes_like.sizes[0], hw = planes_like.sizes[1];
  const int64_t per_plane = planes == 0 ? 0 : pooled_like.numel() / planes;
  dispatch_floating(out.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* src = (Scatter ? pooled_like : planes_like).template data<T>();
    const int64_t* idx = indices.data<int64_t>();
    T* dst = out.data<T>();
    parallel_for(planes, plane_grain(Scatter ? hw : per_plane), [&](int64_t begin, int64_t end) {
      if (Scatter) std::fill(dst + begin * hw, dst + end * hw, T(0));
      for (int64_t p = begin; p < end; ++p)
        for (int64_t i = 0; i < per_plane; ++i) {
          const int64_t k = p * per_plane + i, at = p * hw + idx[k];
          if (Scatter) dst[at] += src[k];
          else dst[k] = src[at];
        }
    }, 1);
  });
}
}  // namespace

void max_pool2d_backward(const TensorImpl& grad, const TensorImpl& indices, TensorImpl& grad_input) {
  if (any_small({&grad, &grad_input})) {
    const Widened g(grad);
    WidenedOut gx(grad_input);
    max_pool2d_backward(*g, indices, *gx);
    return gx.store();
  }
  move_through_indices<true>(grad, grad_input, indices, grad_input);
}

void gather_planes(const TensorImpl& source, const TensorImpl& indices, TensorImpl& out) {
  if (any_small({&source, &out})) {
    const Widened src(source);
    WidenedOut y(out);
    gather_planes(*src, indices, *y);
    return y.store();
  }
  move_through_indices<false>(out, source, indices, out);
}

void avg_pool2d(const TensorImpl& input, const AxisWindows& rows, const AxisWindows& cols,
                const std::vector<double>& divisors, TensorImpl& out) {
  if (any_small({&input, &out})) {
    const Widened x(input);
    WidenedOut y(out);
    avg_pool2d(*x, rows, cols, divisors, *y);
    return y.store();
  }
  const int64_t w = input.sizes[2], ow = count(cols);
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* y = out.data<T>();
    for_each_window(input.data<T>(), input.sizes[0], input.sizes[1] * w, count(rows), ow,
                    [&](const T* plane, int64_t i, int64_t j, int64_t k) {
      T sum = 0;  // accumulated in the input's type, in window order, as torch
      for (int64_t r = rows.begin[i]; r < rows.end[i]; r += rows.step)
        for (int64_t c = cols.begin[j]; c < cols.end[j]; c += cols.step) sum += plane[r * w + c];
      y[k] = sum / static_cast<T>(divisors[i * ow + j]);
    });
  });
}

void avg_pool2d_backward(const TensorImpl& grad, const AxisWindows& rows, const AxisWindows& cols,
                         const std::vector<double>& divisors, TensorImpl& grad_input) {
  if (any_small({&grad, &grad_input})) {
    const Widened g(grad);
    WidenedOut gx(grad_input);
    avg_pool2d_backward(*g, rows, cols, divisors, *gx);
    return gx.store();
  }
  const int64_t w = grad_input.sizes[2], ow = count(cols);
  dispatch_floating(grad.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* g = grad.data<T>();
    T* gx = grad_input.data<T>();
    std::fill(gx, gx + grad_input.numel(), T(0));
    for_each_window(gx, grad_input.sizes[0], grad_input.sizes[1] * w, count(rows), ow,
                    [&](T* plane, int64_t i, int64_t j, int64_t k) {
      const T share = g[k] / static_cast<T>(divisors[i * ow + j]);
      for (int64_t r = rows.begin[i]; r < rows.end[i]; r += rows.step)
        for (int64_t c = cols.begin[j]; c < cols.end[j]; c += cols.step) plane[r * w + c] += share;
    });
  });
}

}  // namespace cgrad::kernels
