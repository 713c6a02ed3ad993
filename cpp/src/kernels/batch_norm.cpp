// Batch norm's per-channel passes over a contiguous [outer, channels, inner] tensor.
//
// Note [Batch norm passes]: written as cgrad ops, a training step's batch norm made four
// passes over the input forward ((x - mean) * rstd * w + b) and about twelve backward,
// 1.7x torch's time. Folded into per-channel coefficients it is two passes for the
// statistics (mean, then the sum of squared deviations, in double) and one for the output,
// and two backward: one for the channel sums of g and g * (x - mean), in double, one for
// the input gradient
//   gx = w * rstd * (g - sum_g / N - (x - mean) * rstd^2 * sum_gxc / N),
// which is g * a + (x - mean) * b + k per channel. Threads take whole channels, each
// summed in memory order, so nothing depends on the thread count.
//
// Note [Batch norm centering]: torch folds the forward into x * scale + shift with
// shift = b - mean * scale. With x far from zero (x + 300) that rounds x * scale, about
// 300 * scale, to float, and the error is ~1 ulp(300) * scale, as large as the output's
// own scale of ~1. The output here is (x - hi) * scale + shift: hi is the mean rounded to
// x's dtype, so x - hi is exact for x near the mean (Sterbenz), and shift = b - lo * scale
// carries the rest lo = mean - hi. Against a float64 reference, the worst error over 300
// draws of batch_norm(x + 300) is 0.9 of those units, where x * scale + shift gives 1.7
// and torch 1.05; one subtraction more per element.
#include <array>
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

// The K sums over channel c of term(i), which gives K values for element offset i, in
// kLanes independent lanes (element i of a run goes to lane i % kLanes) so the loop is not
// one chain of dependent adds; the lanes are combined in order.
template <int K, class F>
std::array<double, K> channel_sums(const ChannelView& v, int64_t c, const F& term) {
  constexpr int64_t kLanes = 8;
  double lanes[K][kLanes] = {};
  auto add = [&](int64_t at, int64_t j) {
    const std::array<double, K> t = term(at);
    for (int k = 0; k < K; ++k) lanes[k][j] += t[k];
  };
  for (int64_t n = 0; n < v.outer; ++n) {
    const int64_t at = (n * v.channels + c) * v.inner;
    int64_t i = 0;
    for (; i + kLanes <= v.inner; i += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) add(at + i + j, j);
    for (int64_t j = 0; i + j < v.inner; ++j) add(at + i + j, j);
  }
  std::array<double, K> sums{};
  for (int k = 0; k < K; ++k)
    for (int64_t j = 0; j < kLanes; ++j) sums[k] += lanes[k][j];
  return sums;
}

}  // namespace

void channel_stats(const TensorImpl& x, int64_t channels, std::vector<double>& mean,
                   std::vector<double>& var) {
  const ChannelView v = view_of(x, channels);
  const double count = static_cast<double>(v.outer * v.inner);
  mean.assign(channels, 0.0);
  var.assign(channels, 0.0);
  dispatch_float(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    for_each_channel(v, [&](int64_t c) {
      const double m = channel_sums<1>(v, c, [&](int64_t i) {
        return std::array<double, 1>{static_cast<double>(px[i])};
      })[0] / count;
      const double squares = channel_sums<1>(v, c, [&](int64_t i) {
        const double d = static_cast<double>(px[i]) - m;
        return std::array<double, 1>{d * d};
      })[0];
      mean[c] = m;
      var[c] = squares / count;
    });
  });
}

void channel_affine(const TensorImpl& x, int64_t channels, const std::vector<double>& center,
                    const std::vector<double>& scale, const std::vector<double>& shift,
                    TensorImpl& out) {
  const ChannelView v = view_of(x, channels);
  dispatch_float(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    for_each_channel(v, [&](int64_t c) {
      const T m = static_cast<T>(center[c]), s = static_cast<T>(scale[c]),
              t = static_cast<T>(shift[c]);
      for (int64_t n = 0; n < v.outer; ++n) {
        const int64_t at = (n * v.channels + c) * v.inner;
        for (int64_t i = 0; i < v.inner; ++i) po[at + i] = (px[at + i] - m) * s + t;
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
      const double m = mean[c];
      const std::array<double, 2> sums = channel_sums<2>(v, c, [&](int64_t i) {
        const double gi = static_cast<double>(pg[i]);
        return std::array<double, 2>{gi, gi * (static_cast<double>(px[i]) - m)};
      });
      sum_g[c] = sums[0];
      sum_gxc[c] = sums[1];
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
