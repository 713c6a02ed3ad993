// Running sums, products and log-sum-exps along one dim (cumsum, cumprod, logcumsumexp
// and their backward).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/loop.h"
#include "kernels/widen.h"

namespace cgrad::kernels {
namespace {

// log(exp(x) + exp(y)) without overflow; NaN propagates, and two equal infinities give
// themselves rather than inf - inf.
template <class A> A log_add_exp(A x, A y) {
  if (std::isnan(x) || std::isnan(y)) return x + y;
  const A lo = std::min(x, y), hi = std::max(x, y);
  if (lo == hi && !std::isfinite(lo)) return lo;
  return hi + std::log1p(std::exp(lo - hi));
}

template <class T, class A, ScanOp kOp>
void scan_typed(const TensorImpl& a, int64_t dim, bool reverse, TensorImpl& out) {
  // One pass per output row along `dim`: walk every other position, then the row.
  Shape outer = a.sizes;
  outer[dim] = 1;
  const int64_t item = static_cast<int64_t>(sizeof(T));
  std::array<Shape, 2> strides{Shape(outer.size()), Shape(outer.size())};
  for (size_t d = 0; d < outer.size(); ++d) {
    strides[0][d] = outer[d] == 1 ? 0 : a.strides[d] * item;
    strides[1][d] = outer[d] == 1 ? 0 : out.strides[d] * item;
  }
  const int64_t len = a.sizes[dim];
  const int64_t a_step = (reverse ? -1 : 1) * a.strides[dim] * item;
  const int64_t o_step = (reverse ? -1 : 1) * out.strides[dim] * item;
  const int64_t first = reverse ? len - 1 : 0;
  std::array<char*, 2> ptrs{static_cast<char*>(a.raw_data()) + first * a.strides[dim] * item,
                            static_cast<char*>(out.raw_data()) + first * out.strides[dim] * item};
  for_each_row<2>(outer, strides, ptrs, [&](auto& p, auto& s, int64_t m) {
    for (int64_t i = 0; i < m; ++i) {
      const char* src = p[0] + i * s[0];
      char* dst = p[1] + i * s[1];
      A acc = kOp == ScanOp::Prod ? A(1) : kOp == ScanOp::Sum ? A(0) : A(-INFINITY);
      for (int64_t j = 0; j < len; ++j) {
        const A x = static_cast<A>(*reinterpret_cast<const T*>(src + j * a_step));
        if constexpr (kOp == ScanOp::LogSumExp)
          acc = log_add_exp(acc, x);
        else if constexpr (kOp == ScanOp::Prod && std::is_integral_v<A>)  // wraps like torch, no UB
          acc = static_cast<A>(static_cast<uint64_t>(acc) * static_cast<uint64_t>(x));
        else if constexpr (kOp == ScanOp::Prod)
          acc *= x;
        else if constexpr (std::is_integral_v<A>)
          acc = static_cast<A>(static_cast<uint64_t>(acc) + static_cast<uint64_t>(x));
        else
          acc += x;
        *reinterpret_cast<T*>(dst + j * o_step) = static_cast<T>(acc);
      }
    }
  });
}

}  // namespace

void scan(ScanOp op, const TensorImpl& a, int64_t dim, bool reverse, TensorImpl& out) {
  if (a.numel() == 0) return;
  if (any_small({&a, &out})) [[unlikely]] {
    Widened wa(a);
    WidenedOut wout(out);
    scan(op, *wa, dim, reverse, *wout);
    return wout.store();
  }
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Floating sums run in double, integer ones in int64 (cast on store).
    using A = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    if (op == ScanOp::Prod) {
      scan_typed<T, A, ScanOp::Prod>(a, dim, reverse, out);
    } else if (op == ScanOp::Sum) {
      scan_typed<T, A, ScanOp::Sum>(a, dim, reverse, out);
    } else if constexpr (std::is_floating_point_v<T>) {
      scan_typed<T, A, ScanOp::LogSumExp>(a, dim, reverse, out);
    }
  });
}

}  // namespace cgrad::kernels
