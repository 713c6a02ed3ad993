// Elementwise kernels: binary with broadcasting, unary, casting copy and fill.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/loop.h"

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

template <BinaryOp OP, class T> inline auto apply_binary(T a, T b) {
  constexpr bool wraps = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  if constexpr (OP == BinaryOp::Add) {
    if constexpr (wraps) return wrap<T>(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
    else return static_cast<T>(a + b);
  } else if constexpr (OP == BinaryOp::Sub) {
    if constexpr (wraps) return wrap<T>(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b));
    else return static_cast<T>(a - b);
  } else if constexpr (OP == BinaryOp::Mul) {
    if constexpr (wraps) return wrap<T>(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
    else return static_cast<T>(a * b);
  } else if constexpr (OP == BinaryOp::Div) return static_cast<T>(a / b);
  else if constexpr (OP == BinaryOp::Pow) {
    if constexpr (std::is_floating_point_v<T>) return static_cast<T>(std::pow(a, b));
    else if constexpr (std::is_same_v<T, bool>) return static_cast<bool>(a || !b);
    else return int_pow<T>(a, b);
  }
  else if constexpr (OP == BinaryOp::Eq) return a == b;
  else if constexpr (OP == BinaryOp::Ne) return a != b;
  else if constexpr (OP == BinaryOp::Lt) return a < b;
  else if constexpr (OP == BinaryOp::Le) return a <= b;
  else if constexpr (OP == BinaryOp::Gt) return a > b;
  else return a >= b;
}

template <BinaryOp OP, class T>
void binary_typed(const TensorImpl& a, const TensorImpl& b, TensorImpl& out) {
  using R = decltype(apply_binary<OP, T>(T{}, T{}));
  const int64_t n = out.numel();
  R* o = out.data<R>();
  // Fast paths: classify the call once (contiguous/contiguous, tensor/scalar).
  if (!out.is_contiguous()) {
    // in place into a strided tensor: general path below
  } else if (a.is_contiguous() && b.is_contiguous() && a.numel() == n && b.numel() == n) {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    for (int64_t i = 0; i < n; ++i) o[i] = apply_binary<OP, T>(pa[i], pb[i]);
    return;
  } else if (a.is_contiguous() && a.numel() == n && b.numel() == 1) {
    const T* pa = a.data<T>();
    const T sb = *b.data<T>();
    for (int64_t i = 0; i < n; ++i) o[i] = apply_binary<OP, T>(pa[i], sb);
    return;
  } else if (b.is_contiguous() && b.numel() == n && a.numel() == 1) {
    const T sa = *a.data<T>();
    const T* pb = b.data<T>();
    for (int64_t i = 0; i < n; ++i) o[i] = apply_binary<OP, T>(sa, pb[i]);
    return;
  }
  std::array<Shape, 3> strides{broadcast_byte_strides(out, out.sizes),
                               broadcast_byte_strides(a, out.sizes),
                               broadcast_byte_strides(b, out.sizes)};
  std::array<char*, 3> ptrs{static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data()),
                            static_cast<char*>(b.raw_data())};
  for_each_row<3>(out.sizes, strides, ptrs, [](auto& p, auto& s, int64_t m) {
    for (int64_t i = 0; i < m; ++i)
      *reinterpret_cast<R*>(p[0] + i * s[0]) = apply_binary<OP, T>(
          *reinterpret_cast<const T*>(p[1] + i * s[1]), *reinterpret_cast<const T*>(p[2] + i * s[2]));
  });
}

template <BinaryOp OP>
void binary_dispatch(const TensorImpl& a, const TensorImpl& b, TensorImpl& out) {
  dispatch(a.dtype, [&](auto tag) { binary_typed<OP, typename decltype(tag)::type>(a, b, out); });
}

template <UnaryOp OP, class T> inline T apply_unary(T x) {
  if constexpr (OP == UnaryOp::Neg) return static_cast<T>(-x);
  else if constexpr (OP == UnaryOp::Abs) {
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_floating_point_v<T>) return std::fabs(x);  // abs(-0.) is 0.
    else return x < 0 ? static_cast<T>(-x) : x;
  }
  else if constexpr (OP == UnaryOp::Sign) {
    if constexpr (std::is_same_v<T, bool>) return x;
    else return static_cast<T>((T(0) < x) - (x < T(0)));  // NaN gives 0, as in torch
  }
  else if constexpr (OP == UnaryOp::Relu) return x < T(0) ? T(0) : x;  // keeps NaN and -0.0
  else if constexpr (std::is_floating_point_v<T>) {
    if constexpr (OP == UnaryOp::Reciprocal) return T(1) / x;
    else if constexpr (OP == UnaryOp::Sin) return std::sin(x);
    else if constexpr (OP == UnaryOp::Cos) return std::cos(x);
    else if constexpr (OP == UnaryOp::Exp) return std::exp(x);
    else if constexpr (OP == UnaryOp::Log) return std::log(x);
    else if constexpr (OP == UnaryOp::Tanh) return std::tanh(x);
    else if constexpr (OP == UnaryOp::Sigmoid) return T(1) / (T(1) + std::exp(-x));
    else return std::sqrt(x);
  } else {
    return x;  // unreachable: the op layer sends only floating tensors to math functions
  }
}

template <UnaryOp OP, class T> void unary_typed(const TensorImpl& a, TensorImpl& out) {
  const int64_t n = out.numel();
  T* o = out.data<T>();
  if (a.is_contiguous()) {
    const T* pa = a.data<T>();
    for (int64_t i = 0; i < n; ++i) o[i] = apply_unary<OP, T>(pa[i]);
    return;
  }
  std::array<Shape, 2> strides{broadcast_byte_strides(out, out.sizes),
                               broadcast_byte_strides(a, out.sizes)};
  std::array<char*, 2> ptrs{static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data())};
  for_each_row<2>(out.sizes, strides, ptrs, [](auto& p, auto& s, int64_t m) {
    for (int64_t i = 0; i < m; ++i)
      *reinterpret_cast<T*>(p[0] + i * s[0]) =
          apply_unary<OP, T>(*reinterpret_cast<const T*>(p[1] + i * s[1]));
  });
}

template <UnaryOp OP> void unary_dispatch(const TensorImpl& a, TensorImpl& out) {
  dispatch(a.dtype, [&](auto tag) { unary_typed<OP, typename decltype(tag)::type>(a, out); });
}

template <class D, class S> inline D cast_value(S v) {
  if constexpr (std::is_same_v<D, bool>) return v != S(0);
  else return static_cast<D>(v);
}

}  // namespace

void binary(BinaryOp op, const TensorImpl& a, const TensorImpl& b, TensorImpl& out) {
  switch (op) {
    case BinaryOp::Add: return binary_dispatch<BinaryOp::Add>(a, b, out);
    case BinaryOp::Sub: return binary_dispatch<BinaryOp::Sub>(a, b, out);
    case BinaryOp::Mul: return binary_dispatch<BinaryOp::Mul>(a, b, out);
    case BinaryOp::Div: return binary_dispatch<BinaryOp::Div>(a, b, out);
    case BinaryOp::Pow: return binary_dispatch<BinaryOp::Pow>(a, b, out);
    case BinaryOp::Eq: return binary_dispatch<BinaryOp::Eq>(a, b, out);
    case BinaryOp::Ne: return binary_dispatch<BinaryOp::Ne>(a, b, out);
    case BinaryOp::Lt: return binary_dispatch<BinaryOp::Lt>(a, b, out);
    case BinaryOp::Le: return binary_dispatch<BinaryOp::Le>(a, b, out);
    case BinaryOp::Gt: return binary_dispatch<BinaryOp::Gt>(a, b, out);
    case BinaryOp::Ge: return binary_dispatch<BinaryOp::Ge>(a, b, out);
  }
}

void where(const TensorImpl& cond, const TensorImpl& a, const TensorImpl& b, TensorImpl& out) {
  std::array<Shape, 4> strides{
      broadcast_byte_strides(out, out.sizes), broadcast_byte_strides(cond, out.sizes),
      broadcast_byte_strides(a, out.sizes), broadcast_byte_strides(b, out.sizes)};
  std::array<char*, 4> ptrs{static_cast<char*>(out.raw_data()), static_cast<char*>(cond.raw_data()),
                            static_cast<char*>(a.raw_data()), static_cast<char*>(b.raw_data())};
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row<4>(out.sizes, strides, ptrs, [](auto& p, auto& s, int64_t m) {
      for (int64_t i = 0; i < m; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                     ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                     : *reinterpret_cast<const T*>(p[3] + i * s[3]);
    });
  });
}

void unary(UnaryOp op, const TensorImpl& a, TensorImpl& out) {
  switch (op) {
    case UnaryOp::Neg: return unary_dispatch<UnaryOp::Neg>(a, out);
    case UnaryOp::Reciprocal: return unary_dispatch<UnaryOp::Reciprocal>(a, out);
    case UnaryOp::Sin: return unary_dispatch<UnaryOp::Sin>(a, out);
    case UnaryOp::Cos: return unary_dispatch<UnaryOp::Cos>(a, out);
    case UnaryOp::Exp: return unary_dispatch<UnaryOp::Exp>(a, out);
    case UnaryOp::Log: return unary_dispatch<UnaryOp::Log>(a, out);
    case UnaryOp::Tanh: return unary_dispatch<UnaryOp::Tanh>(a, out);
    case UnaryOp::Sigmoid: return unary_dispatch<UnaryOp::Sigmoid>(a, out);
    case UnaryOp::Relu: return unary_dispatch<UnaryOp::Relu>(a, out);
    case UnaryOp::Sqrt: return unary_dispatch<UnaryOp::Sqrt>(a, out);
    case UnaryOp::Abs: return unary_dispatch<UnaryOp::Abs>(a, out);
    case UnaryOp::Sign: return unary_dispatch<UnaryOp::Sign>(a, out);
  }
}

void copy(const TensorImpl& src, TensorImpl& dst) {
  if (src.dtype == dst.dtype && src.is_contiguous() && dst.is_contiguous() &&
      src.numel() == dst.numel()) {
    std::memcpy(dst.raw_data(), src.raw_data(), dst.numel() * itemsize(dst.dtype));
    return;
  }
  std::array<Shape, 2> strides{broadcast_byte_strides(dst, dst.sizes),
                               broadcast_byte_strides(src, dst.sizes)};
  std::array<char*, 2> ptrs{static_cast<char*>(dst.raw_data()), static_cast<char*>(src.raw_data())};
  dispatch(dst.dtype, [&](auto dtag) {
    using D = typename decltype(dtag)::type;
    dispatch(src.dtype, [&](auto stag) {
      using S = typename decltype(stag)::type;
      for_each_row<2>(dst.sizes, strides, ptrs, [](auto& p, auto& s, int64_t m) {
        for (int64_t i = 0; i < m; ++i)
          *reinterpret_cast<D*>(p[0] + i * s[0]) =
              cast_value<D, S>(*reinterpret_cast<const S*>(p[1] + i * s[1]));
      });
    });
  });
}

void fill(TensorImpl& dst, double value) {
  dispatch(dst.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = cast_value<T, double>(value);
    if (dst.is_contiguous()) {
      T* p = dst.data<T>();
      const int64_t n = dst.numel();
      for (int64_t i = 0; i < n; ++i) p[i] = v;
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
