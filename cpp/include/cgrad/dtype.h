#pragma once
// Element types and torch's type-promotion lattice.
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "cgrad/errors.h"
#include "cgrad/small_floats.h"

namespace cgrad {

// Note [Small dtypes]: uint8, int8, int16, float16 and bfloat16 are storage dtypes. They
// are stored, converted, indexed, joined, printed and shared with numpy/DLPack as
// themselves, but the kernels that compute are written once for the five compute dtypes
// (bool, int32, int64, float32, float64): a kernel entry meets a small-dtype tensor by
// computing on a widened copy (float16/bfloat16 -> float32, the small integers -> int32)
// and storing the result back, rounded to nearest-even or wrapped. That is how torch's
// CPU kernels compute float16/bfloat16 (load as float, compute, store rounded), and for
// the integers it is exact: +, -, *, negation and shifts agree modulo 2**bits, and the
// rest (comparisons, division, min/max) never leave the widened range except where the
// store wraps as torch's does (int8 -128 // -1 is -128). Reductions return what torch's do
// (sum of int8 is int64, sum of float16 accumulates wider and rounds once at the end).
// `dispatch` covers the compute dtypes only and raises torch's NotImplementedError for a
// small dtype, so a kernel nobody widened says so instead of reading garbage;
// `dispatch_all` (copy, fill, item, indexing) covers every dtype. Widening is done in
// kernels/widen.h, at the entry of each kernel that supports the small dtypes. The float32
// and float64 paths pay one well-predicted branch per kernel call.

// Order matters only for kNumDTypes-sized tables; promotion is promote_types's table.
enum class DType : uint8_t {
  Bool, Int32, Int64, Float32, Float64, UInt8, Int8, Int16, Float16, BFloat16
};
constexpr int kNumDTypes = 10;

// Inline, as the few small functions below: every op asks them, several times.
inline size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool: case DType::UInt8: case DType::Int8: return 1;
    case DType::Int16: case DType::Float16: case DType::BFloat16: return 2;
    case DType::Int32: case DType::Float32: return 4;
    case DType::Int64: case DType::Float64: return 8;
  }
  return 0;
}
const char* dtype_name(DType t);       // "float32"
const char* dtype_torch_name(DType t); // "Float" — as torch's messages spell it
const char* dtype_cpp_name(DType t);   // "float", "long int" — torch's C++ spelling in some errors
// "torch.FloatTensor", "CPUBoolType" — torch's legacy type name of a CPU tensor, in some
// errors (expand, a modified saved tensor).
std::string dtype_legacy_type_name(DType t);
inline bool is_reduced_float(DType t) { return t == DType::Float16 || t == DType::BFloat16; }
inline bool is_small_integer(DType t) {
  return t == DType::UInt8 || t == DType::Int8 || t == DType::Int16;
}
// A storage dtype (Note [Small dtypes]): kernels compute it in compute_dtype(t).
inline bool is_small(DType t) { return static_cast<uint8_t>(t) >= static_cast<uint8_t>(DType::UInt8); }
inline DType compute_dtype(DType t) {
  return is_reduced_float(t) ? DType::Float32 : is_small_integer(t) ? DType::Int32 : t;
}
inline bool is_floating(DType t) {
  return t == DType::Float32 || t == DType::Float64 || is_reduced_float(t);
}
inline bool is_integral(DType t, bool include_bool) {
  return t == DType::Int32 || t == DType::Int64 || is_small_integer(t) ||
         (include_bool && t == DType::Bool);
}
inline bool is_signed(DType t) { return t != DType::Bool && t != DType::UInt8; }
// Note [Casting rules]: torch allows a cast unless it loses the kind of value: floating to
// integral (or bool), or any number to bool. Widening and narrowing within a kind are
// allowed. In-place ops and out= check their result against it (torch.can_cast).
inline bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}
DType promote_types_of_different(DType a, DType b);
inline DType promote_types(DType a, DType b) {
  return a == b ? a : promote_types_of_different(a, b);
}
// The largest finite value of a floating dtype (finfo(t).max).
double max_finite(DType t);
// The dtype of Python floats, of factories without a dtype and of true division or
// float functions of integers: float32 unless set_default_float changed it. Process-wide,
// as torch.set_default_dtype is (Note [Default dtype] in dtype.cpp).
DType default_float();
void set_default_float(DType t);  // a floating dtype; the caller checks

template <class T> struct TypeTag { using type = T; };

// torch's error for a kernel that lacks a dtype: "\"<kernel>\" not implemented for 'Half'".
[[noreturn]] void throw_not_implemented_for(const char* kernel, DType t);

// Calls f(TypeTag<T>{}) with T the C++ type of `t`, a compute dtype; a small dtype raises
// (Note [Small dtypes]), naming the calling function.
template <class F>
decltype(auto) dispatch(DType t, F&& f, const char* kernel = __builtin_FUNCTION()) {
  switch (t) {
    case DType::Bool: return f(TypeTag<bool>{});
    case DType::Int32: return f(TypeTag<int32_t>{});
    case DType::Int64: return f(TypeTag<int64_t>{});
    case DType::Float32: return f(TypeTag<float>{});
    case DType::Float64: break;
    default: throw_not_implemented_for(kernel, t);
  }
  return f(TypeTag<double>{});
}

// The same over every dtype, small ones included, for code that only moves and converts
// elements (with `convert`, below).
template <class F> decltype(auto) dispatch_all(DType t, F&& f) {
  switch (t) {
    case DType::UInt8: return f(TypeTag<uint8_t>{});
    case DType::Int8: return f(TypeTag<int8_t>{});
    case DType::Int16: return f(TypeTag<int16_t>{});
    case DType::Float16: return f(TypeTag<Half>{});
    case DType::BFloat16: return f(TypeTag<BFloat16>{});
    default: return dispatch(t, std::forward<F>(f));
  }
}

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<int8_t>() { return DType::Int8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::Int16; }
template <> constexpr DType dtype_of<Half>() { return DType::Float16; }
template <> constexpr DType dtype_of<BFloat16>() { return DType::BFloat16; }

template <class T> constexpr bool is_small_int_v =
    std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t>;

// A floating value as a narrow integer, as torch's CPU cast gives it: truncated toward
// zero to int32 (anything out of int32's range, NaN and inf give INT32_MIN, as x86's
// conversion does), then wrapped to the narrow type (-1.0 -> uint8 255, 300.0 -> 44).
template <class D> inline D narrow_from_floating(double v) {
  const int32_t wide = (v > -2147483649.0 && v < 2147483648.0) ? static_cast<int32_t>(v)
                                                                : INT32_MIN;
  return static_cast<D>(wide);
}

// One element converted as torch's casts convert it: float16/bfloat16 through float
// (so a double rounds twice, as in torch), to bool as `!= 0`, floating to the narrow
// integers by narrow_from_floating, and otherwise C++'s conversion.
template <class D, class S> inline D convert(S v) {
  if constexpr (std::is_same_v<D, S>) return v;
  else if constexpr (is_small_float_v<S>) return convert<D, float>(static_cast<float>(v));
  else if constexpr (std::is_same_v<D, bool>) return v != S(0);
  else if constexpr (is_small_float_v<D>) return D(static_cast<float>(v));
  else if constexpr (is_small_int_v<D> && std::is_floating_point_v<S>)
    return narrow_from_floating<D>(static_cast<double>(v));
  else return static_cast<D>(v);
}

}  // namespace cgrad
