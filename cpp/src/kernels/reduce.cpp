// Reductions over a mask of dims: sum and the p-norm family.
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/loop.h"

namespace cgrad::kernels {
namespace {

// Accumulator type: sums of floats run in double, of integers (and bools) in int64.
template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T, class A, class Combine>
void reduce_into(const TensorImpl& a, const TensorImpl& out, std::vector<A>& acc,
                 Combine combine) {
  const Shape& sizes = a.sizes;
  std::array<Shape, 2> strides{broadcast_byte_strides(a, sizes), Shape(sizes.size(), 0)};
  // The accumulator is laid out like `out` (1 in reduced dims): byte strides into `acc`.
  Shape out_strides = contiguous_strides(out.sizes);
  for (size_t d = 0; d < sizes.size(); ++d)
    strides[1][d] = out.sizes[d] == 1 ? 0 : out_strides[d] * static_cast<int64_t>(sizeof(A));
  std::array<char*, 2> ptrs{static_cast<char*>(a.raw_data()), reinterpret_cast<char*>(acc.data())};
  for_each_row<2>(sizes, strides, ptrs, [&](auto& p, auto& s, int64_t m) {
    if (s[1] == 0) {  // a row reduced into one slot: keep the running value in a register
      A r = *reinterpret_cast<A*>(p[1]);
      for (int64_t i = 0; i < m; ++i) r = combine(r, *reinterpret_cast<const T*>(p[0] + i * s[0]));
      *reinterpret_cast<A*>(p[1]) = r;
    } else {
      for (int64_t i = 0; i < m; ++i) {
        A& r = *reinterpret_cast<A*>(p[1] + i * s[1]);
        r = combine(r, *reinterpret_cast<const T*>(p[0] + i * s[0]));
      }
    }
  });
}

template <class T> void reduce_typed(ReduceOp op, const TensorImpl& a, TensorImpl& out, double p) {
  const int64_t n = out.numel();
  dispatch(out.dtype, [&](auto otag) {
    using O = typename decltype(otag)::type;
    O* o = out.data<O>();
    if (op == ReduceOp::Sum) {
      using A = acc_t<T>;
      std::vector<A> acc(n, A(0));
      reduce_into<T, A>(a, out, acc, [](A r, T x) { return r + static_cast<A>(x); });
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i]);
      return;
    }
    double init = op == ReduceOp::NormNegInf ? std::numeric_limits<double>::infinity() : 0.0;
    std::vector<double> acc(n, init);
    switch (op) {
      case ReduceOp::NormInf:
        reduce_into<T, double>(a, out, acc, [](double r, T x) {
          double v = std::fabs(static_cast<double>(x));
          return (v > r || std::isnan(v)) ? v : r;
        });
        break;
      case ReduceOp::NormNegInf:
        reduce_into<T, double>(a, out, acc, [](double r, T x) {
          double v = std::fabs(static_cast<double>(x));
          return (v < r || std::isnan(v)) ? v : r;
        });
        break;
      case ReduceOp::NormZero:
        reduce_into<T, double>(a, out, acc, [](double r, T x) { return r + (x != T(0)); });
        break;
      default:
        if (p == 1.0)
          reduce_into<T, double>(a, out, acc,
                                 [](double r, T x) { return r + std::fabs(static_cast<double>(x)); });
        else if (p == 2.0)
          reduce_into<T, double>(a, out, acc, [](double r, T x) {
            double v = static_cast<double>(x);
            return r + v * v;
          });
        else
          reduce_into<T, double>(a, out, acc, [p](double r, T x) {
            return r + std::pow(std::fabs(static_cast<double>(x)), p);
          });
        for (auto& v : acc) v = p == 1.0 ? v : (p == 2.0 ? std::sqrt(v) : std::pow(v, 1.0 / p));
    }
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i]);
  });
}

}  // namespace

void reduce(ReduceOp op, const TensorImpl& a, TensorImpl& out, double p) {
  dispatch(a.dtype, [&](auto tag) { reduce_typed<typename decltype(tag)::type>(op, a, out, p); });
}

}  // namespace cgrad::kernels
