// Layer normalization forward and first-order backward.
//
// Note [Layer norm statistics]: each row's mean and variance are summed in double, two
// passes (mean, then squared deviations), so a row with a large offset loses no
// precision to cancellation; the biased variance is used, as torch does. Rows go to
// threads whole, and the weight/bias gradients are summed over rows per column in row
// order, so results do not depend on the thread count (Note [Threads and determinism]).
#include <cmath>
#include <limits>
#include <vector>

#include "cgrad/parallel.h"
#include "kernels/normalization.h"

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
  if (x.dtype == DType::Float64)
    layer_norm_typed(x.data<double>(), ptr<double>(weight), ptr<double>(bias), eps, rows, cols,
                     y.data<double>(), mean.data<double>(), rstd.data<double>());
  else
    layer_norm_typed(x.data<float>(), ptr<float>(weight), ptr<float>(bias), eps, rows, cols,
                     y.data<float>(), mean.data<float>(), rstd.data<float>());
}

void layer_norm_backward(const TensorImpl& g, const TensorImpl& x, const TensorImpl& mean,
                         const TensorImpl& rstd, const TensorImpl* weight, int64_t rows,
                         int64_t cols, TensorImpl* grad_input, TensorImpl* grad_weight,
                         TensorImpl* grad_bias) {
  if (x.dtype == DType::Float64)
    layer_norm_backward_typed<double>(g, x, mean, rstd, weight, rows, cols, grad_input,
                                      grad_weight, grad_bias);
  else
    layer_norm_backward_typed<float>(g, x, mean, rstd, weight, rows, cols, grad_input,
                                     grad_weight, grad_bias);
}

}  // namespace cgrad::kernels
