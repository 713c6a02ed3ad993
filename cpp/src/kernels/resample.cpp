// Resampling kernels (kernels/resample.h): forward over output rows, backward over planes.
#include "kernels/resample.h"

#include <algorithm>

#include "cgrad/parallel.h"
#include "kernels/widen.h"

namespace cgrad::kernels {
namespace {

// Floating types, and the integers nearest-neighbour copies (uint8 arrives as int32).
template <class F>
void dispatch_resample(DType dtype, const F& f, const char* kernel) {
  switch (dtype) {
    case DType::Float32: return f(float());
    case DType::Float64: return f(double());
    case DType::Int32: return f(int32_t());
    case DType::Int64: return f(int64_t());
    default: throw_not_implemented_for(kernel, dtype);
  }
}

struct Taps {
  const int64_t* index;
  const double* weight;
  int64_t count;
};
Taps taps(const AxisTaps& a, int64_t o) {
  const int64_t k = a.first[o];
  return {a.index.data() + k, a.weight.data() + k, a.first[o + 1] - k};
}

template <class T>
T weighted_row(const T* row, const Taps& t) {
  T acc = static_cast<T>(t.weight[0]) * row[t.index[0]];
  for (int64_t k = 1; k < t.count; ++k) acc += static_cast<T>(t.weight[k]) * row[t.index[k]];
  return acc;
}

// Nearest-neighbour axes: one tap of weight 1 per output position. Resampling is then a
// plain gather (and its adjoint a scatter-add), the same values without the tap loops,
// which cost nearest upsampling 1.7x torch's time.
bool single_taps(const AxisTaps& a) {
  for (int64_t o = 0; o < a.out_size(); ++o)
    if (a.first[o + 1] - a.first[o] != 1 || a.weight[a.first[o]] != 1.0) return false;
  return true;
}

}  // namespace

void resample(const TensorImpl& input, const AxisTaps& d, const AxisTaps& h, const AxisTaps& w,
              bool average, TensorImpl& out) {
  if (any_small({&input, &out})) {
    const Widened x(input);
    WidenedOut y(out);
    resample(*x, d, h, w, average, *y);
    return y.store();
  }
  const int64_t planes = input.sizes[0], in_d = input.sizes[1], in_h = input.sizes[2],
                in_w = input.sizes[3];
  const int64_t od = d.out_size(), oh = h.out_size(), ow = w.out_size();
  const bool nearest = !average && single_taps(d) && single_taps(h) && single_taps(w);
  dispatch_resample(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* x = input.data<T>();
    T* y = out.data<T>();
    const int64_t rows = planes * od * oh;
    parallel_for(rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, ow * 4)),
                 [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t p = r / (od * oh), i = r / oh % od, j = r % oh;
        const T* plane = x + p * in_d * in_h * in_w;
        const Taps td = taps(d, i), th = taps(h, j);
        if (nearest) {
          const T* row = plane + (td.index[0] * in_h + th.index[0]) * in_w;
          for (int64_t k = 0; k < ow; ++k) y[r * ow + k] = row[w.index[k]];
          continue;
        }
        for (int64_t k = 0; k < ow; ++k) {
          const Taps tw = taps(w, k);
          if (average) {
            T sum = 0;  // one running sum in window order, as torch's adaptive pooling
            for (int64_t a = 0; a < td.count; ++a)
              for (int64_t b = 0; b < th.count; ++b) {
                const T* row = plane + (td.index[a] * in_h + th.index[b]) * in_w;
                for (int64_t c = 0; c < tw.count; ++c) sum += row[tw.index[c]];
              }
            y[r * ow + k] = sum / static_cast<T>(td.count) / static_cast<T>(th.count) /
                            static_cast<T>(tw.count);
            continue;
          }
          T acc_d = 0;
          for (int64_t a = 0; a < td.count; ++a) {
            T acc_h = 0;
            for (int64_t b = 0; b < th.count; ++b) {
              const T v = weighted_row(plane + (td.index[a] * in_h + th.index[b]) * in_w, tw);
              const T term = static_cast<T>(th.weight[b]) * v;
              acc_h = b == 0 ? term : acc_h + term;
            }
            const T term = static_cast<T>(td.weight[a]) * acc_h;
            acc_d = a == 0 ? term : acc_d + term;
          }
          y[r * ow + k] = acc_d;
        }
      }
    });
  }, "resample");
}

void resample_backward(const TensorImpl& grad, const AxisTaps& d, const AxisTaps& h,
                       const AxisTaps& w, bool average, TensorImpl& grad_input) {
  if (any_small({&grad, &grad_input})) {
    const Widened g(grad);
    WidenedOut gx(grad_input);
    resample_backward(*g, d, h, w, average, *gx);
    return gx.store();
  }
  const int64_t planes = grad_input.sizes[0], in_d = grad_input.sizes[1],
                in_h = grad_input.sizes[2], in_w = grad_input.sizes[3];
  const int64_t od = d.out_size(), oh = h.out_size(), ow = w.out_size();
  const int64_t in_plane = in_d * in_h * in_w, out_plane = od * oh * ow;
  const bool nearest = !average && single_taps(d) && single_taps(h) && single_taps(w);
  dispatch_resample(grad.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* g = grad.data<T>();
    T* gx = grad_input.data<T>();
    parallel_for(planes, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, out_plane * 4)),
                 [&](int64_t begin, int64_t end) {
      std::fill(gx + begin * in_plane, gx + end * in_plane, T(0));
      for (int64_t p = begin; p < end; ++p) {
        T* plane = gx + p * in_plane;
        const T* gp = g + p * out_plane;
        for (int64_t i = 0; i < od; ++i) {
          const Taps td = taps(d, i);
          for (int64_t j = 0; j < oh; ++j) {
            const Taps th = taps(h, j);
            if (nearest) {
              T* row = plane + (td.index[0] * in_h + th.index[0]) * in_w;
              const T* gr = gp + (i * oh + j) * ow;
              for (int64_t k = 0; k < ow; ++k) row[w.index[k]] += gr[k];
              continue;
            }
            for (int64_t k = 0; k < ow; ++k) {
              const Taps tw = taps(w, k);
              T value = gp[(i * oh + j) * ow + k];
              if (average)
                value = value / static_cast<T>(td.count) / static_cast<T>(th.count) /
                        static_cast<T>(tw.count);
              for (int64_t a = 0; a < td.count; ++a)
                for (int64_t b = 0; b < th.count; ++b) {
                  T* row = plane + (td.index[a] * in_h + th.index[b]) * in_w;
                  const T wdh = static_cast<T>(td.weight[a]) * static_cast<T>(th.weight[b]);
                  for (int64_t c = 0; c < tw.count; ++c)
                    row[tw.index[c]] += average ? value : wdh * static_cast<T>(tw.weight[c]) * value;
                }
            }
          }
        }
      }
    }, 1);
  }, "resample_backward");
}

}  // namespace cgrad::kernels
