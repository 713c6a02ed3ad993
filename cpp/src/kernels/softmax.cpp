// Softmax and log_softmax over one dim, and their input gradients.
//
// Note [Stable softmax]: each slice is shifted by its max before exp, so large inputs
// cannot overflow (softmax(x) == softmax(x - c) for any c), and the sums run in double.
// A slice containing NaN, +inf, or only -inf comes out NaN, as in torch. Tensors are
// viewed as [outer, n, inner] with `n` the softmax dim; inner == 1 (the last dim) walks
// contiguous rows, otherwise `inner` columns are processed side by side.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/kernels.h"

namespace cgrad::kernels {
namespace {

struct Layout {
  int64_t outer = 1, n = 1, inner = 1;
};

Layout layout_of(const Shape& sizes, int64_t dim) {
  Layout l;
  for (int64_t d = 0; d < static_cast<int64_t>(sizes.size()); ++d) {
    if (d < dim) l.outer *= sizes[d];
    else if (d == dim) l.n = sizes[d];
    else l.inner *= sizes[d];
  }
  return l;
}

// One block of n rows by `inner` columns; stride between rows is `inner`.
template <class T>
void softmax_block(const T* x, T* y, int64_t n, int64_t inner, bool log, std::vector<T>& mx,
                   std::vector<double>& sum) {
  mx.assign(inner, -std::numeric_limits<T>::infinity());
  sum.assign(inner, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const T* row = x + i * inner;
    for (int64_t j = 0; j < inner; ++j) mx[j] = row[j] > mx[j] ? row[j] : mx[j];
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* row = x + i * inner;
    T* out = y + i * inner;
    for (int64_t j = 0; j < inner; ++j) {
      const T e = std::exp(row[j] - mx[j]);
      if (!log) out[j] = e;
      sum[j] += e;
    }
  }
  if (log) {
    for (int64_t j = 0; j < inner; ++j) sum[j] = std::log(sum[j]);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j)
        y[i * inner + j] = static_cast<T>(x[i * inner + j] - mx[j] - sum[j]);
  } else {
    for (int64_t j = 0; j < inner; ++j) sum[j] = 1.0 / sum[j];
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j)
        y[i * inner + j] = static_cast<T>(y[i * inner + j] * sum[j]);
  }
}

template <class T> void softmax_typed(const T* x, T* y, const Layout& l, bool log) {
  std::vector<T> mx;
  std::vector<double> sum;
  for (int64_t o = 0; o < l.outer; ++o) {
    const int64_t base = o * l.n * l.inner;
    if (l.inner > 1) {
      softmax_block(x + base, y + base, l.n, l.inner, log, mx, sum);
      continue;
    }
    // Last dim: one contiguous row, max and sum kept in registers.
    const T* row = x + base;
    T* out = y + base;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t i = 0; i < l.n; ++i) m = row[i] > m ? row[i] : m;
    double s = 0.0;
    for (int64_t i = 0; i < l.n; ++i) {
      const T e = std::exp(row[i] - m);
      if (!log) out[i] = e;
      s += e;
    }
    if (log) {
      const double lse = std::log(s);
      for (int64_t i = 0; i < l.n; ++i) out[i] = static_cast<T>(row[i] - m - lse);
    } else {
      const double inv = 1.0 / s;
      for (int64_t i = 0; i < l.n; ++i) out[i] = static_cast<T>(out[i] * inv);
    }
  }
}

// softmax: gi = y * (g - sum(g * y)); log_softmax: gi = g - exp(y) * sum(g).
template <class T>
void softmax_backward_typed(const T* g, const T* y, T* gi, const Layout& l, bool log) {
  std::vector<double> acc;
  for (int64_t o = 0; o < l.outer; ++o) {
    const int64_t base = o * l.n * l.inner;
    const T* gb = g + base;
    const T* yb = y + base;
    T* ob = gi + base;
    acc.assign(l.inner, 0.0);
    for (int64_t i = 0; i < l.n; ++i)
      for (int64_t j = 0; j < l.inner; ++j) {
        const int64_t k = i * l.inner + j;
        acc[j] += log ? static_cast<double>(gb[k]) : static_cast<double>(gb[k]) * yb[k];
      }
    for (int64_t i = 0; i < l.n; ++i)
      for (int64_t j = 0; j < l.inner; ++j) {
        const int64_t k = i * l.inner + j;
        ob[k] = log ? static_cast<T>(gb[k] - std::exp(yb[k]) * acc[j])
                    : static_cast<T>(yb[k] * (gb[k] - acc[j]));
      }
  }
}

}  // namespace

void softmax(const TensorImpl& a, TensorImpl& out, int64_t dim, bool log) {
  const Layout l = layout_of(a.sizes, dim);
  if (a.dtype == DType::Float64) softmax_typed(a.data<double>(), out.data<double>(), l, log);
  else softmax_typed(a.data<float>(), out.data<float>(), l, log);
}

void softmax_backward(const TensorImpl& grad, const TensorImpl& out, TensorImpl& grad_input,
                      int64_t dim, bool log) {
  const Layout l = layout_of(out.sizes, dim);
  if (out.dtype == DType::Float64)
    softmax_backward_typed(grad.data<double>(), out.data<double>(), grad_input.data<double>(), l,
                           log);
  else
    softmax_backward_typed(grad.data<float>(), out.data<float>(), grad_input.data<float>(), l, log);
}

}  // namespace cgrad::kernels
