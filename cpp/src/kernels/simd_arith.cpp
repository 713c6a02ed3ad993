// AVX2 loops for kernels/simd_arith.h (Note [Wide arithmetic]).
#include "kernels/simd_arith.h"

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <type_traits>

#include "cgrad/cpu_features.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CGRAD_SIMD_ARITH_X86 1
#endif

namespace cgrad::kernels {

#ifdef CGRAD_SIMD_ARITH_X86
namespace {

#pragma GCC push_options
#pragma GCC target("avx2")

struct F32 {
  using T = float;
  using V = __m256;
  static constexpr int64_t kLanes = 8;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V splat(float v) { return _mm256_set1_ps(v); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void stream(float* p, V v) { _mm256_stream_ps(p, v); }
  static V add(V x, V y) { return _mm256_add_ps(x, y); }
  static V sub(V x, V y) { return _mm256_sub_ps(x, y); }
  static V mul(V x, V y) { return _mm256_mul_ps(x, y); }
  static V div(V x, V y) { return _mm256_div_ps(x, y); }
};

struct F64 {
  using T = double;
  using V = __m256d;
  static constexpr int64_t kLanes = 4;
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static V splat(double v) { return _mm256_set1_pd(v); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static void stream(double* p, V v) { _mm256_stream_pd(p, v); }
  static V add(V x, V y) { return _mm256_add_pd(x, y); }
  static V sub(V x, V y) { return _mm256_sub_pd(x, y); }
  static V mul(V x, V y) { return _mm256_mul_pd(x, y); }
  static V div(V x, V y) { return _mm256_div_pd(x, y); }
};

template <BinaryOp OP, class S> inline typename S::V vec_op(typename S::V x, typename S::V y) {
  if constexpr (OP == BinaryOp::Add) return S::add(x, y);
  else if constexpr (OP == BinaryOp::Sub) return S::sub(x, y);
  else if constexpr (OP == BinaryOp::Mul) return S::mul(x, y);
  else return S::div(x, y);
}

template <BinaryOp OP, class T> inline T scalar_op(T x, T y) {
  if constexpr (OP == BinaryOp::Add) return x + y;
  else if constexpr (OP == BinaryOp::Sub) return x - y;
  else if constexpr (OP == BinaryOp::Mul) return x * y;
  else return x / y;
}

// The steps are template arguments so each of the three shapes is its own tight loop.
template <BinaryOp OP, class S, int64_t SA, int64_t SB, bool STREAM>
void loop(const typename S::T* a, const typename S::T* b, typename S::T* y, int64_t n) {
  using T = typename S::T;
  int64_t i = 0;
  if constexpr (STREAM)  // non-temporal stores need a 32-byte-aligned destination
    for (; i < n && reinterpret_cast<uintptr_t>(y + i) % 32 != 0; ++i)
      y[i] = scalar_op<OP, T>(a[SA * i], b[SB * i]);
  const typename S::V va = S::splat(SA ? T(0) : a[0]), vb = S::splat(SB ? T(0) : b[0]);
  for (; i + S::kLanes <= n; i += S::kLanes) {
    const typename S::V r = vec_op<OP, S>(SA ? S::load(a + i) : va, SB ? S::load(b + i) : vb);
    if constexpr (STREAM) S::stream(y + i, r);
    else S::store(y + i, r);
  }
  for (; i < n; ++i) y[i] = scalar_op<OP, T>(a[SA * i], b[SB * i]);
}

template <BinaryOp OP, class S, bool STREAM>
void shaped(const typename S::T* a, int64_t sa, const typename S::T* b, int64_t sb,
            typename S::T* y, int64_t n) {
  if (sa && sb) loop<OP, S, 1, 1, STREAM>(a, b, y, n);
  else if (sa) loop<OP, S, 1, 0, STREAM>(a, b, y, n);
  else if (sb) loop<OP, S, 0, 1, STREAM>(a, b, y, n);
  else loop<OP, S, 0, 0, STREAM>(a, b, y, n);
}

template <class S>
void run(BinaryOp op, const typename S::T* a, int64_t sa, const typename S::T* b, int64_t sb,
         typename S::T* y, int64_t n, bool stream) {
  auto go = [&](auto op_tag) {
    constexpr BinaryOp OP = decltype(op_tag)::value;
    if (stream) shaped<OP, S, true>(a, sa, b, sb, y, n);
    else shaped<OP, S, false>(a, sa, b, sb, y, n);
  };
  switch (op) {
    case BinaryOp::Add: return go(std::integral_constant<BinaryOp, BinaryOp::Add>{});
    case BinaryOp::Sub: return go(std::integral_constant<BinaryOp, BinaryOp::Sub>{});
    case BinaryOp::Mul: return go(std::integral_constant<BinaryOp, BinaryOp::Mul>{});
    case BinaryOp::Div: return go(std::integral_constant<BinaryOp, BinaryOp::Div>{});
    default: throw std::logic_error("simd_arith: only + - * / have wide loops");
  }
}

#pragma GCC pop_options

// Note [One CPU feature check]: these loops need AVX2 only, which Isa::Avx2 implies.
bool has_avx2() { return cpu::active_isa() >= cpu::Isa::Avx2; }

}  // namespace

bool simd_arith(BinaryOp op, const float* a, int64_t a_step, const float* b, int64_t b_step,
                float* y, int64_t n, bool stream) {
  if (!has_avx2()) return false;
  run<F32>(op, a, a_step, b, b_step, y, n, stream);
  return true;
}

bool simd_arith(BinaryOp op, const double* a, int64_t a_step, const double* b, int64_t b_step,
                double* y, int64_t n, bool stream) {
  if (!has_avx2()) return false;
  run<F64>(op, a, a_step, b, b_step, y, n, stream);
  return true;
}

void stream_fence() { _mm_sfence(); }

#else

bool simd_arith(BinaryOp, const float*, int64_t, const float*, int64_t, float*, int64_t, bool) {
  return false;
}
bool simd_arith(BinaryOp, const double*, int64_t, const double*, int64_t, double*, int64_t, bool) {
  return false;
}

void stream_fence() { std::atomic_thread_fence(std::memory_order_release); }

#endif

}  // namespace cgrad::kernels
