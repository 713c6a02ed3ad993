// gemm: C = alpha * op(A) op(B) + beta * C on row-major buffers, the one entry point
// every matmul-like op calls (mm, bmm, mv, dot, addmm, matmul, linear, einsum).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/kernels.h"

namespace cgrad::kernels {
namespace {

// Note [gemm blocking]: the classic three-level blocking. B is packed a KC x NC block at
// a time into column panels NR wide, A an MC x KC block at a time into row panels MR
// tall, both zero-padded to whole panels; a micro-kernel then keeps an MR x NR tile of C
// in registers while it walks KC rank-1 updates over contiguous panel memory. Packing
// reads op(A)/op(B) through their strides, so transposed operands cost no extra copy.
// The micro-kernel is a loop nest with compile-time trip counts over GNU vector types,
// which the compiler unrolls into register-resident vector code; it is compiled once per
// instruction set (AVX-512, AVX2+FMA, baseline) and picked at run time
// (Note [Portable builds]).
template <class T, int MR_, int NR_, int W_>
struct Blocking {
  using Elem = T;
  static constexpr int MR = MR_, NR = NR_, W = W_;  // W: lanes per vector register
  typedef T Vec __attribute__((vector_size(W_ * sizeof(T))));
  static constexpr int64_t KC = 256;
  static constexpr int64_t MC = MR * (std::is_same_v<T, double> ? 16 : 24);
  static constexpr int64_t NC = 2048;
};

// Problems below this many multiply-adds skip packing: the per-call cost dominates.
constexpr int64_t kSmallWork = 32 * 32 * 32;

template <class T> struct Operand {
  const T* p;
  int64_t ld;
  bool trans;
  // Element (i, j) of op(X).
  T at(int64_t i, int64_t j) const { return trans ? p[j * ld + i] : p[i * ld + j]; }
};

// Packs rows [i0, i0 + mc) x cols [p0, p0 + kc) of op(A) into MR-row panels, p-major.
// Each loop nest reads memory in its contiguous order.
template <class B, class T>
void pack_a(const Operand<T>& a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, T* out) {
  for (int64_t ir = 0; ir < mc; ir += B::MR, out += B::MR * kc) {
    const int64_t rows = std::min<int64_t>(B::MR, mc - ir);
    if (a.trans) {  // op(A)(i, p) = a[p][i]: rows of `a` run along i
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = a.p + (p0 + p) * a.ld + i0 + ir;
        for (int64_t i = 0; i < rows; ++i) out[p * B::MR + i] = src[i];
      }
    } else {  // op(A)(i, p) = a[i][p]: rows of `a` run along p
      for (int64_t i = 0; i < rows; ++i) {
        const T* src = a.p + (i0 + ir + i) * a.ld + p0;
        for (int64_t p = 0; p < kc; ++p) out[p * B::MR + i] = src[p];
      }
    }
    for (int64_t i = rows; i < B::MR; ++i)
      for (int64_t p = 0; p < kc; ++p) out[p * B::MR + i] = T(0);
  }
}

// Packs rows [p0, p0 + kc) x cols [j0, j0 + nc) of op(B) into NR-column panels, p-major.
template <class B, class T>
void pack_b(const Operand<T>& b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, T* out) {
  for (int64_t jr = 0; jr < nc; jr += B::NR, out += B::NR * kc) {
    const int64_t cols = std::min<int64_t>(B::NR, nc - jr);
    if (b.trans) {  // op(B)(p, j) = b[j][p]: rows of `b` run along p
      for (int64_t j = 0; j < cols; ++j) {
        const T* src = b.p + (j0 + jr + j) * b.ld + p0;
        for (int64_t p = 0; p < kc; ++p) out[p * B::NR + j] = src[p];
      }
    } else {  // op(B)(p, j) = b[p][j]: rows of `b` run along j
      for (int64_t p = 0; p < kc; ++p)
        std::memcpy(out + p * B::NR, b.p + (p0 + p) * b.ld + j0 + jr, sizeof(T) * cols);
    }
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t j = cols; j < B::NR; ++j) out[p * B::NR + j] = T(0);
  }
}

// tile = sum over p of a[p, 0:MR] (outer) b[p, 0:NR]: the register-resident inner loop.
// The tile is held as MR x (NR / W) GNU vectors of W lanes, so the accumulators surely
// live in registers; the compiler lowers each vector op to the target's instructions.
template <class B, class T>
inline __attribute__((always_inline)) void micro_kernel_body(int64_t kc, const T* __restrict a,
                                                             const T* __restrict b,
                                                             T* __restrict tile) {
  constexpr int W = B::W, NV = B::NR / B::W;
  using V = typename B::Vec;
  V acc[B::MR][NV];
  for (int i = 0; i < B::MR; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = V{};
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NV];
    for (int j = 0; j < NV; ++j) std::memcpy(&bv[j], b + j * W, sizeof(V));
    for (int i = 0; i < B::MR; ++i) {
      const T ai = a[i];  // scalar * vector broadcasts the scalar
      for (int j = 0; j < NV; ++j) acc[i][j] += ai * bv[j];
    }
    a += B::MR;
    b += B::NR;
  }
  for (int i = 0; i < B::MR; ++i)
    for (int j = 0; j < NV; ++j) std::memcpy(tile + i * B::NR + j * W, &acc[i][j], sizeof(V));
}

// One compiled micro-kernel: packed A panel, packed B panel, tile out.
template <class T> using MicroKernel = void (*)(int64_t kc, const T* a, const T* b, T* tile);

template <class B>
void micro_kernel_baseline(int64_t kc, const typename B::Elem* a, const typename B::Elem* b,
                           typename B::Elem* tile) {
  micro_kernel_body<B>(kc, a, b, tile);
}

// C block (rows x cols) = first ? alpha * tile + beta * C : C + alpha * tile, where C's
// element (i, j) sits at c[i * rs + j * cs]. With beta == 0, C is not read (NaN there
// does not leak), as BLAS defines it.
template <class B, class T>
void store_tile(const T* tile, int64_t rows, int64_t cols, T alpha, T beta, bool first, T* c,
                int64_t rs, int64_t cs) {
  for (int64_t i = 0; i < rows; ++i) {
    T* ci = c + i * rs;
    const T* ti = tile + i * B::NR;
    if (!first) {
      for (int64_t j = 0; j < cols; ++j) ci[j * cs] += alpha * ti[j];
    } else if (beta == T(0)) {
      for (int64_t j = 0; j < cols; ++j) ci[j * cs] = alpha * ti[j];
    } else {
      for (int64_t j = 0; j < cols; ++j) ci[j * cs] = alpha * ti[j] + beta * ci[j * cs];
    }
  }
}

template <class B, class T>
void gemm_panels(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
                 T alpha, T beta, T* c, int64_t rs, int64_t cs, MicroKernel<T> micro) {
  thread_local std::vector<T> a_pack, b_pack;
  a_pack.resize(static_cast<size_t>(B::MC * B::KC));
  b_pack.resize(static_cast<size_t>(B::KC * ((B::NC + B::NR - 1) / B::NR) * B::NR));
  alignas(64) T tile[B::MR * B::NR];
  for (int64_t jc = 0; jc < n; jc += B::NC) {
    const int64_t nc = std::min(B::NC, n - jc);
    // Equal depth blocks (784 = 4 x 196, not 3 x 256 + 16): a shallow last block would pay
    // a full pass over C for little work.
    const int64_t k_step = (k + (k + B::KC - 1) / B::KC - 1) / ((k + B::KC - 1) / B::KC);
    for (int64_t pc = 0; pc < k; pc += k_step) {
      const int64_t kc = std::min(k_step, k - pc);
      const bool first = pc == 0;
      pack_b<B>(b, pc, kc, jc, nc, b_pack.data());
      for (int64_t ic = 0; ic < m; ic += B::MC) {
        const int64_t mc = std::min(B::MC, m - ic);
        pack_a<B>(a, ic, mc, pc, kc, a_pack.data());
        for (int64_t jr = 0; jr < nc; jr += B::NR) {
          const T* bp = b_pack.data() + (jr / B::NR) * kc * B::NR;
          for (int64_t ir = 0; ir < mc; ir += B::MR) {
            micro(kc, a_pack.data() + (ir / B::MR) * kc * B::MR, bp, tile);
            store_tile<B>(tile, std::min<int64_t>(B::MR, mc - ir),
                          std::min<int64_t>(B::NR, nc - jr), alpha, beta, first,
                          c + (ic + ir) * rs + (jc + jr) * cs, rs, cs);
          }
        }
      }
    }
  }
}

template <class B, class T>
void gemm_blocked(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
                  T alpha, T beta, T* c, int64_t ldc, MicroKernel<T> micro) {
  // A C with fewer columns than a tile is wide would waste most of every tile: compute
  // C^T = op(B)^T op(A)^T instead (its few rows fit the short side), written transposed.
  if (n < B::NR && m > n)
    return gemm_panels<B>(Operand<T>{b.p, b.ld, !b.trans}, Operand<T>{a.p, a.ld, !a.trans}, n, m,
                          k, alpha, beta, c, 1, ldc, micro);
  gemm_panels<B>(a, b, m, n, k, alpha, beta, c, ldc, 1, micro);
}

// Small problems: a direct loop nest, the innermost loop running along contiguous B rows
// when B is not transposed, a dot product along contiguous A/B rows otherwise.
template <class T>
void gemm_small(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
                T alpha, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * ldc;
    if (!b.trans) {
      thread_local std::vector<T> row;
      row.assign(static_cast<size_t>(n), T(0));
      for (int64_t p = 0; p < k; ++p) {
        const T aip = a.at(i, p);
        const T* bp = b.p + p * b.ld;
        for (int64_t j = 0; j < n; ++j) row[j] += aip * bp[j];
      }
      for (int64_t j = 0; j < n; ++j)
        ci[j] = beta == T(0) ? alpha * row[j] : alpha * row[j] + beta * ci[j];
    } else {
      for (int64_t j = 0; j < n; ++j) {
        T s = T(0);
        for (int64_t p = 0; p < k; ++p) s += a.at(i, p) * b.p[j * b.ld + p];
        ci[j] = beta == T(0) ? alpha * s : alpha * s + beta * ci[j];
      }
    }
  }
}

// Integer matmul (torch supports it; no fast path needed): sums wrap on overflow like
// torch's instead of being undefined behaviour in C++.
template <class T>
void gemm_integral(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
                   T alpha, T beta, T* c, int64_t ldc) {
  using U = std::make_unsigned_t<T>;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      U s = 0;
      for (int64_t p = 0; p < k; ++p) s += U(a.at(i, p)) * U(b.at(p, j));
      U r = U(alpha) * s;
      if (beta != T(0)) r += U(beta) * U(c[i * ldc + j]);
      c[i * ldc + j] = static_cast<T>(r);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define CGRAD_GEMM_X86 1
using Avx512F = Blocking<float, 6, 32, 16>;
using Avx512D = Blocking<double, 6, 16, 8>;
using Avx2F = Blocking<float, 6, 16, 8>;
using Avx2D = Blocking<double, 6, 8, 4>;

// The micro-kernels compiled for each instruction set. Only these carry a target: they
// are whole functions, so their code does not depend on what they get inlined into.
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void micro_avx512(
    int64_t kc, const float* a, const float* b, float* tile) {
  micro_kernel_body<Avx512F>(kc, a, b, tile);
}
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void micro_avx512(
    int64_t kc, const double* a, const double* b, double* tile) {
  micro_kernel_body<Avx512D>(kc, a, b, tile);
}
__attribute__((target("avx2,fma"))) void micro_avx2(int64_t kc, const float* a, const float* b,
                                                    float* tile) {
  micro_kernel_body<Avx2F>(kc, a, b, tile);
}
__attribute__((target("avx2,fma"))) void micro_avx2(int64_t kc, const double* a,
                                                    const double* b, double* tile) {
  micro_kernel_body<Avx2D>(kc, a, b, tile);
}

enum class Isa { Baseline, Avx2, Avx512 };
// The best path this CPU runs; CGRAD_GEMM_ISA=avx2|baseline selects a lower one (the C++
// tests run every path that way).
Isa detect_isa() {
  __builtin_cpu_init();
  Isa best = Isa::Baseline;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::Avx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) best = Isa::Avx512;
  const char* wanted = std::getenv("CGRAD_GEMM_ISA");
  if (wanted && std::strcmp(wanted, "baseline") == 0) return Isa::Baseline;
  if (wanted && std::strcmp(wanted, "avx2") == 0) return std::min(best, Isa::Avx2);
  return best;
}
#endif

template <class T>
void gemm_floating(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
                   const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c,
                   int64_t ldc) {
  if (m == 0 || n == 0) return;
  const Operand<T> A{a, lda, trans_a}, B{b, ldb, trans_b};
  if (k == 0 || alpha == T(0)) {  // C = beta * C, C not read when beta == 0
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  if (m * n * k <= kSmallWork || m == 1 || n == 1) {
    gemm_small(A, B, m, n, k, alpha, beta, c, ldc);
    return;
  }
#ifdef CGRAD_GEMM_X86
  static const Isa isa = detect_isa();
  using Avx512 = std::conditional_t<std::is_same_v<T, float>, Avx512F, Avx512D>;
  using Avx2 = std::conditional_t<std::is_same_v<T, float>, Avx2F, Avx2D>;
  if (isa == Isa::Avx512)
    return gemm_blocked<Avx512>(A, B, m, n, k, alpha, beta, c, ldc, MicroKernel<T>(&micro_avx512));
  if (isa == Isa::Avx2)
    return gemm_blocked<Avx2>(A, B, m, n, k, alpha, beta, c, ldc, MicroKernel<T>(&micro_avx2));
#endif
  using Sse = Blocking<T, 4, 32 / sizeof(T), 16 / sizeof(T)>;  // two 16-byte vectors wide
  gemm_blocked<Sse>(A, B, m, n, k, alpha, beta, c, ldc, &micro_kernel_baseline<Sse>);
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc) {
  gemm_floating(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc) {
  gemm_floating(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int64_t alpha,
          const int64_t* a, int64_t lda, const int64_t* b, int64_t ldb, int64_t beta,
          int64_t* c, int64_t ldc) {
  gemm_integral<int64_t>({a, lda, trans_a}, {b, ldb, trans_b}, m, n, k, alpha, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int32_t alpha,
          const int32_t* a, int64_t lda, const int32_t* b, int64_t ldb, int32_t beta,
          int32_t* c, int64_t ldc) {
  gemm_integral<int32_t>({a, lda, trans_a}, {b, ldb, trans_b}, m, n, k, alpha, beta, c, ldc);
}

}  // namespace cgrad::kernels
