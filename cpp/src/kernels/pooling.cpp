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
void dispatch_floating(DType dtype, const F& f) {
  if (dtype == DType::Float32) f(float());
  else f(double());
}

// Planes per thread: enough elements to be worth a wake-up.
int64_t plane_grain(int64_t plane_size) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, plane_size));
}

}  // namespace

void max_pool2d(const TensorImpl& input, const AxisWindows& rows, const AxisWindows& cols,
                TensorImpl& out, TensorImpl& indices) {
  const int64_t planes = input.sizes[0], h = input.sizes[1], w = input.sizes[2];
  const int64_t oh = static_cast<int64_t>(rows.begin.size()), ow = static_cast<int64_t>(cols.begin.size());
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* x = input.data<T>();
    T* y = out.data<T>();
    int64_t* idx = indices.data<int64_t>();
    parallel_for(planes, plane_grain(h * w), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const T* plane = x + p * h * w;
        for (int64_t i = 0; i < oh; ++i)
          for (int64_t j = 0; j < ow; ++j) {
            // Note [Max pool NaN]: as torch, a NaN replaces the running maximum (so the
            // last NaN of a window is reported) and the index starts at the window's
            // first position (reported when every value is -inf).
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
            y[(p * oh + i) * ow + j] = best_value;
            idx[(p * oh + i) * ow + j] = best;
          }
      }
    }, 1);
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
  const int64_t planes = input.sizes[0], h = input.sizes[1], w = input.sizes[2];
  const int64_t oh = static_cast<int64_t>(rows.begin.size()), ow = static_cast<int64_t>(cols.begin.size());
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* x = input.data<T>();
    T* y = out.data<T>();
    parallel_for(planes, plane_grain(h * w), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const T* plane = x + p * h * w;
        for (int64_t i = 0; i < oh; ++i)
          for (int64_t j = 0; j < ow; ++j) {
            T sum = 0;  // accumulated in the input's type, in window order, as torch
            for (int64_t r = rows.begin[i]; r < rows.end[i]; r += rows.step)
              for (int64_t c = cols.begin[j]; c < cols.end[j]; c += cols.step) sum += plane[r * w + c];
            y[(p * oh + i) * ow + j] = sum / static_cast<T>(divisors[i * ow + j]);
          }
      }
    }, 1);
  });
}

void avg_pool2d_backward(const TensorImpl& grad, const AxisWindows& rows, const AxisWindows& cols,
                         const std::vector<double>& divisors, TensorImpl& grad_input) {
  const int64_t planes = grad_input.sizes[0], h = grad_input.sizes[1], w = grad_input.sizes[2];
  const int64_t oh = static_cast<int64_t>(rows.begin.size()), ow = static_cast<int64_t>(cols.begin.size());
  dispatch_floating(grad.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* g = grad.data<T>();
    T* gx = grad_input.data<T>();
    parallel_for(planes, plane_grain(h * w), [&](int64_t begin, int64_t end) {
      std::fill(gx + begin * h * w, gx + end * h * w, T(0));
      for (int64_t p = begin; p < end; ++p) {
        T* plane = gx + p * h * w;
        for (int64_t i = 0; i < oh; ++i)
          for (int64_t j = 0; j < ow; ++j) {
            const T share = g[(p * oh + i) * ow + j] / static_cast<T>(divisors[i * ow + j]);
            for (int64_t r = rows.begin[i]; r < rows.end[i]; r += rows.step)
              for (int64_t c = cols.begin[j]; c < cols.end[j]; c += cols.step) plane[r * w + c] += share;
          }
      }
    }, 1);
  });
}

}  // namespace cgrad::kernels
