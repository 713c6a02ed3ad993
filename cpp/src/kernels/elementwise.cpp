// Elementwise kernels: unary, binary and ternary with broadcasting, casting copy and fill.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "cgrad/pointwise/table.h"
#include "cgrad/parallel.h"
#include "kernels/kernels.h"
#include "kernels/loop.h"
#include "kernels/simd_arith.h"
#include "kernels/special_functions.h"
#include "kernels/vecmath.h"
#include "kernels/widen.h"

namespace cgrad::kernels {
namespace {

// Integer arithmetic wraps around like torch's (two's complement) instead of being
// undefined behaviour in C++: compute in the unsigned type.
template <class T> T wrap(std::make_unsigned_t<T> v) { return static_cast<T>(v); }

template <class T> T int_pow(T base, T exp) {
  using U = std::make_unsigned_t<T>;
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? ((exp & 1) ? -1 : 1) : 0);
  U result = 1, b = static_cast<U>(base);
  while (exp) {
    if (exp & 1) result *= b;
    exp >>= 1;
    if (exp) b *= b;
  }
  return wrap<T>(result);
}

// NaN-propagating max/min; on ties they return `a`, so maximum(-0., 0.) is -0. as in torch.
// Selects, not branches, so that loops of them vectorise: with a NaN test branching per
// element, clamp and maximum ran at 2.5-7x torch's time.
template <class T> inline T max_nan(T a, T b) {
  const T r = a < b ? b : a;
  if constexpr (std::is_floating_point_v<T>) return (a != a) | (b != b) ? a + b : r;
  else return r;
}
template <class T> inline T min_nan(T a, T b) {
  const T r = b < a ? b : a;
  if constexpr (std::is_floating_point_v<T>) return (a != a) | (b != b) ? a + b : r;
  else return r;
}

// Note [Python division semantics]: `//` and `%` follow Python (the quotient rounds toward
// -inf, the remainder takes the divisor's sign); fmod follows C. For floats the quotient
// is derived from fmod, as CPython's float divmod does, so that a == b * q + r holds as
// closely as rounding allows (1.0 // 0.1 is 9, not floor(10.000000000000002)).
template <class T> inline T py_floor_divide(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return a / b;
    T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
    if (div == 0) return std::copysign(T(0), a / b);
    T floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
    return floordiv;
  } else {
    if (b == -1) return wrap<T>(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
    T q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  }
}
template <class T> inline T py_remainder(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    T mod = std::fmod(a, b);
    if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
    return mod;
  } else {
    if (b == -1) return 0;  // INT_MIN % -1 overflows in C++
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
}
template <class T> inline T c_fmod(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return std::fmod(a, b);
  else return b == -1 ? T(0) : static_cast<T>(a % b);
}

// Gelu constants: 1/sqrt(2), 1/sqrt(2*pi), and the tanh form's sqrt(2/pi) and cubic term.
constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluCubic = 0.044715;

template <class T> inline T gelu_grad(T x) {  // d/dx x * Phi(x) = Phi(x) + x * phi(x)
  const T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
  const T pdf = std::exp(T(-0.5) * x * x) * T(kInvSqrt2Pi);
  return cdf + x * pdf;
}
template <class T> inline T gelu_tanh_grad(T x) {
  const T x2 = x * x;
  const T t = std::tanh(T(kSqrt2OverPi) * (x + T(kGeluCubic) * x2 * x));
  const T dinner = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCubic) * x2);
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner;
}

// Scalar formulas of binary rows that need more than an expression. Integer + - *
// wrap around (two's complement) as torch's do.
template <class T> inline T wrapping_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return wrap<T>(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else return static_cast<T>(a + b);
}
template <class T> inline T wrapping_sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return wrap<T>(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b));
  else return static_cast<T>(a - b);
}
template <class T> inline T wrapping_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return wrap<T>(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
  else return static_cast<T>(a * b);
}
template <class T> inline T pow_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return static_cast<T>(std::pow(a, b));
  else if constexpr (std::is_same_v<T, bool>) return static_cast<bool>(a || !b);
  else return int_pow<T>(a, b);
}

// fmax/fmin: NaN loses to a number; ties return `a` (fmax(-0., 0.) is -0., as torch's).
template <class T> inline T fmax_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return b;
    if (std::isnan(b)) return a;
  }
  return a < b ? b : a;
}
template <class T> inline T fmin_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return b;
    if (std::isnan(b)) return a;
  }
  return b < a ? b : a;
}
template <class T> inline T heaviside_value(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a ? true : b;
  else return a == T(0) ? b : static_cast<T>(a > T(0));
}
// Euclid on |a|, |b| (|INT_MIN| wraps, as torch's: gcd(INT_MIN, 6) is -2).
template <class T> inline T gcd_value(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    auto magnitude = [](T v) {
      if constexpr (std::is_signed_v<T>) return v < 0 ? wrap<T>(U(0) - U(v)) : v;
      else return v;
    };
    a = magnitude(a);
    b = magnitude(b);
    while (a != 0) {
      const T c = a;
      a = b % a;
      b = c;
    }
    return b;
  } else {
    return a;
  }
}
template <class T> inline T lcm_value(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    const T g = gcd_value(a, b);
    if (g == 0) return 0;
    const T l = wrapping_mul(static_cast<T>(a / g), b);
    if constexpr (std::is_signed_v<T>)
      if (l < 0) return wrap<T>(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(l));
    return l;
  } else {
    return a;
  }
}
// Shifts by a negative count or by the width or more: 0 to the left, the sign to the right.
template <class T> inline T shift_left(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    constexpr int64_t bits = sizeof(T) * 8;
    if (static_cast<int64_t>(b) < 0 || static_cast<int64_t>(b) >= bits) return 0;
    return wrap<T>(static_cast<std::make_unsigned_t<T>>(static_cast<std::make_unsigned_t<T>>(a) << b));
  } else {
    return a;
  }
}
template <class T> inline T shift_right(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    constexpr int64_t bits = sizeof(T) * 8;
    if (static_cast<int64_t>(b) < 0 || static_cast<int64_t>(b) >= bits)
      return static_cast<T>(a >> (bits - 1));  // the sign bit everywhere: -1 or 0
    return static_cast<T>(a >> b);
  } else {
    return a;
  }
}

// Which kernels exist for which element type (the op layer raises torch's errors first).
constexpr bool types_support(pointwise::KernelTypes types, bool is_float, bool is_bool) {
  switch (types) {
    case pointwise::kAllTypes: return true;
    case pointwise::kFloatTypes: return is_float;
    case pointwise::kIntegralTypes: return !is_float;
    case pointwise::kNoBool: return !is_bool;
    case pointwise::kIntegersNoBool: return !is_float && !is_bool;
  }
  return false;
}
template <BinaryOp OP, class T> constexpr bool binary_supported() {
  constexpr bool is_float = std::is_floating_point_v<T>, is_bool = std::is_same_v<T, bool>;
  switch (OP) {
#define CGRAD_BINARY_OP(Kernel, name, dtype, error, types, ...) \
    case BinaryOp::Kernel: return types_support(pointwise::types, is_float, is_bool);
#include "cgrad/pointwise/binary_ops.def"
    default:
      return is_float;  // the activation backward kernels
  }
}

// Elements worth a thread: memory-bound ops need kGrainSize; libm calls cost ~10x more.
template <BinaryOp OP> constexpr int64_t binary_grain() {
  switch (OP) {
#define CGRAD_BINARY_OP(Kernel, name, dtype, error, types, cost, ...) \
    case BinaryOp::Kernel: return pointwise::cost == pointwise::kCheap ? kGrainSize : kGrainSize / 8;
#include "cgrad/pointwise/binary_ops.def"
    case BinaryOp::LeakyReluBackward: case BinaryOp::ThresholdBackward:
    case BinaryOp::HardtanhBackward: case BinaryOp::HardsigmoidBackward:
    case BinaryOp::HardswishBackward: case BinaryOp::ShrinkBackward:
      return kGrainSize;
    default:
      return kGrainSize / 8;
  }
}

// The activation backward kernels (no row): a = incoming gradient, b = forward input.
template <BinaryOp OP, class T> inline T apply_binary_without_row(T a, T b, const OpParams& p) {
  if constexpr (OP == BinaryOp::GeluBackward) return a * gelu_grad(b);
  else if constexpr (OP == BinaryOp::GeluTanhBackward) return a * gelu_tanh_grad(b);
  else if constexpr (OP == BinaryOp::SoftplusBackward) {
    const T bx = b * T(p.p0);
    if (bx > T(p.p1)) return a;  // linear above the threshold
    const T z = std::exp(bx);
    return a * z / (z + T(1));
  } else if constexpr (OP == BinaryOp::LeakyReluBackward) return b > T(0) ? a : a * T(p.p0);
  else if constexpr (OP == BinaryOp::ThresholdBackward) return b <= T(p.p0) ? T(0) : a;
  // The hard activations' slopes as torch's kernels take them: 0 at the kinks, and a NaN
  // input passes the gradient (hardtanh; hardswish as torch's scalar loop, whose vectorized
  // one gives NaN, as for elu) or stops it (hardsigmoid).
  else if constexpr (OP == BinaryOp::HardtanhBackward)
    return b <= T(p.p0) || b >= T(p.p1) ? T(0) : a;
  else if constexpr (OP == BinaryOp::HardsigmoidBackward)
    return b > T(-3) && b < T(3) ? a * T(1.0f / 6.0f) : T(0);  // torch's float 1/6, also for double
  else if constexpr (OP == BinaryOp::HardswishBackward)
    return b <= T(-3) ? T(0) : b < T(3) ? a * (b / T(3) + T(0.5)) : a;
  // sigmoid(-x) written as torch's kernel writes it, from z = exp(-|x|).
  else if constexpr (OP == BinaryOp::LogSigmoidBackward) {
    const T q = std::exp(-std::abs(b)) / (T(1) + std::exp(-std::abs(b)));
    return (b < T(0) ? T(1) - q : q) * a;
  } else if constexpr (OP == BinaryOp::ShrinkBackward)
    return b >= -T(p.p0) && b <= T(p.p0) ? T(0) : a;  // a NaN input passes the gradient
  else {
    static_assert(OP == BinaryOp::EluBackward);
    return b <= T(0) ? a * T(p.p0) * std::exp(b) : a;
  }
}

// One pair of elements: the row's `scalar` formula, in terms of a and b.
template <BinaryOp OP, class T> inline auto apply_binary(T a, T b, [[maybe_unused]] const OpParams& p) {
#define CGRAD_BINARY_OP(Kernel, name, dtype, error, types, cost, scalar, ...) \
  if constexpr (OP == BinaryOp::Kernel) return scalar; else
#include "cgrad/pointwise/binary_ops.def"
  return apply_binary_without_row<OP, T>(a, b, p);
}

// Activation backward kernels whose exp/erf/tanh come from vecmath.
template <BinaryOp OP> constexpr bool binary_vectorized() {
  return OP == BinaryOp::GeluBackward || OP == BinaryOp::GeluTanhBackward ||
         OP == BinaryOp::SoftplusBackward || OP == BinaryOp::EluBackward;
}

// y[i] = a[i] (op) b[i] over contiguous buffers of m <= kBinaryBlock elements. The
// vectorized ops compute apply_binary's formulas in passes over stack buffers.
constexpr int64_t kBinaryBlock = 256;

// (GCC 12 cannot see that u[0, m) is written before vecmath reads it.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <BinaryOp OP, class T, class R>
void binary_contiguous(const T* a, const T* b, R* y, int64_t m, const OpParams& p) {
  if constexpr (std::is_floating_point_v<T> && binary_vectorized<OP>()) {
    alignas(64) T u[kBinaryBlock], v[kBinaryBlock];
    if constexpr (OP == BinaryOp::GeluBackward) {  // a * (Phi(x) + x phi(x)), x = b
      for (int64_t i = 0; i < m; ++i) u[i] = b[i] * T(kSqrtHalf);
      for (int64_t i = 0; i < m; ++i) v[i] = T(-0.5) * b[i] * b[i];
      vecmath::apply(vecmath::Func::Erf, u, u, m);
      vecmath::apply(vecmath::Func::Exp, v, v, m);
      for (int64_t i = 0; i < m; ++i) {
        const T cdf = T(0.5) * (T(1) + u[i]);
        const T pdf = v[i] * T(kInvSqrt2Pi);
        y[i] = a[i] * (cdf + b[i] * pdf);
      }
    } else if constexpr (OP == BinaryOp::GeluTanhBackward) {
      for (int64_t i = 0; i < m; ++i) {
        const T x = b[i];
        u[i] = T(kSqrt2OverPi) * (x + T(kGeluCubic) * (x * x) * x);
      }
      vecmath::apply(vecmath::Func::Tanh, u, u, m);
      for (int64_t i = 0; i < m; ++i) {
        const T x = b[i], x2 = x * x, t = u[i];
        const T dinner = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCubic) * x2);
        y[i] = a[i] * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner);
      }
    } else if constexpr (OP == BinaryOp::SoftplusBackward) {
      const T beta = T(p.p0), threshold = T(p.p1);
      for (int64_t i = 0; i < m; ++i) u[i] = b[i] * beta;
      vecmath::apply(vecmath::Func::Exp, u, v, m);
      for (int64_t i = 0; i < m; ++i) y[i] = u[i] > threshold ? a[i] : a[i] * v[i] / (v[i] + T(1));
    } else {
      static_assert(OP == BinaryOp::EluBackward);
      vecmath::apply(vecmath::Func::Exp, b, u, m);
      for (int64_t i = 0; i < m; ++i) y[i] = b[i] <= T(0) ? a[i] * T(p.p0) * u[i] : a[i];
    }
  } else {
    for (int64_t i = 0; i < m; ++i) y[i] = apply_binary<OP, T>(a[i], b[i], p);
  }
}
#pragma GCC diagnostic pop

// The vectorized ops on strided operands (element strides, 0 for a broadcast value):
// gathered block by block into the contiguous code, so layout never changes a result.
template <BinaryOp OP, class T, class R>
void binary_gathered(const T* a, int64_t sa, const T* b, int64_t sb, R* y, int64_t sy,
                     int64_t m, const OpParams& p) {
  alignas(64) T ga[kBinaryBlock], gb[kBinaryBlock];
  alignas(64) R gy[kBinaryBlock];
  for (int64_t start = 0; start < m; start += kBinaryBlock) {
    const int64_t k = std::min(kBinaryBlock, m - start);
    for (int64_t i = 0; i < k; ++i) ga[i] = a[(start + i) * sa];
    for (int64_t i = 0; i < k; ++i) gb[i] = b[(start + i) * sb];
    binary_contiguous<OP, T, R>(ga, gb, gy, k, p);
    for (int64_t i = 0; i < k; ++i) y[(start + i) * sy] = gy[i];
  }
}

// Note [Binary fast paths]: a call is classified once by how each operand maps onto the
// flat (row-major) index of the contiguous output: Full (same shape, contiguous), Row
// (contiguous, broadcast over leading dims: a [M, N] + b [N] repeats b every N
// outputs), Col (contiguous, broadcast over trailing dims: b [M, 1] holds one value per
// N outputs), or Scalar. The output is then walked in segments on which each operand
// has stride 1 or 0, so every segment is one of four simple (vectorizable) loops, and
// the flat range splits across threads anywhere. Anything else takes the strided path.
struct Flat {
  enum Kind { Full, Row, Col, Scalar } kind = Full;
  int64_t inner = 1;  // Row: period in outputs; Col: outputs per element
};

// An expanded operand (stride 0 along some dims: the gradient that sum() or mean() hands
// down) counts as the tensor it expands, broadcast along those dims; strided, it ran
// relu's backward at 6x torch's time.
std::optional<Flat> classify(const TensorImpl& x, const Shape& out_sizes, int64_t n) {
  const Shape* held = &x.sizes;  // x's sizes, expanded dims counted as 1
  Shape unexpanded;
  int64_t xn = x.numel();
  if (!x.is_contiguous()) {  // (a contiguous operand, the common case, copies no shape)
    unexpanded = x.sizes;
    held = &unexpanded;
    xn = 1;  // the elements x holds; they must be contiguous
    for (int64_t d = x.dim() - 1; d >= 0; --d) {
      if (unexpanded[d] != 1 && x.strides[d] == 0) unexpanded[d] = 1;
      if (unexpanded[d] == 1) continue;
      if (x.strides[d] != xn) return std::nullopt;
      xn *= unexpanded[d];
    }
  }
  const Shape& sizes = *held;
  if (xn == 1) return Flat{Flat::Scalar, 1};
  if (xn == n) return Flat{Flat::Full, 1};
  const size_t nd = out_sizes.size(), lead = nd - sizes.size();
  auto size_at = [&](size_t d) { return d < lead ? int64_t(1) : sizes[d - lead]; };
  size_t first = 0, last = nd;  // first and one past the last dim where x is not 1
  while (first < nd && size_at(first) == 1) ++first;
  while (last > first && size_at(last - 1) == 1) --last;
  bool row = true, col = true;
  int64_t trailing = 1;
  for (size_t d = 0; d < nd; ++d) {
    const bool same = size_at(d) == out_sizes[d];
    if (d >= first && !same) row = false;
    if (d < last && !same) col = false;
    if (d >= last) trailing = saturating_mul(trailing, out_sizes[d]);
  }
  if (row) return Flat{Flat::Row, xn};
  if (col) return Flat{Flat::Col, trailing};
  return std::nullopt;
}

// + - * / on floating types, which have AVX2 loops (Note [Wide arithmetic]).
template <BinaryOp OP, class T, class R> constexpr bool binary_wide() {
  return (OP == BinaryOp::Add || OP == BinaryOp::Sub || OP == BinaryOp::Mul ||
          OP == BinaryOp::Div) && std::is_floating_point_v<T> && std::is_same_v<T, R>;
}

// With `stream`, the wide ops write with non-temporal stores (Note [Streaming stores]).
template <BinaryOp OP, class T, class R>
void binary_segments(const Flat& fa, const T* pa, const Flat& fb, const T* pb, R* o, int64_t begin,
                     int64_t end, const OpParams& p, bool stream) {
  // Offset into x for output index i, whether x advances with i, and where that stops.
  auto locate = [](const Flat& f, int64_t i, int64_t& offset, int64_t& stop) {
    switch (f.kind) {
      case Flat::Full: offset = i; return true;
      case Flat::Scalar: offset = 0; return false;
      case Flat::Row:
        offset = i % f.inner;
        stop = std::min(stop, i - offset + f.inner);
        return true;
      case Flat::Col:
        offset = i / f.inner;
        stop = std::min(stop, (offset + 1) * f.inner);
        return false;
    }
    return false;
  };
  for (int64_t i = begin; i < end;) {
    int64_t stop = end, oa = 0, ob = 0;
    const bool va = locate(fa, i, oa, stop), vb = locate(fb, i, ob, stop);
    const int64_t m = stop - i;
    const T* a = pa + oa;
    const T* b = pb + ob;
    R* y = o + i;
    if constexpr (binary_wide<OP, T, R>()) {  // (a few elements: not worth the call)
      // Short segments (a small broadcast period) store normally: a non-temporal store
      // that fills only part of a line before an ordinary store to it is slow.
      if (m >= 16 && simd_arith(OP, a, va ? 1 : 0, b, vb ? 1 : 0, y, m, stream && m >= 1024)) {
        i = stop;
        continue;
      }
    }
    if constexpr (binary_vectorized<OP>()) {
      if (va && vb) {
        for (int64_t j = 0; j < m; j += kBinaryBlock)
          binary_contiguous<OP, T, R>(a + j, b + j, y + j, std::min(kBinaryBlock, m - j), p);
      } else {
        binary_gathered<OP, T, R>(a, va ? 1 : 0, b, vb ? 1 : 0, y, 1, m, p);
      }
    } else if (va && vb) {
      for (int64_t j = 0; j < m; ++j) y[j] = apply_binary<OP, T>(a[j], b[j], p);
    } else if (va) {
      const T sb = *b;
      for (int64_t j = 0; j < m; ++j) y[j] = apply_binary<OP, T>(a[j], sb, p);
    } else if (vb) {
      const T sa = *a;
      for (int64_t j = 0; j < m; ++j) y[j] = apply_binary<OP, T>(sa, b[j], p);
    } else {
      const R v = apply_binary<OP, T>(*a, *b, p);
      for (int64_t j = 0; j < m; ++j) y[j] = v;
    }
    i = stop;
  }
}

template <BinaryOp OP, class T>
void binary_typed(const TensorImpl& a, const TensorImpl& b, TensorImpl& out, const OpParams& p) {
  using R = decltype(apply_binary<OP, T>(T{}, T{}, p));
  const int64_t n = out.numel();
  R* o = out.data<R>();
  if (n == 1) {  // one element (so one in each operand): graphs of scalars live here
    if constexpr (binary_vectorized<OP>())
      binary_contiguous<OP, T, R>(a.data<T>(), b.data<T>(), o, 1, p);
    else
      *o = apply_binary<OP, T>(*a.data<T>(), *b.data<T>(), p);
    return;
  }
  if (out.is_contiguous()) {  // (in place into a strided tensor: general path below)
    const auto fa = classify(a, out.sizes, n), fb = classify(b, out.sizes, n);
    if (fa && fb) {
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      const bool stream = binary_wide<OP, T, R>() && worth_streaming(n * int64_t(sizeof(R)));
      parallel_for(n, binary_grain<OP>(), [&](int64_t begin, int64_t end) {
        binary_segments<OP, T, R>(*fa, pa, *fb, pb, o, begin, end, p, stream);
        if (stream) stream_fence();
      });
      return;
    }
  }
  std::array<Shape, 3> strides{broadcast_byte_strides(out, out.sizes),
                               broadcast_byte_strides(a, out.sizes),
                               broadcast_byte_strides(b, out.sizes)};
  std::array<char*, 3> ptrs{static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data()),
                            static_cast<char*>(b.raw_data())};
  for_each_row<3>(out.sizes, strides, ptrs, [&p](auto& q, auto& s, int64_t m) {
    if constexpr (binary_vectorized<OP>()) {  // byte strides are multiples of sizeof(T)
      binary_gathered<OP, T, R>(reinterpret_cast<const T*>(q[1]), s[1] / int64_t(sizeof(T)),
                                reinterpret_cast<const T*>(q[2]), s[2] / int64_t(sizeof(T)),
                                reinterpret_cast<R*>(q[0]), s[0] / int64_t(sizeof(R)), m, p);
    } else {
      for (int64_t i = 0; i < m; ++i)
        *reinterpret_cast<R*>(q[0] + i * s[0]) =
            apply_binary<OP, T>(*reinterpret_cast<const T*>(q[1] + i * s[1]),
                                *reinterpret_cast<const T*>(q[2] + i * s[2]), p);
    }
  });
}

// True when some element of `t` is zero (integer division checks its divisor up front,
// so no kernel loop has to throw).
template <class T> bool contains_zero(const TensorImpl& t) {
  bool found = false;
  std::array<Shape, 1> strides{broadcast_byte_strides(t, t.sizes)};
  std::array<char*, 1> ptrs{static_cast<char*>(t.raw_data())};
  for_each_row<1>(t.sizes, strides, ptrs, [&found](auto& q, auto& s, int64_t m) {
    for (int64_t i = 0; i < m && !found; ++i)
      found = *reinterpret_cast<const T*>(q[0] + i * s[0]) == T(0);
  });
  return found;
}

template <BinaryOp OP>
void binary_dispatch(const TensorImpl& a, const TensorImpl& b, TensorImpl& out, const OpParams& p) {
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!binary_supported<OP, T>()) {
      throw std::logic_error("binary kernel called with an unsupported dtype");
    } else {
      constexpr bool divides = OP == BinaryOp::Fmod || OP == BinaryOp::Remainder ||
                               OP == BinaryOp::FloorDivide;
      if constexpr (divides && std::is_integral_v<T>)
        // Raised on meeting a zero divisor, as torch does: never when nothing is computed.
        if (out.numel() > 0 && contains_zero<T>(b)) throw std::runtime_error("ZeroDivisionError");
      binary_typed<OP, T>(a, b, out, p);
    }
  });
}

// Scalar formulas of table rows that need more than an expression.
template <class T> inline T abs_value(T x) {
  if constexpr (std::is_same_v<T, bool>) return x;
  else if constexpr (std::is_floating_point_v<T>) return std::fabs(x);  // abs(-0.) is 0.
  else return x < 0 ? static_cast<T>(-x) : x;
}
template <class T> inline T sign_value(T x) {
  if constexpr (std::is_same_v<T, bool>) return x;
  else return static_cast<T>((T(0) < x) - (x < T(0)));  // NaN gives 0, as in torch
}
template <class T> inline T sigmoid_value(T x) {  // as vecmath: exp(-|x|) never overflows
  const T e = std::exp(-std::fabs(x));
  return (x < T(0) ? e : T(1)) / (T(1) + e);
}
template <class T> inline T bitwise_not_value(T x) {
  if constexpr (std::is_same_v<T, bool>) return !x;
  else return static_cast<T>(~x);
}
template <class T> inline bool signbit_value(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::signbit(x);
  else if constexpr (std::is_signed_v<T>) return x < T(0);
  else return false;  // bool
}
template <class T> inline bool is_nan_value(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
  else return false;
}
template <class T> inline bool is_inf_value(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isinf(x);
  else return false;
}
template <class T> inline bool is_posinf_value(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isinf(x) && x > T(0);
  else return false;
}
template <class T> inline bool is_neginf_value(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isinf(x) && x < T(0);
  else return false;
}
template <class T> inline bool is_finite_value(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isfinite(x);
  else return true;
}

// round(x, decimals) in x's own precision, as torch does: scale, round half to even, unscale.
template <class T> inline T round_decimals(T x, int64_t decimals) {
  if (decimals == 0) return std::nearbyint(x);
  const T scale = static_cast<T>(std::pow(10.0, static_cast<double>(std::abs(decimals))));
  return decimals > 0 ? std::nearbyint(x * scale) / scale : std::nearbyint(x / scale) * scale;
}

// Which element types a kernel has, from its row's dtype rule (the op layer raises
// torch's errors first, and computes integer inputs of float functions in float).
constexpr bool rule_supports(pointwise::DtypeRule rule, bool is_float) {
  switch (rule) {
    case pointwise::kKeep: case pointwise::kKeepNotBool: case pointwise::kKeepNoBoolKernel:
    case pointwise::kPredicate:
      return true;
    case pointwise::kIntegralOnly:
      return !is_float;
    default:
      return is_float;
  }
}
template <UnaryOp OP, class T> constexpr bool unary_supported() {
  constexpr bool is_float = std::is_floating_point_v<T>;
  switch (OP) {
#define CGRAD_UNARY_OP(Kernel, name, dtype, ...) \
    case UnaryOp::Kernel: return rule_supports(pointwise::dtype, is_float);
#include "cgrad/pointwise/unary_ops.def"
    case UnaryOp::Hardtanh:  // torch's clamp: integers too
      return std::is_floating_point_v<T> || (std::is_integral_v<T> && !std::is_same_v<T, bool>);
    default:
      return is_float;  // the kernels without a row
  }
}

// The kernels without a row (activations, round with decimals, polygamma, i1).
template <UnaryOp OP, class T> inline T apply_unary_without_row(T x, const OpParams& p) {
  if constexpr (OP == UnaryOp::Round) return round_decimals(x, static_cast<int64_t>(p.p0));
  else if constexpr (OP == UnaryOp::Gelu)
    return x * T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
  else if constexpr (OP == UnaryOp::GeluTanh)
    return T(0.5) * x * (T(1) + std::tanh(T(kSqrt2OverPi) * (x + T(kGeluCubic) * x * x * x)));
  else if constexpr (OP == UnaryOp::Silu) return x / (T(1) + std::exp(-x));
  else if constexpr (OP == UnaryOp::Softplus) {
    const T bx = x * T(p.p0);
    return bx > T(p.p1) ? x : static_cast<T>(std::log1p(std::exp(bx)) / T(p.p0));
  } else if constexpr (OP == UnaryOp::LeakyRelu) return x > T(0) ? x : x * T(p.p0);
  // hardtanh is torch's clamp (NaN passes); hardsigmoid and hardswish clamp x + 3 to
  // [0, 6] and divide by 6, in torch's order.
  else if constexpr (OP == UnaryOp::Hardtanh)
    return x < static_cast<T>(p.p0) ? static_cast<T>(p.p0) : x > static_cast<T>(p.p1) ? static_cast<T>(p.p1) : x;
  else if constexpr (OP == UnaryOp::Hardsigmoid)
    return std::min(std::max(x + T(3), T(0)), T(6)) / T(6);
  else if constexpr (OP == UnaryOp::Hardswish)
    return x * std::min(std::max(x + T(3), T(0)), T(6)) / T(6);
  // min(x, 0) - log1p(exp(-|x|)): no overflow either way (std::min keeps a NaN x).
  else if constexpr (OP == UnaryOp::LogSigmoid)
    return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
  // The shrinks as torch's kernels: softshrink's middle is x * 0 (a signed zero, NaN kept),
  // hardshrink keeps whatever is not inside [-lambd, lambd] (NaN too).
  else if constexpr (OP == UnaryOp::Softshrink)
    return x > T(p.p0) ? x - T(p.p0) : x < -T(p.p0) ? x + T(p.p0) : x * T(0);
  else if constexpr (OP == UnaryOp::Hardshrink)
    return x >= -T(p.p0) && x <= T(p.p0) ? T(0) : x;
  else if constexpr (OP == UnaryOp::Polygamma)
    return special::polygamma(static_cast<int64_t>(p.p0), x);
  else if constexpr (OP == UnaryOp::I1) return special::i1(x);
  else {
    static_assert(OP == UnaryOp::Elu);
    return x <= T(0) ? static_cast<T>(std::expm1(x) * T(p.p0)) : x;
  }
}

// One element: the row's `scalar` formula, in terms of x.
template <UnaryOp OP, class T> inline auto apply_unary(T x, [[maybe_unused]] const OpParams& p) {
#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, scalar, ...) \
  if constexpr (OP == UnaryOp::Kernel) return scalar; else
#include "cgrad/pointwise/unary_ops.def"
  return apply_unary_without_row<OP, T>(x, p);
}

// Elements worth a thread: memory-bound ops need kGrainSize; libm calls cost ~10x more.
template <UnaryOp OP> constexpr int64_t unary_grain() {
  switch (OP) {
#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, ...) \
    case UnaryOp::Kernel: return pointwise::cost == pointwise::kCheap ? kGrainSize : kGrainSize / 8;
#include "cgrad/pointwise/unary_ops.def"
    case UnaryOp::LeakyRelu: case UnaryOp::Hardtanh: case UnaryOp::Hardsigmoid:
    case UnaryOp::Hardswish: case UnaryOp::Softshrink: case UnaryOp::Hardshrink:
      return kGrainSize;
    default: return kGrainSize / 8;
  }
}

// The vecmath function computing OP outright, if any (the rows marked kVecmath).
#define CGRAD_VEC_kVecmath(Kernel) case UnaryOp::Kernel: return vecmath::Func::Kernel;
#define CGRAD_VEC_kScalar(Kernel)
template <UnaryOp OP> constexpr std::optional<vecmath::Func> vector_func() {
  switch (OP) {
#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, ...) CGRAD_VEC_##vec(Kernel)
#include "cgrad/pointwise/unary_ops.def"
    default: return std::nullopt;
  }
}
#undef CGRAD_VEC_kVecmath
#undef CGRAD_VEC_kScalar

// Activations built around one vecmath call, run block by block through a stack buffer
// (the block stays in L1 between the passes): buf = pre(x); buf = f(buf); y = post(x, buf).
// The passes vectorize, conditions included (see Note [No trapping math]).
template <class T, class Pre, class Post>
void vector_blocks(vecmath::Func f, const T* x, T* y, int64_t n, Pre pre, Post post) {
  constexpr int64_t kBlock = 512;
  alignas(64) T buf[kBlock];
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = std::min(kBlock, n - b);
    for (int64_t i = 0; i < m; ++i) buf[i] = pre(x[b + i]);
    vecmath::apply(f, buf, buf, m);
    for (int64_t i = 0; i < m; ++i) y[b + i] = post(x[b + i], buf[i]);
  }
}

// Note [Cloned rounding and root loops]: sqrt, rsqrt and the roundings are one or two
// instructions each where the instruction set has them (vsqrtps, vroundps), but this file
// is built for the baseline, which has no rounding instruction, so floor and round were a
// libm call per element and sqrt one sqrtss at a time. Their contiguous loops are
// compiled per instruction set instead (target_clones, as the reductions' loops), with
// -fno-math-errno for this file (CMakeLists.txt) so that sqrt needs no errno branch, and
// -ffp-contract=off so that no clone fuses a multiply and an add. The formulas are
// apply_unary's, so every clone gives the same values. Measured at 1 thread
// on 512 x 512 float32, us (per element loop -> clones; torch 2.13 in the same session):
// sqrt 414 -> 53-57 (130), rsqrt 703 -> 89-91 (90), round 502 -> 30 (30-32).
#define CGRAD_CLONED_UNARY(NAME, T, EXPR)                                               \
  __attribute__((target_clones("avx512f", "avx2", "default"))) void NAME(const T* x, T* y, \
                                                                         int64_t n) {  \
    for (int64_t i = 0; i < n; ++i) {                                                  \
      const T v = x[i];                                                                \
      y[i] = EXPR;                                                                     \
    }                                                                                  \
  }
#define CGRAD_CLONED_UNARIES(T)                                 \
  CGRAD_CLONED_UNARY(sqrt_loop, T, std::sqrt(v))                \
  CGRAD_CLONED_UNARY(rsqrt_loop, T, T(1) / std::sqrt(v))        \
  CGRAD_CLONED_UNARY(floor_loop, T, std::floor(v))              \
  CGRAD_CLONED_UNARY(ceil_loop, T, std::ceil(v))                \
  CGRAD_CLONED_UNARY(trunc_loop, T, std::trunc(v))              \
  CGRAD_CLONED_UNARY(frac_loop, T, v - std::trunc(v))           \
  CGRAD_CLONED_UNARY(round_loop, T, std::nearbyint(v))
CGRAD_CLONED_UNARIES(float)
CGRAD_CLONED_UNARIES(double)
#undef CGRAD_CLONED_UNARIES
#undef CGRAD_CLONED_UNARY

// The cloned loop of OP on T, if it has one; round only without decimals.
template <UnaryOp OP, class T> bool cloned_unary(const T* x, T* y, int64_t n, const OpParams& p) {
  if constexpr (!std::is_same_v<T, float> && !std::is_same_v<T, double>) return false;
  else if constexpr (OP == UnaryOp::Sqrt) return sqrt_loop(x, y, n), true;
  else if constexpr (OP == UnaryOp::Rsqrt) return rsqrt_loop(x, y, n), true;
  else if constexpr (OP == UnaryOp::Floor) return floor_loop(x, y, n), true;
  else if constexpr (OP == UnaryOp::Ceil) return ceil_loop(x, y, n), true;
  else if constexpr (OP == UnaryOp::Trunc) return trunc_loop(x, y, n), true;
  else if constexpr (OP == UnaryOp::Frac) return frac_loop(x, y, n), true;
  else if constexpr (OP == UnaryOp::Round) return p.p0 == 0 && (round_loop(x, y, n), true);
  else return false;
}

// Contiguous input and output. Each formula is the scalar one of apply_unary (NaN, inf
// and saturation behave the same), with exp/tanh/erf/log1p/expm1 from vecmath.
template <UnaryOp OP, class T, class R>
void unary_contiguous(const T* x, R* y, int64_t n, const OpParams& p) {
  if constexpr (std::is_floating_point_v<T>) {
    constexpr auto func = vector_func<OP>();
    if constexpr (func.has_value()) {
      return vecmath::apply(*func, x, y, n);
    } else if constexpr (OP == UnaryOp::Silu) {  // x * sigmoid(x)
      return vector_blocks(vecmath::Func::Sigmoid, x, y, n, [](T v) { return v; },
                           [](T v, T s) { return v * s; });
    } else if constexpr (OP == UnaryOp::Gelu) {
      return vector_blocks(vecmath::Func::Erf, x, y, n, [](T v) { return v * T(kSqrtHalf); },
                           [](T v, T e) { return v * T(0.5) * (T(1) + e); });
    } else if constexpr (OP == UnaryOp::GeluTanh) {
      return vector_blocks(
          vecmath::Func::Tanh, x, y, n,
          [](T v) { return T(kSqrt2OverPi) * (v + T(kGeluCubic) * v * v * v); },
          [](T v, T t) { return T(0.5) * v * (T(1) + t); });
    } else if constexpr (OP == UnaryOp::Elu) {
      const T alpha = T(p.p0);
      return vector_blocks(vecmath::Func::Expm1, x, y, n, [](T v) { return v; },
                           [alpha](T v, T e) { return v <= T(0) ? e * alpha : v; });
    } else if constexpr (OP == UnaryOp::Softplus) {
      // log1p(exp(beta x)) / beta below the threshold: exp here, log1p on the result.
      const T beta = T(p.p0), threshold = T(p.p1);
      vector_blocks(vecmath::Func::Exp, x, y, n, [beta](T v) { return v * beta; },
                    [](T, T e) { return e; });
      vecmath::apply(vecmath::Func::Log1p, y, y, n);
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * beta > threshold ? x[i] : y[i] / beta;
      return;
    } else if constexpr (std::is_same_v<R, T>) {
      if (cloned_unary<OP, T>(x, y, n, p)) return;
    }
  }
  for (int64_t i = 0; i < n; ++i) y[i] = apply_unary<OP, T>(x[i], p);
}

template <UnaryOp OP, class T>
void unary_typed(const TensorImpl& a, TensorImpl& out, const OpParams& p) {
  using R = decltype(apply_unary<OP, T>(T{}, p));
  const int64_t n = out.numel();
  R* o = out.data<R>();
  if (a.is_contiguous() && out.is_contiguous()) {
    const T* pa = a.data<T>();
    parallel_for(n, unary_grain<OP>(), [&](int64_t begin, int64_t end) {
      unary_contiguous<OP, T, R>(pa + begin, o + begin, end - begin, p);
    });
    return;
  }
  // Strided: rows are gathered into a buffer and computed by the contiguous code, so a
  // value's result never depends on the layout it came in.
  std::array<Shape, 2> strides{broadcast_byte_strides(out, out.sizes),
                               broadcast_byte_strides(a, out.sizes)};
  std::array<char*, 2> ptrs{static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data())};
  for_each_row<2>(out.sizes, strides, ptrs, [&p](auto& q, auto& s, int64_t m) {
    constexpr int64_t kBlock = 256;
    T in[kBlock];
    R res[kBlock];
    for (int64_t b = 0; b < m; b += kBlock) {
      const int64_t k = std::min(kBlock, m - b);
      for (int64_t i = 0; i < k; ++i) in[i] = *reinterpret_cast<const T*>(q[1] + (b + i) * s[1]);
      unary_contiguous<OP, T, R>(in, res, k, p);
      for (int64_t i = 0; i < k; ++i) *reinterpret_cast<R*>(q[0] + (b + i) * s[0]) = res[i];
    }
  });
}

template <UnaryOp OP> void unary_dispatch(const TensorImpl& a, TensorImpl& out, const OpParams& p) {
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (unary_supported<OP, T>()) unary_typed<OP, T>(a, out, p);
    else throw std::logic_error("unary kernel called with an unsupported dtype");
  });
}

template <TernaryOp OP, class T> inline T apply_ternary(T a, T b, T c) {
  if constexpr (OP == TernaryOp::Clamp) return min_nan(max_nan(a, b), c);
  else {
    static_assert(OP == TernaryOp::Lerp);
    // Two forms, each exact at its own end (weight 0 gives start, weight 1 gives end):
    // a + w (b - a) and b - (b - a)(1 - w), the latter written b + (b - a)(-(1 - w)),
    // the same bits, signed zeros included (w - 1 would give +0 where -(1 - w) gives -0).
    // Selecting the base and the factor rather than the result leaves no branch: on
    // random weights one mispredicted half the time, and the loop stayed scalar.
    const bool near_a = std::abs(c) < T(0.5);
    return (near_a ? a : b) + (b - a) * (near_a ? c : -(T(1) - c));
  }
}

// lerp's contiguous loops, cloned per instruction set as the rounding loops (Note [Cloned
// rounding and root loops]): inlined into the op's dispatch, GCC kept the select as a
// branch and the loop scalar. Measured at 1 thread on 512 x 512 float32, us (torch 2.13
// in the same session): a tensor weight 2033 -> 55 (56), a number weight 246 -> 44 (45).
#define CGRAD_LERP_LOOPS(T)                                                                 \
  __attribute__((target_clones("avx512f", "avx2", "default"))) void lerp_loop(              \
      const T* a, const T* b, const T* w, T* y, int64_t n) {                               \
    for (int64_t i = 0; i < n; ++i) y[i] = apply_ternary<TernaryOp::Lerp, T>(a[i], b[i], w[i]); \
  }                                                                                         \
  __attribute__((target_clones("avx512f", "avx2", "default"))) void lerp_loop(              \
      const T* a, const T* b, T w, T* y, int64_t n) {                                      \
    for (int64_t i = 0; i < n; ++i) y[i] = apply_ternary<TernaryOp::Lerp, T>(a[i], b[i], w); \
  }
CGRAD_LERP_LOOPS(float)
CGRAD_LERP_LOOPS(double)
#undef CGRAD_LERP_LOOPS

template <TernaryOp OP, class T>
void ternary_typed(const TensorImpl& a, const TensorImpl& b, const TensorImpl& c, TensorImpl& out) {
  const int64_t n = out.numel();
  T* o = out.data<T>();
  if (out.is_contiguous() && a.is_contiguous() && a.numel() == n) {
    const T* pa = a.data<T>();
    if (b.is_contiguous() && c.is_contiguous() && b.numel() == n && c.numel() == n) {
      const T* pb = b.data<T>();
      const T* pc = c.data<T>();
      parallel_for(n, kGrainSize, [&](int64_t begin, int64_t end) {
        if constexpr (OP == TernaryOp::Lerp)
          lerp_loop(pa + begin, pb + begin, pc + begin, o + begin, end - begin);
        else
          for (int64_t i = begin; i < end; ++i) o[i] = apply_ternary<OP, T>(pa[i], pb[i], pc[i]);
      });
      return;
    }
    if constexpr (OP == TernaryOp::Lerp) {
      if (b.is_contiguous() && b.numel() == n && c.numel() == 1) {  // a number weight
        const T* pb = b.data<T>();
        const T w = *c.data<T>();
        parallel_for(n, kGrainSize, [&](int64_t begin, int64_t end) {
          lerp_loop(pa + begin, pb + begin, w, o + begin, end - begin);
        });
        return;
      }
    }
    if (b.numel() == 1 && c.numel() == 1) {  // clamp(x, lo, hi) with scalar bounds
      const T sb = *b.data<T>(), sc = *c.data<T>();
      if constexpr (OP == TernaryOp::Clamp && std::is_floating_point_v<T>) {
        // Bounds that are numbers: two selects that a NaN x passes through, without
        // max_nan's NaN tests (3x faster again).
        if (!std::isnan(sb) && !std::isnan(sc))
          return parallel_for(n, kGrainSize, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
              const T low = pa[i] < sb ? sb : pa[i];
              o[i] = sc < low ? sc : low;
            }
          });
      }
      parallel_for(n, kGrainSize, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) o[i] = apply_ternary<OP, T>(pa[i], sb, sc);
      });
      return;
    }
  }
  std::array<Shape, 4> strides{
      broadcast_byte_strides(out, out.sizes), broadcast_byte_strides(a, out.sizes),
      broadcast_byte_strides(b, out.sizes), broadcast_byte_strides(c, out.sizes)};
  std::array<char*, 4> ptrs{static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data()),
                            static_cast<char*>(b.raw_data()), static_cast<char*>(c.raw_data())};
  for_each_row<4>(out.sizes, strides, ptrs, [](auto& q, auto& s, int64_t m) {
    for (int64_t i = 0; i < m; ++i)
      *reinterpret_cast<T*>(q[0] + i * s[0]) =
          apply_ternary<OP, T>(*reinterpret_cast<const T*>(q[1] + i * s[1]),
                               *reinterpret_cast<const T*>(q[2] + i * s[2]),
                               *reinterpret_cast<const T*>(q[3] + i * s[3]));
  });
}

}  // namespace

void binary(BinaryOp op, const TensorImpl& a, const TensorImpl& b, TensorImpl& out,
            OpParams params) {
  if (any_small({&a, &out})) [[unlikely]] {  // (a and b share a dtype)
    Widened wa(a), wb(b);
    WidenedOut wout(out);
    binary(op, *wa, *wb, *wout, params);
    return wout.store();
  }
  switch (op) {
#define CGRAD_BINARY_CASE(Kernel) \
    case BinaryOp::Kernel: return binary_dispatch<BinaryOp::Kernel>(a, b, out, params);
#define CGRAD_BINARY_OP(Kernel, ...) CGRAD_BINARY_CASE(Kernel)
#include "cgrad/pointwise/binary_ops.def"
    CGRAD_BINARY_KERNELS_WITHOUT_ROW(CGRAD_BINARY_CASE)
#undef CGRAD_BINARY_CASE
  }
}

void ternary(TernaryOp op, const TensorImpl& a, const TensorImpl& b, const TensorImpl& c,
             TensorImpl& out) {
  if (any_small({&out})) [[unlikely]] {
    Widened wa(a), wb(b), wc(c);
    WidenedOut wout(out);
    ternary(op, *wa, *wb, *wc, *wout);
    return wout.store();
  }
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (op == TernaryOp::Clamp) return ternary_typed<TernaryOp::Clamp, T>(a, b, c, out);
    if constexpr (std::is_floating_point_v<T>)
      return ternary_typed<TernaryOp::Lerp, T>(a, b, c, out);
    else
      throw std::logic_error("lerp kernel called with a non-floating dtype");
  });
}

void where(const TensorImpl& cond, const TensorImpl& a, const TensorImpl& b, TensorImpl& out) {
  std::array<Shape, 4> strides{
      broadcast_byte_strides(out, out.sizes), broadcast_byte_strides(cond, out.sizes),
      broadcast_byte_strides(a, out.sizes), broadcast_byte_strides(b, out.sizes)};
  std::array<char*, 4> ptrs{static_cast<char*>(out.raw_data()), static_cast<char*>(cond.raw_data()),
                            static_cast<char*>(a.raw_data()), static_cast<char*>(b.raw_data())};
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row<4>(out.sizes, strides, ptrs, [](auto& p, auto& s, int64_t m) {
      for (int64_t i = 0; i < m; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                     ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                     : *reinterpret_cast<const T*>(p[3] + i * s[3]);
    });
  });
}

void unary(UnaryOp op, const TensorImpl& a, TensorImpl& out, OpParams params) {
  if (any_small({&a, &out})) [[unlikely]] {
    Widened wa(a);
    WidenedOut wout(out);
    unary(op, *wa, *wout, params);
    return wout.store();
  }
  switch (op) {
#define CGRAD_UNARY_CASE(Kernel) \
    case UnaryOp::Kernel: return unary_dispatch<UnaryOp::Kernel>(a, out, params);
#define CGRAD_UNARY_OP(Kernel, ...) CGRAD_UNARY_CASE(Kernel)
#include "cgrad/pointwise/unary_ops.def"
    CGRAD_UNARY_KERNELS_WITHOUT_ROW(CGRAD_UNARY_CASE)
#undef CGRAD_UNARY_CASE
  }
}

namespace {
// Note [Transposing copies]: x.t().contiguous() read its source down columns, element
// by element: each element a new cache line once the matrix outgrows L1 (1024 x 1024:
// 4x torch's time). Where dst is contiguous and its rows run down src's unit-stride dim,
// the copy goes in 32 x 32 blocks through a buffer: 3674 -> 548 us at 1024 x 1024
// (torch 906). Threads take row blocks.
constexpr int64_t kTransposeBlock = 32;

template <class E>
void copy_transposed_blocks(const TensorImpl& src, TensorImpl& dst) {
  const int64_t nd = dst.dim(), rows = dst.sizes[nd - 2], cols = dst.sizes[nd - 1];
  const int64_t col_stride = src.strides[nd - 1];
  const int64_t row_blocks = (rows + kTransposeBlock - 1) / kTransposeBlock;
  const int64_t outer = dst.numel() / (rows * cols);
  const E* s = static_cast<const E*>(src.raw_data());
  E* d = static_cast<E*>(dst.raw_data());
  const int64_t grain = std::max<int64_t>(1, kGrainSize / (kTransposeBlock * cols));
  parallel_for(outer * row_blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t o = task / row_blocks, r0 = (task % row_blocks) * kTransposeBlock;
      int64_t offset = 0;  // src's offset of matrix o, from its leading dims
      for (int64_t dim = nd - 3, rest = o; dim >= 0; --dim) {
        offset += (rest % dst.sizes[dim]) * src.strides[dim];
        rest /= dst.sizes[dim];
      }
      const int64_t r1 = std::min(rows, r0 + kTransposeBlock);
      E block[kTransposeBlock][kTransposeBlock];
      for (int64_t c0 = 0; c0 < cols; c0 += kTransposeBlock) {
        const int64_t c1 = std::min(cols, c0 + kTransposeBlock);
        // Each source column's run read once, in order, then each row written out: no
        // line is needed twice, so columns a power of two apart (one cache set) cannot
        // evict each other.
        for (int64_t c = c0; c < c1; ++c) {
          const E* column = s + offset + c * col_stride;
          for (int64_t r = r0; r < r1; ++r) block[r - r0][c - c0] = column[r];
        }
        for (int64_t r = r0; r < r1; ++r)
          std::memcpy(d + (o * rows + r) * cols + c0, block[r - r0], (c1 - c0) * sizeof(E));
      }
    }
  }, 1);
}

bool copy_transposed(const TensorImpl& src, TensorImpl& dst) {
  const int64_t nd = dst.dim();
  if (nd < 2 || src.dtype != dst.dtype || src.sizes != dst.sizes || !dst.is_contiguous() ||
      src.strides[nd - 2] != 1 ||
      dst.sizes[nd - 2] < kTransposeBlock || dst.sizes[nd - 1] < 2 || src.strides[nd - 1] < 2)
    return false;
  switch (itemsize(dst.dtype)) {
    case 1: copy_transposed_blocks<uint8_t>(src, dst); return true;
    case 2: copy_transposed_blocks<uint16_t>(src, dst); return true;
    case 4: copy_transposed_blocks<uint32_t>(src, dst); return true;
    case 8: copy_transposed_blocks<uint64_t>(src, dst); return true;
    default: return false;
  }
}
}  // namespace

// Note [Conversion runs]: n elements converted, as a function of its own. Inlined into
// copy's dispatch (every dtype pair, in parallel_for's lambdas) the loop stayed scalar,
// one cvtsd2ss at a time; on its own GCC vectorises it. Measured at 1 thread on 512 x 512,
// us (inlined -> own function; torch 2.13 in the same session): float -> double 146 -> 46
// (47-60), double -> float 166 -> 43 (44-56), int32 -> float 165 -> 42 (31-41), int64 ->
// float 167 -> 83 (85-90). float16 and bfloat16 still convert one element at a time in
// software (float -> float16 300 us, torch 22-28 with F16C).
template <class D, class S> __attribute__((noinline)) void convert_run(const S* s, D* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = convert<D, S>(s[i]);
}

void copy(const TensorImpl& src, TensorImpl& dst) {
  const int64_t n = dst.numel();
  if (src.is_contiguous() && dst.is_contiguous() && src.numel() == n) {
    if (src.dtype == dst.dtype) {
      const size_t item = itemsize(dst.dtype);
      char* d = static_cast<char*>(dst.raw_data());
      const char* s = static_cast<const char*>(src.raw_data());
      parallel_for(n, kGrainSize, [&](int64_t begin, int64_t end) {
        std::memcpy(d + begin * item, s + begin * item, (end - begin) * item);
      });
      return;
    }
    dispatch_all(dst.dtype, [&](auto dtag) {
      using D = typename decltype(dtag)::type;
      dispatch_all(src.dtype, [&](auto stag) {
        using S = typename decltype(stag)::type;
        D* d = dst.data<D>();
        const S* s = src.data<S>();
        parallel_for(n, kGrainSize, [&](int64_t begin, int64_t end) {
          convert_run(s + begin, d + begin, end - begin);
        });
      });
    });
    return;
  }
  if (copy_transposed(src, dst)) return;  // Note [Transposing copies]
  std::array<Shape, 2> strides{broadcast_byte_strides(dst, dst.sizes),
                               broadcast_byte_strides(src, dst.sizes)};
  std::array<char*, 2> ptrs{static_cast<char*>(dst.raw_data()), static_cast<char*>(src.raw_data())};
  dispatch_all(dst.dtype, [&](auto dtag) {
    using D = typename decltype(dtag)::type;
    dispatch_all(src.dtype, [&](auto stag) {
      using S = typename decltype(stag)::type;
      for_each_row<2>(dst.sizes, strides, ptrs, [](auto& p, auto& s, int64_t m) {
        // Rows contiguous on both sides (a window of cat, a slice made contiguous): a
        // memcpy, or a unit-stride loop that vectorises; the strided loop ran cat along
        // dim 1 at 2.4x torch's time.
        if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
          if constexpr (std::is_same_v<D, S>) {
            std::memcpy(p[0], p[1], m * sizeof(D));
          } else {
            convert_run(reinterpret_cast<const S*>(p[1]), reinterpret_cast<D*>(p[0]), m);
          }
          return;
        }
        for (int64_t i = 0; i < m; ++i)
          *reinterpret_cast<D*>(p[0] + i * s[0]) =
              convert<D, S>(*reinterpret_cast<const S*>(p[1] + i * s[1]));
      });
    });
  });
}

void fill(TensorImpl& dst, Scalar value) {
  dispatch_all(dst.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    if (dst.is_contiguous()) {
      T* p = dst.data<T>();
      parallel_for(dst.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
        std::fill(p + begin, p + end, v);
      });
      return;
    }
    std::array<Shape, 1> strides{broadcast_byte_strides(dst, dst.sizes)};
    std::array<char*, 1> ptrs{static_cast<char*>(dst.raw_data())};
    for_each_row<1>(dst.sizes, strides, ptrs, [v](auto& p, auto& s, int64_t m) {
      for (int64_t i = 0; i < m; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
    });
  });
}

}  // namespace cgrad::kernels
