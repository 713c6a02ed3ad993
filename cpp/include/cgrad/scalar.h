#pragma once
// Scalar: one number as an op receives it from Python or from a formula — a bool, an
// int64 or a double, kept in its own kind until it is stored into a tensor.
//
// Note [Exact integer scalars]: a double holds every integer only up to 2**53, so a
// Python int that travelled as a double came out wrong (`tensor([0]) + (2**60 + 1)` was
// 2**60). A Scalar keeps an int as int64 all the way to the typed store, so int64 results
// are exact for every int64 value; a double is read as a double. The conversion to an
// element type is C++'s (`to<T>`), and `fits` is torch's range check for the ops that
// refuse a value their dtype cannot hold ("value cannot be converted to type int without
// overflow": fill_, full, masked_fill, setitem, clamp's bounds...).
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cgrad/dtype.h"

namespace cgrad {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };

  // Any C++ number: bools stay bools, every other integer type is an int64, floating
  // types are doubles. (One template, so `Scalar(0)` and `Scalar(0.5)` are unambiguous.)
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Scalar(T v) {  // NOLINT: implicit on purpose, ops take numbers where they take Scalars
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = Kind::Bool;
      i_ = v ? 1 : 0;
    } else if constexpr (std::is_integral_v<T>) {
      kind_ = Kind::Int;
      i_ = static_cast<int64_t>(v);
    } else {
      kind_ = Kind::Float;
      d_ = static_cast<double>(v);
    }
  }

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::Float; }
  // The dtype torch gives a Python number of this kind (bool, int64, float64).
  DType natural_dtype() const {
    return kind_ == Kind::Bool ? DType::Bool : kind_ == Kind::Int ? DType::Int64 : DType::Float64;
  }

  double to_double() const { return kind_ == Kind::Float ? d_ : static_cast<double>(i_); }
  // The value as element type T: exact for integers that T holds.
  template <class T> T to() const {
    if constexpr (std::is_same_v<T, bool>) return kind_ == Kind::Float ? d_ != 0.0 : i_ != 0;
    else if constexpr (std::is_floating_point_v<T> || is_small_float_v<T>) return T(to_double());
    else if (kind_ == Kind::Float) return convert<T, double>(d_);
    else return static_cast<T>(i_);
  }
  int64_t to_int64() const { return to<int64_t>(); }

  // Whether `dtype` holds the value without overflow, by torch's rule: bool holds
  // anything; an integer type holds the integers in its range (never NaN or inf); a
  // floating type holds anything finite in its range, and inf and NaN.
  bool fits(DType dtype) const {
    return dispatch_all(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Limits = std::numeric_limits<T>;
      if constexpr (std::is_same_v<T, bool> || is_small_float_v<T>) {
        return true;  // (torch lets float16 and bfloat16 overflow to inf)
      } else if constexpr (std::is_integral_v<T>) {
        // An unsigned type also takes the negatives whose two's complement it holds
        // (uint8: -255 to -1), as torch's.
        const int64_t max = static_cast<int64_t>(Limits::max());
        if (kind_ != Kind::Float)
          return i_ <= max && (std::is_signed_v<T> ? i_ >= Limits::min() : i_ >= -max);
        // [min, max] as doubles (int64's max rounds up to 2**63, which torch lets pass);
        // NaN never fits.
        return d_ >= static_cast<double>(Limits::min()) && d_ <= static_cast<double>(max);
      } else {
        const double v = to_double();
        return !std::isfinite(v) || std::fabs(v) <= static_cast<double>(Limits::max());
      }
    });
  }

 private:
  Kind kind_;
  int64_t i_ = 0;
  double d_ = 0.0;
};

// torch's refusal of a number that `dtype` cannot hold, for the ops that store a number
// as it is: RuntimeError "value cannot be converted to type int without overflow".
void check_scalar_fits(const Scalar& value, DType dtype);

}  // namespace cgrad
