#pragma once
// float16 and bfloat16 elements: 16-bit storage types that convert to and from float
// (Note [Small dtypes] in dtype.h). Arithmetic happens in float, never on these types.
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace cgrad {

namespace small_floats {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// IEEE binary16 from float, rounding to nearest even; NaN keeps its sign and becomes
// the quiet NaN 0x7e00.
inline uint16_t half_from_float(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t mag = u & 0x7fffffffu;
  if (mag >= 0x7f800000u) return sign | (mag > 0x7f800000u ? 0x7e00u : 0x7c00u);
  if (mag >= 0x47800000u) return sign | 0x7c00u;  // >= 2**16: beyond rounding, inf
  if (mag < 0x38800000u) {
    // Below 2**-14, half's subnormals are multiples of 2**-24: adding 0.5 (2**-1) puts
    // bit 2**-24 at the bottom of float's mantissa, and the float addition rounds to
    // nearest even there.
    const float shifted = bits_float(mag) + 0.5f;
    return sign | static_cast<uint16_t>(float_bits(shifted) - 0x3f000000u);
  }
  // Normal: rebias the exponent (127 -> 15) and drop 13 mantissa bits, rounding to
  // nearest even; a carry moves into the exponent, up to inf.
  const uint32_t odd = (mag >> 13) & 1u;
  const uint32_t rounded = mag + 0xc8000fffu + odd;  // + ((15 - 127) << 23) + half ulp - 1
  return sign | static_cast<uint16_t>(rounded >> 13);
}

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return bits_float(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {  // zero or subnormal: mantissa * 2**-24, exact in float
    const float v = static_cast<float>(mantissa) * 5.9604644775390625e-08f;
    return sign ? -v : v;
  }
  return bits_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

// bfloat16 is float's upper half: round the lower 16 bits to nearest even; NaN stays a
// quiet NaN with its sign.
inline uint16_t bfloat16_from_float(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

}  // namespace small_floats

// Constructible from any number (through float, as torch converts) and readable as a
// float; nothing else.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Half(T v) : bits(small_floats::half_from_float(static_cast<float>(v))) {}  // NOLINT
  operator float() const { return small_floats::half_to_float(bits); }  // NOLINT
};
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  BFloat16(T v) : bits(small_floats::bfloat16_from_float(static_cast<float>(v))) {}  // NOLINT
  operator float() const { return small_floats::bfloat16_to_float(bits); }  // NOLINT
};

template <class T> constexpr bool is_small_float_v =
    std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

}  // namespace cgrad
