// Layer normalization forward and first-order backward.
//
// Note [Layer norm statistics]: each row's mean and variance are summed in double, two
// passes (mean, then squared deviations), so a row with a large offset loses no
// precision to cancellation; the biased variance is used, as torch does. Rows go to
// threads whole, and the weight/bias gradients are summed over rows per column in row
// order, so results do not depend on the thread count (Note [Threads and determinism]).
//
// Note [Layer norm float32 rows]: float32 rows on a CPU with AVX2+FMA take a vector
// path, picked once at load time (the library is built for baseline x86-64). The
// statistics and the backward's two row sums are still summed in double (8 floats
// widen to two 4-double vectors, four accumulators per sum, combined in a fixed
// order), but the per-element writes run in float: y = ((x - mean_hi) - mean_lo) *
// (rstd * w) + b, where mean_hi + mean_lo is the double mean split into two floats, so
// a row with a large offset keeps its precision without double arithmetic per element.
// Backward computes the input gradient, and the weight/bias gradients in the same pass
// over each row: each fixed block of kParamRowBlock rows sums its columns in float into
// its own partial, and the partials are added in double in block order. The blocks
// depend on the shape only, so the results do not depend on the thread count.
#include <cmath>
#include <limits>
#include <vector>

#include "cgrad/parallel.h"
#include "kernels/normalization.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CGRAD_LAYER_NORM_AVX2 1
#endif

namespace cgrad::kernels {
namespace {

template <class T>
void layer_norm_typed(const T* x, const T* w, const T* b, double eps, int64_t rows,
                      int64_t cols, T* y, T* mean_out, T* rstd_out) {
  parallel_for(rows, std::max<int64_t>(1, kGrainSize / 4 / std::max<int64_t>(cols, 1)),
               [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      double sum = 0.0;
      for (int64_t j = 0; j < cols; ++j) sum += xr[j];
      const double mean = sum / static_cast<double>(cols);
      double sq = 0.0;
      for (int64_t j = 0; j < cols; ++j) {
        const double d = xr[j] - mean;
        sq += d * d;
      }
      // cols == 0: mean 0/0 is NaN in torch's kernel too; the row has nothing to write.
      const double var = cols > 0 ? sq / static_cast<double>(cols)
                                  : std::numeric_limits<double>::quiet_NaN();
      const double rstd = 1.0 / std::sqrt(var + eps);
      mean_out[r] = static_cast<T>(cols > 0 ? mean : 0.0);
      rstd_out[r] = static_cast<T>(rstd);
      // In double: a mean rounded to T would shift rows with a large offset.
      for (int64_t j = 0; j < cols; ++j) {
        double v = (xr[j] - mean) * rstd;
        if (w) v *= w[j];
        if (b) v += b[j];
        yr[j] = static_cast<T>(v);
      }
    }
  });
}

// gx = rstd * (dy - mean(dy) - xhat * mean(dy * xhat)) with dy = g * w, xhat the
// normalized input.
template <class T>
void layer_norm_input_grad(const T* g, const T* x, const T* mean, const T* rstd, const T* w,
                           int64_t rows, int64_t cols, T* gx) {
  parallel_for(rows, std::max<int64_t>(1, kGrainSize / 8 / std::max<int64_t>(cols, 1)),
               [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* gr = g + r * cols;
      const T* xr = x + r * cols;
      T* out = gx + r * cols;
      const double m = mean[r], s = rstd[r];
      double sum_dy = 0.0, sum_dy_xhat = 0.0;
      for (int64_t j = 0; j < cols; ++j) {
        const double dy = w ? static_cast<double>(gr[j]) * w[j] : static_cast<double>(gr[j]);
        sum_dy += dy;
        sum_dy_xhat += dy * (xr[j] - m) * s;
      }
      const double a = sum_dy / static_cast<double>(cols);
      const double c = sum_dy_xhat / static_cast<double>(cols);
      for (int64_t j = 0; j < cols; ++j) {
        const double dy = w ? static_cast<double>(gr[j]) * w[j] : static_cast<double>(gr[j]);
        out[j] = static_cast<T>(s * (dy - a - (xr[j] - m) * s * c));
      }
    }
  });
}

// gw[j] = sum_r g[r, j] * xhat[r, j], gb[j] = sum_r g[r, j]: columns to threads.
template <class T>
void layer_norm_param_grads(const T* g, const T* x, const T* mean, const T* rstd,
                            int64_t rows, int64_t cols, T* gw, T* gb) {
  parallel_for(cols, std::max<int64_t>(16, kGrainSize / 4 / std::max<int64_t>(rows, 1)),
               [&](int64_t begin, int64_t end) {
    std::vector<double> acc_w(gw ? end - begin : 0, 0.0), acc_b(gb ? end - begin : 0, 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      const T* gr = g + r * cols;
      const T* xr = x + r * cols;
      const double m = mean[r], s = rstd[r];
      if (gw)
        for (int64_t j = begin; j < end; ++j) acc_w[j - begin] += gr[j] * ((xr[j] - m) * s);
      if (gb)
        for (int64_t j = begin; j < end; ++j) acc_b[j - begin] += gr[j];
    }
    for (int64_t j = begin; j < end; ++j) {
      if (gw) gw[j] = static_cast<T>(acc_w[j - begin]);
      if (gb) gb[j] = static_cast<T>(acc_b[j - begin]);
    }
  });
}

#ifdef CGRAD_LAYER_NORM_AVX2
// ---- float32 rows with AVX2+FMA: Note [Layer norm float32 rows] ----

bool has_avx2_fma() {
  __builtin_cpu_init();  // (a static initializer may run before libgcc's)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
const bool g_avx2_fma = has_avx2_fma();

constexpr int64_t kParamRowBlock = 64;

#pragma GCC push_options
#pragma GCC target("avx2,fma")

// Four double accumulators, summed in a fixed order.
double reduce4(__m256d a, __m256d b, __m256d c, __m256d d) {
  const __m256d s = _mm256_add_pd(_mm256_add_pd(a, b), _mm256_add_pd(c, d));
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, s);
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

__m256d widen_lo(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
__m256d widen_hi(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p + 4)); }

template <bool HAS_W, bool HAS_B>
void layer_norm_row_avx2(const float* x, const float* w, const float* b, int64_t n,
                         double eps, float* y, float* mean_out, float* rstd_out) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    a0 = _mm256_add_pd(a0, widen_lo(x + j));
    a1 = _mm256_add_pd(a1, widen_hi(x + j));
    a2 = _mm256_add_pd(a2, widen_lo(x + j + 8));
    a3 = _mm256_add_pd(a3, widen_hi(x + j + 8));
  }
  double sum = reduce4(a0, a1, a2, a3);
  for (; j < n; ++j) sum += x[j];
  const double mean = sum / static_cast<double>(n);

  const __m256d vm = _mm256_set1_pd(mean);
  a0 = a1 = a2 = a3 = _mm256_setzero_pd();
  j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m256d d0 = _mm256_sub_pd(widen_lo(x + j), vm), d1 = _mm256_sub_pd(widen_hi(x + j), vm);
    const __m256d d2 = _mm256_sub_pd(widen_lo(x + j + 8), vm);
    const __m256d d3 = _mm256_sub_pd(widen_hi(x + j + 8), vm);
    a0 = _mm256_fmadd_pd(d0, d0, a0);
    a1 = _mm256_fmadd_pd(d1, d1, a1);
    a2 = _mm256_fmadd_pd(d2, d2, a2);
    a3 = _mm256_fmadd_pd(d3, d3, a3);
  }
  double sq = reduce4(a0, a1, a2, a3);
  for (; j < n; ++j) {
    const double d = x[j] - mean;
    sq += d * d;
  }
  const double rstd = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
  *mean_out = static_cast<float>(mean);
  *rstd_out = static_cast<float>(rstd);

  const float mean_hi = static_cast<float>(mean);
  const float mean_lo = static_cast<float>(mean - mean_hi);
  const float rs = static_cast<float>(rstd);
  const __m256 vhi = _mm256_set1_ps(mean_hi), vlo = _mm256_set1_ps(mean_lo),
               vrs = _mm256_set1_ps(rs);
  j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), vhi), vlo);
    const __m256 scale = HAS_W ? _mm256_mul_ps(vrs, _mm256_loadu_ps(w + j)) : vrs;
    _mm256_storeu_ps(y + j, HAS_B ? _mm256_fmadd_ps(d, scale, _mm256_loadu_ps(b + j))
                                  : _mm256_mul_ps(d, scale));
  }
  for (; j < n; ++j) {  // the same roundings as a vector lane
    const float d = (x[j] - mean_hi) - mean_lo;
    const float scale = HAS_W ? rs * w[j] : rs;
    y[j] = HAS_B ? std::fma(d, scale, b[j]) : d * scale;
  }
}

template <bool HAS_W, bool HAS_B>
void layer_norm_avx2(const float* x, const float* w, const float* b, double eps, int64_t rows,
                     int64_t cols, float* y, float* mean, float* rstd) {
  parallel_for(rows, std::max<int64_t>(1, kGrainSize / 4 / std::max<int64_t>(cols, 1)),
               [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      layer_norm_row_avx2<HAS_W, HAS_B>(x + r * cols, w, b, cols, eps, y + r * cols, mean + r,
                                        rstd + r);
  }, 1);
}

// One row of the backward: gx (when wanted) and the row's terms added to the block's
// column partials pw (g * xhat) and pb (g), when wanted.
template <bool HAS_W, bool WANT_X, bool WANT_PARAMS>
void layer_norm_backward_row_avx2(const float* g, const float* x, float m, float s,
                                  const float* w, int64_t n, float* gx, float* pw, float* pb) {
  const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s);
  if constexpr (WANT_X) {
    // sum(dy) and sum(dy * (x - m)) in double, dy = g * w exact in double.
    const __m256d vmd = _mm256_set1_pd(m);
    __m256d sd0 = _mm256_setzero_pd(), sd1 = sd0, sx0 = sd0, sx1 = sd0;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256d dy0 = widen_lo(g + j), dy1 = widen_hi(g + j);
      if constexpr (HAS_W) {
        dy0 = _mm256_mul_pd(dy0, widen_lo(w + j));
        dy1 = _mm256_mul_pd(dy1, widen_hi(w + j));
      }
      sd0 = _mm256_add_pd(sd0, dy0);
      sd1 = _mm256_add_pd(sd1, dy1);
      sx0 = _mm256_fmadd_pd(dy0, _mm256_sub_pd(widen_lo(x + j), vmd), sx0);
      sx1 = _mm256_fmadd_pd(dy1, _mm256_sub_pd(widen_hi(x + j), vmd), sx1);
    }
    const __m256d zero = _mm256_setzero_pd();
    double sum_dy = reduce4(sd0, sd1, zero, zero), sum_dyx = reduce4(sx0, sx1, zero, zero);
    for (; j < n; ++j) {
      const double dy = HAS_W ? static_cast<double>(g[j]) * w[j] : static_cast<double>(g[j]);
      sum_dy += dy;
      sum_dyx += dy * (static_cast<double>(x[j]) - m);
    }
    // gx = s * (dy - a - xhat * c), a = mean(dy), c = mean(dy * xhat) = s * mean(dy*(x-m))
    //    = s * dy - A - (x - m) * B with A = s * a, B = s * s * c.
    const double inv_n = 1.0 / static_cast<double>(n);
    const float A = static_cast<float>(s * (sum_dy * inv_n));
    const float B = static_cast<float>(static_cast<double>(s) * s * s * (sum_dyx * inv_n));
    const __m256 vA = _mm256_set1_ps(A), vB = _mm256_set1_ps(B);
    j = 0;
    for (; j + 8 <= n; j += 8) {
      const __m256 gv = _mm256_loadu_ps(g + j);
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + j), vm);
      const __m256 dy = HAS_W ? _mm256_mul_ps(gv, _mm256_loadu_ps(w + j)) : gv;
      _mm256_storeu_ps(gx + j, _mm256_fmadd_ps(dy, vs, _mm256_fnmsub_ps(d, vB, vA)));
      if constexpr (WANT_PARAMS) {
        _mm256_storeu_ps(pw + j, _mm256_fmadd_ps(gv, _mm256_mul_ps(d, vs), _mm256_loadu_ps(pw + j)));
        _mm256_storeu_ps(pb + j, _mm256_add_ps(_mm256_loadu_ps(pb + j), gv));
      }
    }
    for (; j < n; ++j) {  // the same roundings as a vector lane
      const float d = x[j] - m;
      const float dy = HAS_W ? g[j] * w[j] : g[j];
      gx[j] = std::fma(dy, s, -(d * B) - A);
      if constexpr (WANT_PARAMS) {
        pw[j] = std::fma(g[j], d * s, pw[j]);
        pb[j] += g[j];
      }
    }
  } else {
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
      const __m256 gv = _mm256_loadu_ps(g + j);
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + j), vm);
      _mm256_storeu_ps(pw + j, _mm256_fmadd_ps(gv, _mm256_mul_ps(d, vs), _mm256_loadu_ps(pw + j)));
      _mm256_storeu_ps(pb + j, _mm256_add_ps(_mm256_loadu_ps(pb + j), gv));
    }
    for (; j < n; ++j) {
      pw[j] = std::fma(g[j], (x[j] - m) * s, pw[j]);
      pb[j] += g[j];
    }
  }
}

template <bool HAS_W, bool WANT_X, bool WANT_PARAMS>
void layer_norm_backward_avx2(const float* g, const float* x, const float* mean,
                              const float* rstd, const float* w, int64_t rows, int64_t cols,
                              float* gx, float* gw, float* gb) {
  const int64_t blocks = (rows + kParamRowBlock - 1) / kParamRowBlock;
  // Per block: cols partial sums of g * xhat, then cols of g.
  std::vector<float> partials(WANT_PARAMS ? blocks * 2 * cols : 0, 0.0f);
  const int64_t block_elems = kParamRowBlock * std::max<int64_t>(cols, 1);
  parallel_for(blocks, std::max<int64_t>(1, kGrainSize / 8 / block_elems),
               [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      float* pw = WANT_PARAMS ? partials.data() + blk * 2 * cols : nullptr;
      float* pb = WANT_PARAMS ? pw + cols : nullptr;
      const int64_t r_end = std::min(rows, (blk + 1) * kParamRowBlock);
      for (int64_t r = blk * kParamRowBlock; r < r_end; ++r)
        layer_norm_backward_row_avx2<HAS_W, WANT_X, WANT_PARAMS>(
            g + r * cols, x + r * cols, mean[r], rstd[r], w, cols,
            WANT_X ? gx + r * cols : nullptr, pw, pb);
    }
  }, 1);
  if constexpr (WANT_PARAMS) {
    parallel_for(cols, std::max<int64_t>(16, kGrainSize / std::max<int64_t>(blocks, 1)),
                 [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        double sw = 0.0, sb = 0.0;
        for (int64_t blk = 0; blk < blocks; ++blk) {
          sw += partials[blk * 2 * cols + c];
          sb += partials[blk * 2 * cols + cols + c];
        }
        if (gw) gw[c] = static_cast<float>(sw);
        if (gb) gb[c] = static_cast<float>(sb);
      }
    });
  }
}

#pragma GCC pop_options

// Dispatches on which of weight/bias exist and which gradients are wanted.
void layer_norm_forward_float(const float* x, const float* w, const float* b, double eps,
                              int64_t rows, int64_t cols, float* y, float* mean, float* rstd) {
  if (w && b) layer_norm_avx2<true, true>(x, w, b, eps, rows, cols, y, mean, rstd);
  else if (w) layer_norm_avx2<true, false>(x, w, b, eps, rows, cols, y, mean, rstd);
  else if (b) layer_norm_avx2<false, true>(x, w, b, eps, rows, cols, y, mean, rstd);
  else layer_norm_avx2<false, false>(x, w, b, eps, rows, cols, y, mean, rstd);
}

void layer_norm_backward_float(const float* g, const float* x, const float* mean,
                               const float* rstd, const float* w, int64_t rows, int64_t cols,
                               float* gx, float* gw, float* gb) {
  const bool params = gw || gb;
  auto go = [&](auto has_w) {
    constexpr bool HW = decltype(has_w)::value;
    if (gx && params)
      layer_norm_backward_avx2<HW, true, true>(g, x, mean, rstd, w, rows, cols, gx, gw, gb);
    else if (gx)
      layer_norm_backward_avx2<HW, true, false>(g, x, mean, rstd, w, rows, cols, gx, gw, gb);
    else if (params)
      layer_norm_backward_avx2<HW, false, true>(g, x, mean, rstd, w, rows, cols, gx, gw, gb);
  };
  if (w) go(std::true_type{});
  else go(std::false_type{});
}
#endif  // CGRAD_LAYER_NORM_AVX2

template <class T> const T* ptr(const TensorImpl* t) { return t ? t->data<T>() : nullptr; }
template <class T> T* mut_ptr(TensorImpl* t) { return t ? t->data<T>() : nullptr; }

template <class T>
void layer_norm_backward_typed(const TensorImpl& g, const TensorImpl& x, const TensorImpl& mean,
                               const TensorImpl& rstd, const TensorImpl* weight, int64_t rows,
                               int64_t cols, TensorImpl* gx, TensorImpl* gw, TensorImpl* gb) {
  if (gx)
    layer_norm_input_grad(g.data<T>(), x.data<T>(), mean.data<T>(), rstd.data<T>(),
                          ptr<T>(weight), rows, cols, gx->data<T>());
  if (gw || gb)
    layer_norm_param_grads(g.data<T>(), x.data<T>(), mean.data<T>(), rstd.data<T>(), rows, cols,
                           mut_ptr<T>(gw), mut_ptr<T>(gb));
}

}  // namespace

void layer_norm(const TensorImpl& x, const TensorImpl* weight, const TensorImpl* bias,
                double eps, int64_t rows, int64_t cols, TensorImpl& y, TensorImpl& mean,
                TensorImpl& rstd) {
  if (is_small(x.dtype)) throw_not_implemented_for("layer_norm", x.dtype);
  if (x.dtype == DType::Float64)
    layer_norm_typed(x.data<double>(), ptr<double>(weight), ptr<double>(bias), eps, rows, cols,
                     y.data<double>(), mean.data<double>(), rstd.data<double>());
#ifdef CGRAD_LAYER_NORM_AVX2
  else if (g_avx2_fma && cols > 0)
    layer_norm_forward_float(x.data<float>(), ptr<float>(weight), ptr<float>(bias), eps, rows,
                             cols, y.data<float>(), mean.data<float>(), rstd.data<float>());
#endif
  else
    layer_norm_typed(x.data<float>(), ptr<float>(weight), ptr<float>(bias), eps, rows, cols,
                     y.data<float>(), mean.data<float>(), rstd.data<float>());
}

void layer_norm_backward(const TensorImpl& g, const TensorImpl& x, const TensorImpl& mean,
                         const TensorImpl& rstd, const TensorImpl* weight, int64_t rows,
                         int64_t cols, TensorImpl* grad_input, TensorImpl* grad_weight,
                         TensorImpl* grad_bias) {
  if (is_small(x.dtype)) throw_not_implemented_for("layer_norm_backward", x.dtype);
  if (x.dtype == DType::Float64)
    layer_norm_backward_typed<double>(g, x, mean, rstd, weight, rows, cols, grad_input,
                                      grad_weight, grad_bias);
#ifdef CGRAD_LAYER_NORM_AVX2
  else if (g_avx2_fma && cols > 0)
    layer_norm_backward_float(g.data<float>(), x.data<float>(), mean.data<float>(),
                              rstd.data<float>(), ptr<float>(weight), rows, cols,
                              mut_ptr<float>(grad_input), mut_ptr<float>(grad_weight),
                              mut_ptr<float>(grad_bias));
#endif
  else
    layer_norm_backward_typed<float>(g, x, mean, rstd, weight, rows, cols, grad_input,
                                     grad_weight, grad_bias);
}

}  // namespace cgrad::kernels
