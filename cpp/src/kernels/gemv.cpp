// gemv: the matrix-vector products gemm hands over (a C of one row or one column).
//
// Note [gemv]: an element of y is either a dot product along a contiguous row of the
// matrix (gemv_rows) or a sum of columns scaled by x (gemv_columns, one axpy per term).
// The columns form adds each element's terms in k order with vectors across elements,
// so it keeps the rounding torch's BLAS has there (Note [Small gemm accumulation]) at
// full speed. The rows form in k order is a chain of dependent adds per element; eight
// rows advance together so the chains overlap, which is fast enough up to 256 terms
// and gemm's small-product size, where that rounding is copied. Longer ones (Fast) add
// partial sums along k in vectors, as every BLAS does: torch's own order there is its
// BLAS's and is not copied. Measured at 1 thread, us per product through Python,
// float32 (one element's chain at a time, as gemm_small ran them -> these kernels;
// torch 2.13 in the same session):
// W @ v 1024^2 4273 -> 63 (83); (1 x 1024) @ W.t() 4956 -> 63 (85); W.t() @ v 4689 ->
// 81 (95); 256^2 265 -> 5.1-5.4 (7.4); dot of 10^6 3893 -> 112 (110-118).
// Every element is computed by the same code wherever a thread's share begins, so the
// results do not depend on the thread count (Note [Threads and determinism]).
#include "kernels/gemv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cgrad/cpu_features.h"
#include "cgrad/parallel.h"
#include "kernels/unfused.h"

namespace cgrad::kernels {
namespace {

// Multiply-adds worth a thread: about 10 us of streaming the matrix.
constexpr int64_t kGemvGrain = 1 << 16;

template <class T, int W> struct Lanes {
  typedef T Vec __attribute__((vector_size(W * sizeof(T))));
};

// acc + a * b, fused (std::fma, one instruction where the caller's target has FMA) or
// with the product rounded first.
template <bool FUSED, class T>
inline __attribute__((always_inline)) T add_term(T acc, T a, T b) {
  if constexpr (FUSED) {
    return std::fma(a, b, acc);
  } else {
    T term = a * b;
    round_here(term);
    return acc + term;
  }
}

// s[i] = sum over p in k order of a[p * lda + i] * x[p * incx], i < m: eight vectors of
// elements at a time, then one vector, then single elements, each the same k-order chain.
template <class T, int W, bool FUSED>
inline __attribute__((always_inline)) void columns_body(int64_t m, int64_t k, const T* a,
                                                        int64_t lda, const T* x, int64_t incx,
                                                        T* s) {
  using V = typename Lanes<T, W>::Vec;
  constexpr int kVectors = 8;
  int64_t i = 0;
  for (; i + kVectors * W <= m; i += kVectors * W) {
    V acc[kVectors] = {};
    for (int64_t p = 0; p < k; ++p) {
      const T xp = x[p * incx];
      const T* column = a + p * lda + i;
      for (int v = 0; v < kVectors; ++v) {
        V av;
        std::memcpy(&av, column + v * W, sizeof(V));
        V term = av * xp;
        if constexpr (!FUSED) round_here(term);
        acc[v] += term;
      }
    }
    std::memcpy(s + i, acc, sizeof(acc));
  }
  for (; i + W <= m; i += W) {
    V acc = {};
    for (int64_t p = 0; p < k; ++p) {
      V av;
      std::memcpy(&av, a + p * lda + i, sizeof(V));
      V term = av * x[p * incx];
      if constexpr (!FUSED) round_here(term);
      acc += term;
    }
    std::memcpy(s + i, &acc, sizeof(V));
  }
  for (; i < m; ++i) {
    T acc = T(0);
    for (int64_t p = 0; p < k; ++p) acc = add_term<FUSED>(acc, a[p * lda + i], x[p * incx]);
    s[i] = acc;
  }
}

// s[i] = sum over p in k order of a[i * lda + p] * x[p], i < m: eight rows' chains at a
// time, so eight independent adds are in flight.
template <class T, bool FUSED>
inline __attribute__((always_inline)) void rows_in_order_body(int64_t m, int64_t k, const T* a,
                                                              int64_t lda, const T* x, T* s) {
  constexpr int kRows = 8;
  int64_t i = 0;
  for (; i + kRows <= m; i += kRows) {
    T acc[kRows] = {};
    for (int64_t p = 0; p < k; ++p) {
      const T xp = x[p];
      for (int r = 0; r < kRows; ++r) acc[r] = add_term<FUSED>(acc[r], a[(i + r) * lda + p], xp);
    }
    for (int r = 0; r < kRows; ++r) s[i + r] = acc[r];
  }
  for (; i < m; ++i) {
    T acc = T(0);
    for (int64_t p = 0; p < k; ++p) acc = add_term<FUSED>(acc, a[i * lda + p], x[p]);
    s[i] = acc;
  }
}

// s[r] for R rows from a (row stride lda) and a contiguous x: two vector partial sums per
// row over whole steps of 2W, added lane-wise, the lanes then halved pairwise down to one,
// and the last k mod 2W terms added in k order. The same steps for every row, whether it
// comes in a group of four or alone.
template <class T, int W, int R, bool FUSED>
inline __attribute__((always_inline)) void rows_fast_group(int64_t k, const T* a, int64_t lda,
                                                           const T* x, T* s) {
  using V = typename Lanes<T, W>::Vec;
  V acc[R][2] = {};
  int64_t p = 0;
  for (; p + 2 * W <= k; p += 2 * W) {
    V x0, x1;
    std::memcpy(&x0, x + p, sizeof(V));
    std::memcpy(&x1, x + p + W, sizeof(V));
    for (int r = 0; r < R; ++r) {
      V a0, a1;
      std::memcpy(&a0, a + r * lda + p, sizeof(V));
      std::memcpy(&a1, a + r * lda + p + W, sizeof(V));
      V t0 = a0 * x0, t1 = a1 * x1;
      if constexpr (!FUSED) {
        round_here(t0);
        round_here(t1);
      }
      acc[r][0] += t0;
      acc[r][1] += t1;
    }
  }
  for (int r = 0; r < R; ++r) {
    T lanes[W];
    const V both = acc[r][0] + acc[r][1];
    std::memcpy(lanes, &both, sizeof(V));
    for (int half = W / 2; half >= 1; half /= 2)
      for (int l = 0; l < half; ++l) lanes[l] += lanes[l + half];
    T sum = lanes[0];
    for (int64_t q = p; q < k; ++q) sum = add_term<FUSED>(sum, a[r * lda + q], x[q]);
    s[r] = sum;
  }
}

template <class T, int W, bool FUSED>
inline __attribute__((always_inline)) void rows_fast_body(int64_t m, int64_t k, const T* a,
                                                          int64_t lda, const T* x, T* s) {
  int64_t i = 0;
  for (; i + 4 <= m; i += 4) rows_fast_group<T, W, 4, FUSED>(k, a + i * lda, lda, x, s + i);
  for (; i < m; ++i) rows_fast_group<T, W, 1, FUSED>(k, a + i * lda, lda, x, s + i);
}

// The kernels of one instruction set and element type.
template <class T> struct GemvKernels {
  void (*columns[2])(int64_t, int64_t, const T*, int64_t, const T*, int64_t, T*);  // [fused]
  void (*rows_in_order[2])(int64_t, int64_t, const T*, int64_t, const T*, T*);     // [fused]
  void (*rows_fast[2])(int64_t, int64_t, const T*, int64_t, const T*, T*);      // [fused]
};

#define CGRAD_GEMV_KERNELS(ATTRIBUTES, SUFFIX, T, W)                                          \
  ATTRIBUTES void columns_##SUFFIX(int64_t m, int64_t k, const T* a, int64_t lda, const T* x, \
                                   int64_t incx, T* s) {                                      \
    columns_body<T, W, true>(m, k, a, lda, x, incx, s);                                       \
  }                                                                                           \
  ATTRIBUTES void columns_unfused_##SUFFIX(int64_t m, int64_t k, const T* a, int64_t lda,     \
                                           const T* x, int64_t incx, T* s) {                  \
    columns_body<T, W, false>(m, k, a, lda, x, incx, s);                                      \
  }                                                                                           \
  ATTRIBUTES void rows_in_order_##SUFFIX(int64_t m, int64_t k, const T* a, int64_t lda,       \
                                         const T* x, T* s) {                                  \
    rows_in_order_body<T, true>(m, k, a, lda, x, s);                                          \
  }                                                                                           \
  ATTRIBUTES void rows_in_order_unfused_##SUFFIX(int64_t m, int64_t k, const T* a,            \
                                                 int64_t lda, const T* x, T* s) {             \
    rows_in_order_body<T, false>(m, k, a, lda, x, s);                                         \
  }                                                                                           \
  ATTRIBUTES void rows_fast_##SUFFIX(int64_t m, int64_t k, const T* a, int64_t lda,           \
                                     const T* x, T* s) {                                      \
    rows_fast_body<T, W, true>(m, k, a, lda, x, s);                                           \
  }                                                                                           \
  ATTRIBUTES void rows_fast_unfused_##SUFFIX(int64_t m, int64_t k, const T* a, int64_t lda,   \
                                             const T* x, T* s) {                              \
    rows_fast_body<T, W, false>(m, k, a, lda, x, s);                                          \
  }                                                                                           \
  constexpr GemvKernels<T> kGemv_##SUFFIX = {                                                 \
      {&columns_unfused_##SUFFIX, &columns_##SUFFIX},                                         \
      {&rows_in_order_unfused_##SUFFIX, &rows_in_order_##SUFFIX},                             \
      {&rows_fast_unfused_##SUFFIX, &rows_fast_##SUFFIX}};

CGRAD_GEMV_KERNELS(, baseline_f, float, 4)
CGRAD_GEMV_KERNELS(, baseline_d, double, 2)
#if defined(__x86_64__) && defined(__GNUC__)
#define CGRAD_GEMV_X86 1
CGRAD_GEMV_KERNELS(__attribute__((target("avx2,fma"))), avx2_f, float, 8)
CGRAD_GEMV_KERNELS(__attribute__((target("avx2,fma"))), avx2_d, double, 4)
CGRAD_GEMV_KERNELS(__attribute__((target("avx512f,avx512vl,avx2,fma"))), avx512_f, float, 16)
CGRAD_GEMV_KERNELS(__attribute__((target("avx512f,avx512vl,avx2,fma"))), avx512_d, double, 8)
#endif
#undef CGRAD_GEMV_KERNELS

template <class T> const GemvKernels<T>& kernels_for_active_isa() {
  constexpr bool is_float = std::is_same_v<T, float>;
  const auto pick = [](const auto& f, const auto& d) -> const GemvKernels<T>& {
    if constexpr (is_float) return f; else return d;
  };
#ifdef CGRAD_GEMV_X86
  switch (cpu::active_isa()) {  // Note [One CPU feature check]
    case cpu::Isa::Avx512: return pick(kGemv_avx512_f, kGemv_avx512_d);
    case cpu::Isa::Avx2: return pick(kGemv_avx2_f, kGemv_avx2_d);
    default: break;
  }
#endif
  return pick(kGemv_baseline_f, kGemv_baseline_d);
}

// y = alpha * s + beta * y, each product rounded, as gemm's epilogues.
template <class T>
void store(int64_t m, const T* s, T alpha, T beta, T* y, int64_t incy) {
  for (int64_t i = 0; i < m; ++i) {
    T& yi = y[i * incy];
    yi = beta == T(0) ? alpha * s[i] : alpha * s[i] + beta * yi;
  }
}

template <class T> T* sums_buffer(int64_t m) {
  thread_local std::vector<T> sums;
  sums.resize(static_cast<size_t>(m));
  return sums.data();
}

}  // namespace

template <class T>
void gemv_rows(int64_t m, int64_t k, T alpha, const T* a, int64_t lda, const T* x, int64_t incx,
               T beta, T* y, int64_t incy, GemvOrder order) {
  thread_local std::vector<T> contiguous_x;
  if (incx != 1) {
    contiguous_x.resize(static_cast<size_t>(k));
    for (int64_t p = 0; p < k; ++p) contiguous_x[p] = x[p * incx];
    x = contiguous_x.data();
  }
  const GemvKernels<T>& kernels = kernels_for_active_isa<T>();
  const bool fused = order == GemvOrder::Fused || order == GemvOrder::Fast;
  const auto kernel = order == GemvOrder::Fast || order == GemvOrder::FastUnfused
                          ? kernels.rows_fast[fused]
                          : kernels.rows_in_order[fused];
  T* s = sums_buffer<T>(m);
  parallel_for(m, std::max<int64_t>(1, kGemvGrain / std::max<int64_t>(k, 1)),
               [&](int64_t begin, int64_t end) { kernel(end - begin, k, a + begin * lda, lda, x, s + begin); },
               /*align=*/1);  // a few long rows split too
  store(m, s, alpha, beta, y, incy);
}

template <class T>
void gemv_columns(int64_t m, int64_t k, T alpha, const T* a, int64_t lda, const T* x,
                  int64_t incx, T beta, T* y, int64_t incy, GemvOrder order) {
  const auto kernel = kernels_for_active_isa<T>().columns[order == GemvOrder::Fused];
  T* s = sums_buffer<T>(m);
  parallel_for(m, std::max<int64_t>(16, kGemvGrain / std::max<int64_t>(k, 1)),
               [&](int64_t begin, int64_t end) { kernel(end - begin, k, a + begin, lda, x, incx, s + begin); });
  store(m, s, alpha, beta, y, incy);
}

template void gemv_rows<float>(int64_t, int64_t, float, const float*, int64_t, const float*,
                               int64_t, float, float*, int64_t, GemvOrder);
template void gemv_rows<double>(int64_t, int64_t, double, const double*, int64_t, const double*,
                                int64_t, double, double*, int64_t, GemvOrder);
template void gemv_columns<float>(int64_t, int64_t, float, const float*, int64_t, const float*,
                                  int64_t, float, float*, int64_t, GemvOrder);
template void gemv_columns<double>(int64_t, int64_t, double, const double*, int64_t,
                                   const double*, int64_t, double, double*, int64_t, GemvOrder);

}  // namespace cgrad::kernels
