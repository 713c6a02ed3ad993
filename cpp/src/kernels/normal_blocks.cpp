// torch's 16-at-a-time Box-Muller for randn/normal_ on 16 or more contiguous elements
// (Note [Torch's CPU random streams]). float32 reproduces torch's vectorised path bit
// for bit, so its log and sincos are the Cephes single-precision algorithms (range
// reduction and minimax polynomials, constants from Cephes), evaluated with the fused
// multiply-adds torch's build forms; std::fma keeps that exact on any machine, and the
// float loop is compiled twice so machines with FMA get it as one instruction
// (libm's fma call otherwise costs more than the rest of the draw).
#include <cmath>
#include <cstring>

#include <immintrin.h>

#include "random.h"

namespace cgrad::kernels {

namespace {

#define CGRAD_ALWAYS_INLINE inline __attribute__((always_inline))

CGRAD_ALWAYS_INLINE uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
CGRAD_ALWAYS_INLINE float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Natural log for x in (0, 1]: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), then
// log(1 + f) by a degree-9 polynomial and e * log 2 split in two parts.
CGRAD_ALWAYS_INLINE float cephes_logf(float x) {
  x = std::fmax(x, from_bits(0x00800000));  // no denormals
  const int32_t exponent = static_cast<int32_t>(bits(x) >> 23) - 0x7f;
  x = from_bits((bits(x) & ~0x7f800000u) | bits(0.5f));  // mantissa in [0.5, 1)
  float e = static_cast<float>(exponent) + 1.0f;
  if (x < 0.707106781186547524f) {
    e -= 1.0f;
    x = (x - 1.0f) + x;
  } else {
    x = x - 1.0f;
  }
  const float z = x * x;
  float y = 7.0376836292e-2f;
  for (float c : {-1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f,
                  -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f})
    y = std::fma(y, x, c);
  y = y * x;
  y = std::fma(y, z, e * -2.12194440e-4f);
  y = y - z * 0.5f;
  x = x + y;
  return x + e * 0.693359375f;
}

// sin and cos of x >= 0: reduced to [-pi/4, pi/4] by the octant j (even), then the
// two Cephes polynomials, swapped and signed by the octant.
CGRAD_ALWAYS_INLINE void cephes_sincosf(float x, float& sin_out, float& cos_out) {
  int32_t j = static_cast<int32_t>(x * 1.27323954473516f);  // 4 / pi
  j = (j + 1) & ~1;
  const float y = static_cast<float>(j);
  const uint32_t sin_sign = static_cast<uint32_t>(j & 4) << 29;
  const uint32_t cos_sign = static_cast<uint32_t>(~(j - 2) & 4) << 29;
  const bool swap = (j & 2) != 0;
  x = std::fma(y, -0.78515625f, x);
  x = std::fma(y, -2.4187564849853515625e-4f, x);
  x = std::fma(y, -3.77489497744594108e-8f, x);
  const float z = x * x;
  float c = 2.443315711809948e-5f;
  c = std::fma(c, z, -1.388731625493765e-3f);
  c = std::fma(c, z, 4.166664568298827e-2f);
  c = c * z;
  c = std::fma(c, z, -(z * 0.5f));
  c = c + 1.0f;
  float s = -1.9515295891e-4f;
  s = std::fma(s, z, 8.3321608736e-3f);
  s = std::fma(s, z, -1.6666654611e-1f);
  s = s * z;
  s = std::fma(s, x, x);
  const float sin_v = swap ? c : s, cos_v = swap ? s : c;
  sin_out = from_bits(bits(sin_v) ^ sin_sign);
  cos_out = from_bits(bits(cos_v) ^ cos_sign);
}

CGRAD_ALWAYS_INLINE void transform16(float* d, float mean, float std) {
  const float two_pi = static_cast<float>(2.0 * M_PI);
  for (int j = 0; j < 8; ++j) {
    const float radius = std::sqrt(-2.0f * cephes_logf(1.0f - d[j]));
    float s, c;
    cephes_sincosf(two_pi * d[j + 8], s, c);
    d[j] = std::fma(radius * c, std, mean);
    d[j + 8] = std::fma(radius * s, std, mean);
  }
}

void transform16(double* d, double mean, double std) {
  for (int j = 0; j < 8; ++j) {
    const double radius = std::sqrt(-2.0 * std::log(1.0 - d[j]));
    const double theta = 2.0 * M_PI * d[j + 8];
    d[j] = std::fma(radius * std::cos(theta), std, mean);
    d[j + 8] = std::fma(radius * std::sin(theta), std, mean);
  }
}

// The same steps as cephes_logf, cephes_sincosf and transform16 on 8 lanes at once
// (same operations, same fusions: bit-identical results).
#define AVX2 __attribute__((target("avx2,fma"), always_inline)) inline
AVX2 __m256 splat(float v) { return _mm256_set1_ps(v); }
AVX2 __m256 logf8(__m256 x) {
  x = _mm256_max_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x00800000)));
  const __m256i exponent = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(x), 23),
                                            _mm256_set1_epi32(0x7f));
  x = _mm256_or_ps(_mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(~0x7f800000))), splat(0.5f));
  __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(exponent), splat(1.0f));
  const __m256 small = _mm256_cmp_ps(x, splat(0.707106781186547524f), _CMP_LT_OQ);
  e = _mm256_sub_ps(e, _mm256_and_ps(small, splat(1.0f)));
  x = _mm256_add_ps(_mm256_sub_ps(x, splat(1.0f)), _mm256_and_ps(small, x));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = splat(7.0376836292e-2f);
  for (float c : {-1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f,
                  -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f})
    y = _mm256_fmadd_ps(y, x, splat(c));
  y = _mm256_mul_ps(y, x);
  y = _mm256_fmadd_ps(y, z, _mm256_mul_ps(e, splat(-2.12194440e-4f)));
  y = _mm256_sub_ps(y, _mm256_mul_ps(z, splat(0.5f)));
  x = _mm256_add_ps(x, y);
  return _mm256_add_ps(x, _mm256_mul_ps(e, splat(0.693359375f)));
}
AVX2 void sincosf8(__m256 x, __m256& sin_out, __m256& cos_out) {
  __m256i j = _mm256_cvttps_epi32(_mm256_mul_ps(x, splat(1.27323954473516f)));
  j = _mm256_and_si256(_mm256_add_epi32(j, _mm256_set1_epi32(1)), _mm256_set1_epi32(~1));
  const __m256 y = _mm256_cvtepi32_ps(j);
  const __m256 sin_sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(j, _mm256_set1_epi32(4)), 29));
  const __m256 cos_sign = _mm256_castsi256_ps(_mm256_slli_epi32(
      _mm256_andnot_si256(_mm256_sub_epi32(j, _mm256_set1_epi32(2)), _mm256_set1_epi32(4)), 29));
  const __m256 swap = _mm256_castsi256_ps(
      _mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)), _mm256_set1_epi32(2)));
  x = _mm256_fmadd_ps(y, splat(-0.78515625f), x);
  x = _mm256_fmadd_ps(y, splat(-2.4187564849853515625e-4f), x);
  x = _mm256_fmadd_ps(y, splat(-3.77489497744594108e-8f), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 c = splat(2.443315711809948e-5f);
  c = _mm256_fmadd_ps(c, z, splat(-1.388731625493765e-3f));
  c = _mm256_fmadd_ps(c, z, splat(4.166664568298827e-2f));
  c = _mm256_mul_ps(c, z);
  c = _mm256_fmadd_ps(c, z, _mm256_xor_ps(_mm256_mul_ps(z, splat(0.5f)), splat(-0.0f)));
  c = _mm256_add_ps(c, splat(1.0f));
  __m256 s = splat(-1.9515295891e-4f);
  s = _mm256_fmadd_ps(s, z, splat(8.3321608736e-3f));
  s = _mm256_fmadd_ps(s, z, splat(-1.6666654611e-1f));
  s = _mm256_mul_ps(s, z);
  s = _mm256_fmadd_ps(s, x, x);
  sin_out = _mm256_xor_ps(_mm256_blendv_ps(s, c, swap), sin_sign);
  cos_out = _mm256_xor_ps(_mm256_blendv_ps(c, s, swap), cos_sign);
}

// Every whole block of 16 floats, with hardware FMA or without.
__attribute__((target("avx2,fma"))) void transform_blocks_fma(float* d, int64_t n, float mean, float std) {
  const __m256 mean8 = _mm256_set1_ps(mean), std8 = _mm256_set1_ps(std);
  const __m256 two_pi = _mm256_set1_ps(static_cast<float>(2.0 * M_PI));
  for (int64_t i = 0; i + 16 <= n; i += 16) {
    const __m256 u1 = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_loadu_ps(d + i));
    const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), logf8(u1)));
    __m256 s, c;
    sincosf8(_mm256_mul_ps(two_pi, _mm256_loadu_ps(d + i + 8)), s, c);
    _mm256_storeu_ps(d + i, _mm256_fmadd_ps(_mm256_mul_ps(radius, c), std8, mean8));
    _mm256_storeu_ps(d + i + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, s), std8, mean8));
  }
}
void transform_blocks_plain(float* d, int64_t n, float mean, float std) {
  for (int64_t i = 0; i + 16 <= n; i += 16) transform16(d + i, mean, std);
}
void transform_blocks(float* d, int64_t n, float mean, float std) {
  static const bool fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  (fma ? transform_blocks_fma : transform_blocks_plain)(d, n, mean, std);
}
void transform_blocks(double* d, int64_t n, double mean, double std) {
  for (int64_t i = 0; i + 16 <= n; i += 16) transform16(d + i, mean, std);
}

template <class T> T uniform01(RandomState& s) {
  if constexpr (std::is_same_v<T, float>) return s.uniform_float();
  else return s.uniform_double();
}

template <class T> void fill_blocks(RandomState& s, T* out, int64_t n, T mean, T std) {
  for (int64_t i = 0; i < n; ++i) out[i] = uniform01<T>(s);
  transform_blocks(out, n, mean, std);
  if (n % 16 != 0) {
    T* tail = out + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = uniform01<T>(s);
    transform_blocks(tail, 16, mean, std);
  }
}

}  // namespace

void normal_fill_blocks(RandomState& s, float* out, int64_t n, float mean, float std) {
  fill_blocks(s, out, n, mean, std);
}
void normal_fill_blocks(RandomState& s, double* out, int64_t n, double mean, double std) {
  fill_blocks(s, out, n, mean, std);
}

void normal_fill_blocks_16bit(RandomState& s, float* out, int64_t n, float mean, float std) {
  const int64_t whole = n - n % 16;
  for (int64_t i = 0; i < whole; ++i) out[i] = s.uniform_float();
  transform_blocks(out, whole, mean, std);
  if (whole != n) {
    float* tail = out + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = s.uniform_float();
    transform_blocks(tail, 16, mean, std);
  }
}

}  // namespace cgrad::kernels
