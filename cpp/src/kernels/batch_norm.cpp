// Batch norm's per-channel passes over a contiguous [outer, channels, inner] tensor.
//
// Note [Batch norm passes]: written as cgrad ops, a training step's batch norm made four
// passes over the input forward ((x - mean) * rstd * w + b) and about twelve backward,
// 1.7x torch's time. Folded into per-channel coefficients it is one pass forward,
// out = x * scale + shift with scale = w * rstd and shift = b - mean * scale (torch's
// CPU kernel folds it the same way), and two backward: one for the channel sums of g
// and g * (x - mean), in double, one for the input gradient
//   gx = w * rstd * (g - sum_g / N - (x - mean) * rstd^2 * sum_gxc / N),
// which is g * a + (x - mean) * b + k per channel. Threads take whole channels, each
// summed in memory order, so nothing depends on the thread count.
#include <vector>

#include "cgrad/parallel.h"
#include "kernels/kernels.h"
#include "kernels/normalization.h"

namespace cgrad::kernels {
namespace {

struct ChannelView {
  int64_t outer, channels, inner;
};
ChannelView view_of(const TensorImpl& x, int64_t channels) {
  const int64_t outer = x.sizes.empty() ? 1 : x.sizes[0];
  const int64_t per_sample = outer == 0 ? 0 : x.numel() / outer;
  return {outer, channels, channels == 0 ? 0 : per_sample / channels};
}

// f(c, offset of each of channel c's runs of `inner` elements) over channels on threads.
template <class F> void for_each_channel(const ChannelView& v, const F& f) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, v.outer * v.inner));
  parallel_for(v.channels, grain, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) f(c);
  }, 1);
}

template <class F> void dispatch_float(DType dtype, const F& f) {
  if (dtype == DType::Float32) f(float());
  else f(double());
}

}  // namespace

void channel_affine(const TensorImpl& x, int64_t channels, const std::vector<double>& scale,
                    const std::vector<double>& shift, TensorImpl& out) {
  const ChannelView v = view_of(x, channels);
  dispatch_float(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    for_each_channel(v, [&](int64_t c) {
      const T s = static_cast<T>(scale[c]), t = static_cast<T>(shift[c]);
      for (int64_t n = 0; n < v.outer; ++n) {
        const int64_t at = (n * v.channels + c) * v.inner;
        for (int64_t i = 0; i < v.inner; ++i) po[at + i] = px[at + i] * s + t;
      }
    });
  });
}

void channel_grad_sums(const TensorImpl& g, const TensorImpl& x, int64_t channels,
                       const std::vector<double>& mean, std::vector<double>& sum_g,
                       std::vector<double>& sum_gxc) {
  const ChannelView v = view_of(x, channels);
  sum_g.assign(channels, 0.0);
  sum_gxc.assign(channels, 0.0);
  dispatch_float(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    for_each_channel(v, [&](int64_t c) {
      // kLanes independent sums (element i of a run goes to lane i % kLanes), so the
      // loop is not one chain of dependent adds; combined in lane order.
      constexpr int64_t kLanes = 8;
      const double m = mean[c];
      double s[kLanes] = {}, sx[kLanes] = {};
      for (int64_t n = 0; n < v.outer; ++n) {
        const T* gr = pg + (n * v.channels + c) * v.inner;
        const T* xr = px + (n * v.channels + c) * v.inner;
        int64_t i = 0;
        for (; i + kLanes <= v.inner; i += kLanes)
          for (int64_t j = 0; j < kLanes; ++j) {
            const double gi = static_cast<double>(gr[i + j]);
            s[j] += gi;
            sx[j] += gi * (static_cast<double>(xr[i + j]) - m);
          }
        for (int64_t j = 0; i + j < v.inner; ++j) {
          const double gi = static_cast<double>(gr[i + j]);
          s[j] += gi;
          sx[j] += gi * (static_cast<double>(xr[i + j]) - m);
        }
      }
      for (int64_t j = 0; j < kLanes; ++j) {
        sum_g[c] += s[j];
        sum_gxc[c] += sx[j];
      }
    });
  });
}

void channel_input_grad(const TensorImpl& g, const TensorImpl& x, int64_t channels,
                        const std::vector<double>& mean, const std::vector<double>& a,
                        const std::vector<double>& b, const std::vector<double>& k,
                        TensorImpl& out) {
  const ChannelView v = view_of(x, channels);
  dispatch_float(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    T* po = out.data<T>();
    for_each_channel(v, [&](int64_t c) {
      const T m = static_cast<T>(mean[c]), ac = static_cast<T>(a[c]), bc = static_cast<T>(b[c]),
              kc = static_cast<T>(k[c]);
      for (int64_t n = 0; n < v.outer; ++n) {
        const int64_t at = (n * v.channels + c) * v.inner;
        for (int64_t i = 0; i < v.inner; ++i)
          po[at + i] = pg[at + i] * ac + (px[at + i] - m) * bc + kc;
      }
    });
  });
}

}  // namespace cgrad::kernels
