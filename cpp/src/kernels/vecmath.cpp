// Vectorized exp, expm1, log, log1p, tanh, sigmoid, sin, cos and erf for float32.
//
// Note [Vector math dispatch]: the algorithms (vecmath_simd.inc) are written once against
// a small struct of vector operations and compiled twice, for AVX-512 and for AVX2+FMA,
// inside `#pragma GCC target` regions, so the library itself is built for baseline
// x86-64 (no -march=native). Each call takes the set that cpu::active_isa() names
// (Note [One CPU feature check]); without AVX2+FMA, and for float64, each element goes
// to libm. Both vector paths perform the same operations lane by lane with
// explicit FMAs, so AVX2 and AVX-512 give bit-identical results, except for tanh, which
// AVX-512 computes from a table (Note [Table tanh]).
//
// Note [Vector math accuracy]: each function reduces its argument exactly or with one
// rounding (Cody-Waite splits of ln2 and pi/2), evaluates a minimax polynomial fitted
// by tools/fit_vecmath.py, and rebuilds the result with one or two roundings; special
// values (NaN, +-inf, +-0, denormals, overflow and underflow) are fixed up to match
// libm and torch. The bound stated at each function (vecmath_simd.inc) is the maximum
// error over every float32 input, measured against libm's float64 result by
// tools/vecmath_ulp.cpp; tests/test_vecmath.py checks the same bounds on a sweep.
#include "kernels/vecmath.h"

#include "cgrad/cpu_features.h"
#include "kernels/vecmath_tanh_table.h"

#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CGRAD_VECMATH_X86 1
#endif

namespace cgrad::vecmath {
namespace {

// ---- libm, element by element (no AVX2, float64, and far sin/cos lanes) ----

template <class T> inline T scalar_eval(Func f, T x) {
  switch (f) {
    case Func::Exp: return std::exp(x);
    case Func::Expm1: return std::expm1(x);
    case Func::Log: return std::log(x);
    case Func::Log1p: return std::log1p(x);
    case Func::Tanh: return std::tanh(x);
    case Func::Sigmoid: {
      const T e = std::exp(-std::fabs(x));  // as the vector code: no overflow
      return (x < T(0) ? e : T(1)) / (T(1) + e);
    }
    case Func::Sin: return std::sin(x);
    case Func::Cos: return std::cos(x);
    case Func::Erf: return std::erf(x);
  }
  return x;
}

template <class T> void scalar_apply(Func f, const T* x, T* y, int64_t n) {
  switch (f) {  // one loop per function, so the switch is not inside the loop
#define CGRAD_SCALAR_CASE(FN) \
  case Func::FN:              \
    for (int64_t i = 0; i < n; ++i) y[i] = scalar_eval(Func::FN, x[i]); \
    return;
    CGRAD_SCALAR_CASE(Exp)
    CGRAD_SCALAR_CASE(Expm1)
    CGRAD_SCALAR_CASE(Log)
    CGRAD_SCALAR_CASE(Log1p)
    CGRAD_SCALAR_CASE(Tanh)
    CGRAD_SCALAR_CASE(Sigmoid)
    CGRAD_SCALAR_CASE(Sin)
    CGRAD_SCALAR_CASE(Cos)
    CGRAD_SCALAR_CASE(Erf)
#undef CGRAD_SCALAR_CASE
  }
}

template <class T> T scalar_max_value(const T* x, int64_t n) {
  T m[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int j = 0; j < 4; ++j) m[j] = x[i + j] > m[j] ? x[i + j] : m[j];
  for (; i < n; ++i) m[0] = x[i] > m[0] ? x[i] : m[0];
  for (int j = 1; j < 4; ++j) m[0] = m[j] > m[0] ? m[j] : m[0];
  return m[0];
}

template <class T> double scalar_exp_shifted_sum(const T* x, T* y, int64_t n, T shift) {
  double acc[4] = {0, 0, 0, 0};  // four chains: the adds are not latency-bound
  for (int64_t i = 0; i < n; ++i) {
    const T e = std::exp(x[i] - shift);
    if (y) y[i] = e;
    acc[i & 3] += e;
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

}  // namespace

#ifdef CGRAD_VECMATH_X86
// Everything below is internal to this file, so vector arguments never cross an ABI
// boundary (-Wpsabi); GCC 12 flags its own _mm512_undefined_ps (-Wmaybe-uninitialized).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// ---- AVX2 + FMA: 8 lanes, masks are all-ones lanes of a float vector ----
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
struct S {
  using F = __m256;
  using I = __m256i;
  using M = __m256;
  static constexpr int kLanes = 8;
  static constexpr bool kHasLookup32 = false;  // a 32-entry permute takes AVX-512
  static F set(float v) { return _mm256_set1_ps(v); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }  // c - a b
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F abs(F a) { return _mm256_andnot_ps(set(-0.0f), a); }
  static F neg(F a) { return _mm256_xor_ps(set(-0.0f), a); }
  // y with the sign of x, for y >= 0.
  static F copysign(F y, F x) { return _mm256_or_ps(y, _mm256_and_ps(x, set(-0.0f))); }
  static F round(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static I to_int(F a) { return _mm256_cvttps_epi32(a); }
  static F to_float(I a) { return _mm256_cvtepi32_ps(a); }
  static I as_int(F a) { return _mm256_castps_si256(a); }
  static F as_float(I a) { return _mm256_castsi256_ps(a); }
  static I iset(int v) { return _mm256_set1_epi32(v); }
  static I iadd(I a, I b) { return _mm256_add_epi32(a, b); }
  static I isub(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I sra23(I a) { return _mm256_srai_epi32(a, 23); }
  static I shl23(I a) { return _mm256_slli_epi32(a, 23); }
  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M not_le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_NLE_UQ); }  // NaN: true
  static M isnan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static M m_and(M a, M b) { return _mm256_and_ps(a, b); }
  static M m_not(M a) { return _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1))); }
  static unsigned mask_bits(M m) { return static_cast<unsigned>(_mm256_movemask_ps(m)); }
  static bool any(M m) { return mask_bits(m) != 0; }
  static bool all(M m) { return mask_bits(m) == 0xffu; }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
  static M odd(I q) {
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(q, iset(1)), iset(1)));
  }
  static F flip_sign_if_bit1(F y, I q) {
    return _mm256_xor_ps(y, as_float(_mm256_slli_epi32(_mm256_and_si256(q, iset(2)), 30)));
  }
  // 2^n for integral n in [-126, 127].
  static F pow2(F n) { return as_float(shl23(iadd(to_int(n), iset(127)))); }
  // x * 2^n for integral n in [-150, 150], rounded once: 2^n = 2^(n/2) 2^(n - n/2), both
  // normal, and x * 2^(n/2) is exact for the x in [0.7, 1.5] that exp passes.
  static F ldexp(F x, F n) {
    I ni = to_int(n);
    I half = _mm256_srai_epi32(ni, 1);
    F a = as_float(shl23(iadd(half, iset(127))));
    F b = as_float(shl23(iadd(isub(ni, half), iset(127))));
    return mul(mul(x, a), b);
  }
  struct Sum {
    __m256d lo, hi;
    Sum() : lo(_mm256_setzero_pd()), hi(_mm256_setzero_pd()) {}  // (implicit ones lack the target)
    void add(F v) {
      lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
      hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    double total() const {
      alignas(32) double t[8];
      _mm256_store_pd(t, lo);
      _mm256_store_pd(t + 4, hi);
      return ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]));
    }
  };
};
#include "kernels/vecmath_simd.inc"
}  // namespace avx2
#pragma GCC pop_options

// ---- AVX-512 (F, DQ, VL, BW): 16 lanes, masks are __mmask16 ----
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw")
namespace avx512 {
struct S {
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static constexpr int kLanes = 16;
  static constexpr bool kHasLookup32 = true;
  // table[k & 31] per lane; the table's two loads are hoisted out of the callers' loops.
  static F lookup32(const float* table, I k) {
    return _mm512_permutex2var_ps(_mm512_loadu_ps(table), k, _mm512_loadu_ps(table + 16));
  }
  static I srl20(I a) { return _mm512_srli_epi32(a, 20); }
  static F set(float v) { return _mm512_set1_ps(v); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a b
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F abs(F a) { return _mm512_andnot_ps(set(-0.0f), a); }
  static F neg(F a) { return _mm512_xor_ps(set(-0.0f), a); }
  static F copysign(F y, F x) { return _mm512_or_ps(y, _mm512_and_ps(x, set(-0.0f))); }
  static F round(F a) {
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static I to_int(F a) { return _mm512_cvttps_epi32(a); }
  static F to_float(I a) { return _mm512_cvtepi32_ps(a); }
  static I as_int(F a) { return _mm512_castps_si512(a); }
  static F as_float(I a) { return _mm512_castsi512_ps(a); }
  static I iset(int v) { return _mm512_set1_epi32(v); }
  static I iadd(I a, I b) { return _mm512_add_epi32(a, b); }
  static I isub(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I sra23(I a) { return _mm512_srai_epi32(a, 23); }
  static I shl23(I a) { return _mm512_slli_epi32(a, 23); }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M not_le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_NLE_UQ); }
  static M isnan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static M m_and(M a, M b) { return static_cast<M>(a & b); }
  static M m_not(M a) { return static_cast<M>(~a); }
  static unsigned mask_bits(M m) { return m; }
  static bool any(M m) { return m != 0; }
  static bool all(M m) { return m == 0xffffu; }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
  static M odd(I q) { return _mm512_test_epi32_mask(q, iset(1)); }
  static F flip_sign_if_bit1(F y, I q) {
    return _mm512_xor_ps(y, as_float(_mm512_slli_epi32(_mm512_and_si512(q, iset(2)), 30)));
  }
  static F pow2(F n) { return _mm512_scalef_ps(set(1.0f), n); }
  // x * 2^n in one instruction, rounding once (overflow to inf, gradual underflow).
  static F ldexp(F x, F n) { return _mm512_scalef_ps(x, n); }
  struct Sum {
    __m512d lo, hi;
    Sum() : lo(_mm512_setzero_pd()), hi(_mm512_setzero_pd()) {}
    void add(F v) {
      lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
      hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
    }
    double total() const {
      alignas(64) double t[16];
      _mm512_store_pd(t, lo);
      _mm512_store_pd(t + 8, hi);
      double s = 0.0;
      for (int i = 0; i < 8; ++i) s += t[i] + t[i + 8];
      return s;
    }
  };
};
#include "kernels/vecmath_simd.inc"
}  // namespace avx512
#pragma GCC pop_options
#pragma GCC diagnostic pop

#endif  // CGRAD_VECMATH_X86

namespace {

struct Table {
  void (*apply_f32)(Func, const float*, float*, int64_t);
  double (*exp_shifted_sum_f32)(const float*, float*, int64_t, float);
  float (*max_value_f32)(const float*, int64_t);
};

// Indexed by cpu::Isa (Note [One CPU feature check]); constant-initialized.
using Isa = cpu::Isa;
constexpr Table kScalarTable{scalar_apply<float>, scalar_exp_shifted_sum<float>,
                             scalar_max_value<float>};
#ifdef CGRAD_VECMATH_X86
constexpr Table kTables[] = {
    kScalarTable,
    {avx2::apply_f32, avx2::exp_shifted_sum_f32, avx2::max_value_f32},
    {avx512::apply_f32, avx512::exp_shifted_sum_f32, avx512::max_value_f32}};
#else
constexpr Table kTables[] = {kScalarTable, kScalarTable, kScalarTable};
#endif
static_assert(static_cast<int>(Isa::Avx512) == 2, "kTables has one row per cpu::Isa");

const Table& table() { return kTables[static_cast<int>(cpu::active_isa())]; }

}  // namespace

void apply(Func f, const float* x, float* y, int64_t n) { table().apply_f32(f, x, y, n); }
void apply(Func f, const double* x, double* y, int64_t n) { scalar_apply<double>(f, x, y, n); }

double exp_shifted_sum(const float* x, float* y, int64_t n, float shift) {
  return table().exp_shifted_sum_f32(x, y, n, shift);
}
double exp_shifted_sum(const double* x, double* y, int64_t n, double shift) {
  return scalar_exp_shifted_sum<double>(x, y, n, shift);
}

float max_value(const float* x, int64_t n) { return table().max_value_f32(x, n); }
double max_value(const double* x, int64_t n) { return scalar_max_value<double>(x, n); }

}  // namespace cgrad::vecmath
