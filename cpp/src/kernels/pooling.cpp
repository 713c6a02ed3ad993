// Pooling kernels: max and average over windows of each [H, W] plane. The op layer
// turns kernel size, stride, padding, dilation, ceil_mode (or an adaptive output size)
// into per-axis window lists (AxisWindows), so one loop serves max_pool2d,
// adaptive_max_pool2d, avg_pool2d and adaptive_avg_pool2d. Planes are independent:
// every kernel splits them across threads.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cgrad/parallel.h"
#include "kernels/convolution.h"

namespace cgrad::kernels {
namespace {

template <class F>
void dispatch_floating(DType dtype, const F& f, const char* kernel = __builtin_FUNCTION()) {
  if (dtype == DType::Float32) f(float());
  else if (dtype == DType::Float64) f(double());
  else throw_not_implemented_for(kernel, dtype);
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

void max_pool2d(const TensorImpl& input, const AxisWindows& rows, const AxisWindows& cols,
                TensorImpl& out, TensorImpl& indices) {
  const int64_t w = input.sizes[2];
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    T* y = out.data<T>();
    int64_t* idx = indices.data<int64_t>();
    for_each_window(input.data<T>(), input.sizes[0], input.sizes[1] * w, count(rows), count(cols),
                    [&](const T* plane, int64_t i, int64_t j, int64_t k) {
      // Note [Max pool NaN]: as torch, a NaN replaces the running maximum (so the last
      // NaN of a window is reported) and the index starts at the window's first position
      // (reported when every value is -inf).
      int64_t best = rows.begin[i] * w + cols.begin[j];
      T best_value = -std::numeric_limits<T>::infinity();
      for (int64_t r = rows.begin[i]; r < rows.end[i]; r += rows.step)
        for (int64_t c = cols.begin[j]; c < cols.end[j]; c += cols.step) {
          const T v = plane[r * w + c];
          if (v > best_value || std::isnan(v)) {
            best_value = v;
            best = r * w + c;
          }
        }
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
  move_through_indices<true>(grad, grad_input, indices, grad_input);
}

void gather_planes(const TensorImpl& source, const TensorImpl& indices, TensorImpl& out) {
  move_through_indices<false>(out, source, indices, out);
}

void avg_pool2d(const TensorImpl& input, const AxisWindows& rows, const AxisWindows& cols,
                const std::vector<double>& divisors, TensorImpl& out) {
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
