// Softmax and log_softmax over one dim, and their input gradients.
//
// Note [Stable softmax]: each slice is shifted by its max before exp, so large inputs
// cannot overflow (softmax(x) == softmax(x - c) for any c), and the sums run in double.
// A slice containing NaN, +inf, or only -inf comes out NaN, as in torch. Tensors are
// viewed as [outer, n, inner] with `n` the softmax dim; inner == 1 (the last dim) walks
// contiguous rows, otherwise `inner` columns are processed side by side.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cgrad/parallel.h"
#include "kernels/kernels.h"
#include "kernels/vecmath.h"
#include "kernels/widen.h"

namespace cgrad::kernels {
namespace {

struct Layout {
  int64_t outer = 1, n = 1, inner = 1;
};

Layout layout_of(const Shape& sizes, int64_t dim) {
  Layout l;
  for (int64_t d = 0; d < static_cast<int64_t>(sizes.size()); ++d) {
    if (d < dim) l.outer = saturating_mul(l.outer, sizes[d]);
    else if (d == dim) l.n = sizes[d];
    else l.inner = saturating_mul(l.inner, sizes[d]);  // Note [Element counts]
  }
  return l;
}

// One block of n rows by `inner` columns; stride between rows is `inner`. y doubles as
// scratch for the exponentials.
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
    for (int64_t j = 0; j < inner; ++j) out[j] = row[j] - mx[j];
    vecmath::apply(vecmath::Func::Exp, out, out, inner);
    for (int64_t j = 0; j < inner; ++j) sum[j] += out[j];
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

// Last dim: one contiguous row; exp and its sum in one vecmath pass.
template <class T> void softmax_row(const T* row, T* out, int64_t n, bool log) {
  const T m = vecmath::max_value(row, n);
  const double s = vecmath::exp_shifted_sum(row, log ? nullptr : out, n, m);
  if (log) {
    const double lse = std::log(s);
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(row[i] - m - lse);
  } else {
    const double inv = 1.0 / s;
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(out[i] * inv);
  }
}

// Rows of [outer] go to threads whole, so results do not depend on the thread count.
template <class T> void softmax_typed(const T* x, T* y, const Layout& l, bool log) {
  const int64_t slice = l.n * l.inner;
  parallel_for(l.outer, std::max<int64_t>(1, kGrainSize / 8 / std::max<int64_t>(slice, 1)),
               [&](int64_t begin, int64_t end) {
    std::vector<T> mx;
    std::vector<double> sum;
    for (int64_t o = begin; o < end; ++o) {
      const int64_t base = o * slice;
      if (l.inner > 1) softmax_block(x + base, y + base, l.n, l.inner, log, mx, sum);
      else softmax_row(x + base, y + base, l.n, log);
    }
  });
}

// The sum of g[i] (or of g[i] * y[i] when y is given) in double over one contiguous row,
// in eight interleaved partial sums: independent lanes the compiler vectorizes, in an
// order fixed by n alone.
template <class T> double row_sum(const T* g, const T* y, int64_t n) {
  constexpr int kLanes = 8;
  double lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lane[l] += y ? static_cast<double>(g[i + l]) * y[i + l] : static_cast<double>(g[i + l]);
  double total = ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
                 ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  for (; i < n; ++i) total += y ? static_cast<double>(g[i]) * y[i] : static_cast<double>(g[i]);
  return total;
}

// Last dim: one contiguous row, its sum vectorized, then one elementwise pass.
template <class T> void softmax_backward_row(const T* g, const T* y, T* gi, int64_t n, bool log) {
  if (log) {
    const double s = row_sum<T>(g, nullptr, n);
    vecmath::apply(vecmath::Func::Exp, y, gi, n);
    for (int64_t i = 0; i < n; ++i) gi[i] = static_cast<T>(g[i] - gi[i] * s);
  } else {
    const double s = row_sum(g, y, n);
    for (int64_t i = 0; i < n; ++i) gi[i] = static_cast<T>(y[i] * (g[i] - s));
  }
}

// softmax: gi = y * (g - sum(g * y)); log_softmax: gi = g - exp(y) * sum(g).
template <class T>
void softmax_backward_typed(const T* g, const T* y, T* gi, const Layout& l, bool log) {
  const int64_t slice = l.n * l.inner;
  parallel_for(l.outer, std::max<int64_t>(1, kGrainSize / 4 / std::max<int64_t>(slice, 1)),
               [&](int64_t begin, int64_t end) {
    std::vector<double> acc;
    for (int64_t o = begin; o < end; ++o) {
      const int64_t base = o * slice;
      const T* gb = g + base;
      const T* yb = y + base;
      T* ob = gi + base;
      if (l.inner == 1) {
        softmax_backward_row(gb, yb, ob, l.n, log);
        continue;
      }
      acc.assign(l.inner, 0.0);
      for (int64_t i = 0; i < l.n; ++i)
        for (int64_t j = 0; j < l.inner; ++j) {
          const int64_t k = i * l.inner + j;
          acc[j] += log ? static_cast<double>(gb[k]) : static_cast<double>(gb[k]) * yb[k];
        }
      if (log) vecmath::apply(vecmath::Func::Exp, yb, ob, slice);  // ob = exp(y) first
      for (int64_t i = 0; i < l.n; ++i)
        for (int64_t j = 0; j < l.inner; ++j) {
          const int64_t k = i * l.inner + j;
          ob[k] = log ? static_cast<T>(gb[k] - ob[k] * acc[j])
                      : static_cast<T>(yb[k] * (gb[k] - acc[j]));
        }
    }
  });
}

}  // namespace

void softmax(const TensorImpl& a, TensorImpl& out, int64_t dim, bool log) {
  if (any_small({&a})) [[unlikely]] {
    Widened wa(a);
    WidenedOut wout(out);
    softmax(*wa, *wout, dim, log);
    return wout.store();
  }
  const Layout l = layout_of(a.sizes, dim);
  if (a.dtype == DType::Float64) softmax_typed(a.data<double>(), out.data<double>(), l, log);
  else softmax_typed(a.data<float>(), out.data<float>(), l, log);
}

void softmax_backward(const TensorImpl& grad, const TensorImpl& out, TensorImpl& grad_input,
                      int64_t dim, bool log) {
  if (any_small({&out})) [[unlikely]] {
    Widened wgrad(grad), wout_(out);
    WidenedOut wgrad_input(grad_input);
    softmax_backward(*wgrad, *wout_, *wgrad_input, dim, log);
    return wgrad_input.store();
  }
  const Layout l = layout_of(out.sizes, dim);
  if (out.dtype == DType::Float64)
    softmax_backward_typed(grad.data<double>(), out.data<double>(), grad_input.data<double>(), l,
                           log);
  else
    softmax_backward_typed(grad.data<float>(), out.data<float>(), grad_input.data<float>(), l, log);
}

}  // namespace cgrad::kernels
