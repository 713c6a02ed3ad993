#pragma once
// Element types and torch's type-promotion lattice.
#include <cstddef>
#include <cstdint>
#include <string>

namespace cgrad {

// Order matters: promotion within a category picks the later entry.
enum class DType : uint8_t { Bool, Int32, Int64, Float32, Float64 };
constexpr int kNumDTypes = 5;

size_t itemsize(DType t);
const char* dtype_name(DType t);       // "float32"
const char* dtype_torch_name(DType t); // "Float" — as torch's messages spell it
const char* dtype_cpp_name(DType t);   // "float", "long int" — torch's C++ spelling in some errors
inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }
inline bool is_integral(DType t, bool include_bool) {
  return t == DType::Int32 || t == DType::Int64 || (include_bool && t == DType::Bool);
}
DType promote_types(DType a, DType b);
// The dtype of Python floats, of factories without a dtype and of true division or
// float functions of integers: float32 unless set_default_float changed it. Process-wide,
// as torch.set_default_dtype is (Note [Default dtype] in dtype.cpp).
DType default_float();
void set_default_float(DType t);  // float32 or float64; the caller checks

template <class T> struct TypeTag { using type = T; };

// Calls f(TypeTag<T>{}) with T the C++ type of `t`.
template <class F> decltype(auto) dispatch(DType t, F&& f) {
  switch (t) {
    case DType::Bool: return f(TypeTag<bool>{});
    case DType::Int32: return f(TypeTag<int32_t>{});
    case DType::Int64: return f(TypeTag<int64_t>{});
    case DType::Float32: return f(TypeTag<float>{});
    case DType::Float64: break;
  }
  return f(TypeTag<double>{});
}

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }

}  // namespace cgrad
