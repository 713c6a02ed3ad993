// gemm: C = alpha * op(A) op(B) + beta * C on row-major buffers, the one entry point
// every matmul-like op calls (mm, bmm, mv, dot, addmm, matmul, linear, einsum).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "cgrad/cpu_features.h"
#include "cgrad/parallel.h"
#include "kernels/gemv.h"
#include "kernels/kernels.h"
#include "kernels/unfused.h"

namespace cgrad::kernels {
namespace {

// Note [gemm blocking]: the classic three-level blocking. B is packed a KC x NC block at
// a time into column panels NR wide, A an MC x KC block at a time into row panels MR
// tall, both zero-padded to whole panels; a micro-kernel then keeps an MR x NR tile of C
// in registers while it walks KC rank-1 updates over contiguous panel memory, and
// finishes by writing the tile straight into C (edge tiles go through a local tile).
// Packing reads op(A)/op(B) through their strides, so transposed operands cost no extra
// copy; an operand whose rows run along k is packed with 4 x 4 register transposes, and
// the packing buffers are cache-line aligned (a misaligned 64-byte load touches two
// lines). At 128 x 128 packing was a tenth of the time, so it has to be this cheap (and
// there A is not packed at all: Note [gemm direct A]).
// The micro-kernel is a loop nest with compile-time trip counts over GNU vector types,
// which the compiler unrolls into register-resident vector code; it is compiled once per
// instruction set (AVX-512, AVX2+FMA, baseline) and picked at run time
// (Note [Portable builds]). The float AVX-512 tile, 8 x 32, was picked with a C++
// timing loop on the machine the README's table comes from: it matched 6 x 32 and
// 12 x 32 at 512 to 2048 and won at 128, which it divides without an edge panel.
constexpr int64_t kDepthBlock = 256;  // KC of every Blocking
template <class T, int MR_, int NR_, int W_>
struct Blocking {
  using Elem = T;
  static constexpr int MR = MR_, NR = NR_, W = W_;  // W: lanes per vector register
  typedef T Vec __attribute__((vector_size(W_ * sizeof(T))));
  static constexpr int64_t KC = kDepthBlock;
  static constexpr int64_t MC = MR * (std::is_same_v<T, double> ? 16 : 18);
  static constexpr int64_t NC = 2048;
};

// Problems below this many multiply-adds skip packing: the per-call cost dominates.
constexpr int64_t kSmallWork = 32 * 32 * 32;
// Below this many multiply-adds a small product's loop nest beats the tiles' packing
// (measured: 4 x 4 x 4 0.06 against 0.12 us, 8 x 8 x 8 0.25 against 0.17 us).
constexpr int64_t kTileWork = 256;
// Dot products longer than this add partial sums in vectors (Note [gemv]); up to it, in
// k order, as torch's BLAS does for small products.
constexpr int64_t kLongDot = 256;
// Multiply-adds worth waking a thread for: about 5 us of one core's work.
constexpr int64_t kGemmGrain = 1 << 19;

// Note [gemm panel sources]: a convolution's op(B) is its input unfolded by im2col (or,
// for the weight gradient, that transposed).
// Rather than unfold into a buffer that pack_b then copies into panels (two passes over
// KH * KW copies of the input), the operand can name a PanelSource that writes the
// panels itself; pack_b hands it the request, with the operand's column offset (a
// thread's slice of C) added. Everything else about the product is unchanged, so the
// results are bit-identical to those of the unfolded buffer.
template <class T> struct Operand {
  const T* p;
  int64_t ld;
  bool trans;
  const PanelSource<T>* source = nullptr;  // when set, op(B) comes from here
  int64_t col0 = 0;                        // the source's column of this operand's column 0
  // Element (i, j) of op(X).
  T at(int64_t i, int64_t j) const { return trans ? p[j * ld + i] : p[i * ld + j]; }
};

// out[p * R + i] = row(i)[p] for R rows and kc columns: the panel layout of a row-major
// A (row(i) = src + i * ld). float goes through 4 x 4 register transposes (rows in
// groups of four, four columns at a time), the rest element by element.
template <int R, class T, class Rows>
inline __attribute__((always_inline)) void pack_rows_transposed(const Rows& row, int64_t kc,
                                                                T* out) {
  int64_t p = 0;
  if constexpr (std::is_same_v<T, float>) {
    typedef float V4 __attribute__((vector_size(16)));
    typedef int I4 __attribute__((vector_size(16)));
    for (; p + 4 <= kc; p += 4) {
      int i = 0;
      for (; i + 4 <= R; i += 4) {
        V4 r[4];
        for (int q = 0; q < 4; ++q) std::memcpy(&r[q], row(i + q) + p, sizeof(V4));
        const V4 lo01 = __builtin_shuffle(r[0], r[1], I4{0, 4, 1, 5});
        const V4 lo23 = __builtin_shuffle(r[2], r[3], I4{0, 4, 1, 5});
        const V4 hi01 = __builtin_shuffle(r[0], r[1], I4{2, 6, 3, 7});
        const V4 hi23 = __builtin_shuffle(r[2], r[3], I4{2, 6, 3, 7});
        const V4 col[4] = {__builtin_shuffle(lo01, lo23, I4{0, 1, 4, 5}),
                           __builtin_shuffle(lo01, lo23, I4{2, 3, 6, 7}),
                           __builtin_shuffle(hi01, hi23, I4{0, 1, 4, 5}),
                           __builtin_shuffle(hi01, hi23, I4{2, 3, 6, 7})};
        for (int q = 0; q < 4; ++q) std::memcpy(out + (p + q) * R + i, &col[q], sizeof(V4));
      }
      for (; i < R; ++i)
        for (int q = 0; q < 4; ++q) out[(p + q) * R + i] = row(i)[p + q];
    }
  }
  for (; p < kc; ++p)
    for (int i = 0; i < R; ++i) out[p * R + i] = row(i)[p];
}
template <int R, class T>
inline __attribute__((always_inline)) void pack_rows_transposed(const T* src, int64_t ld,
                                                                int64_t kc, T* out) {
  pack_rows_transposed<R>([src, ld](int64_t i) { return src + i * ld; }, kc, out);
}

// Packs rows [i0, i0 + mc) x cols [p0, p0 + kc) of op(A) into MR-row panels, p-major.
// Each loop nest reads memory in its contiguous order.
template <class B, class T>
inline __attribute__((always_inline)) void pack_a(const Operand<T>& a, int64_t i0, int64_t mc,
                                                  int64_t p0, int64_t kc, T* out) {
  for (int64_t ir = 0; ir < mc; ir += B::MR, out += B::MR * kc) {
    const int64_t rows = std::min<int64_t>(B::MR, mc - ir);
    if (a.trans && rows == B::MR) {  // op(A)(i, p) = a[p][i]: rows of `a` run along i
      for (int64_t p = 0; p < kc; ++p)
        std::memcpy(out + p * B::MR, a.p + (p0 + p) * a.ld + i0 + ir, sizeof(T) * B::MR);
    } else if (a.trans) {
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = a.p + (p0 + p) * a.ld + i0 + ir;
        for (int64_t i = 0; i < rows; ++i) out[p * B::MR + i] = src[i];
      }
    } else if (rows == B::MR) {  // op(A)(i, p) = a[i][p]: rows of `a` run along p
      pack_rows_transposed<B::MR>(a.p + (i0 + ir) * a.ld + p0, a.ld, kc, out);
    } else {
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
inline __attribute__((always_inline)) void pack_b(const Operand<T>& b, int64_t p0, int64_t kc,
                                                  int64_t j0, int64_t nc, T* out) {
  if (b.source) return b.source->pack(p0, kc, b.col0 + j0, nc, B::NR, out);
  for (int64_t jr = 0; jr < nc; jr += B::NR, out += B::NR * kc) {
    const int64_t cols = std::min<int64_t>(B::NR, nc - jr);
    if (b.trans && cols == B::NR) {  // op(B)(p, j) = b[j][p]: rows of `b` run along p
      pack_rows_transposed<B::NR>(b.p + (j0 + jr) * b.ld + p0, b.ld, kc, out);
    } else if (b.trans) {
      for (int64_t j = 0; j < cols; ++j) {
        const T* src = b.p + (j0 + jr + j) * b.ld + p0;
        for (int64_t p = 0; p < kc; ++p) out[p * B::NR + j] = src[p];
      }
    } else if (cols == B::NR) {  // op(B)(p, j) = b[p][j]: rows of `b` run along j
      // A compile-time length: vector moves, not a library call per row.
      for (int64_t p = 0; p < kc; ++p)
        std::memcpy(out + p * B::NR, b.p + (p0 + p) * b.ld + j0 + jr, sizeof(T) * B::NR);
    } else {
      for (int64_t p = 0; p < kc; ++p)
        std::memcpy(out + p * B::NR, b.p + (p0 + p) * b.ld + j0 + jr, sizeof(T) * cols);
    }
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t j = cols; j < B::NR; ++j) out[p * B::NR + j] = T(0);
  }
}

// pack_a and pack_b with the Packer argument order: the block's first row (of op(A)) or
// column (of op(B)) and their count, then the depth range.
template <class B, class T>
inline __attribute__((always_inline)) void pack_a_block(const Operand<T>& a, int64_t i0,
                                                        int64_t mc, int64_t p0, int64_t kc, T* out) {
  pack_a<B>(a, i0, mc, p0, kc, out);
}
template <class B, class T>
inline __attribute__((always_inline)) void pack_b_block(const Operand<T>& b, int64_t j0,
                                                        int64_t nc, int64_t p0, int64_t kc, T* out) {
  pack_b<B>(b, p0, kc, j0, nc, out);
}

// How a micro-kernel writes its MR x NR result into C (row stride ldc, columns
// contiguous): Store: C = alpha * acc (C not read, so NaN there does not leak, as BLAS
// defines beta == 0); Scale: C = alpha * acc + beta * C; Accumulate: C += alpha * acc.
enum class Epilogue { Store, Scale, Accumulate };

// acc = sum over p of a[p, 0:MR] (outer) b[p, 0:NR]: the register-resident inner loop,
// then the epilogue straight into C. The tile is held as MR x (NR / W) GNU vectors of W
// lanes, so the accumulators surely live in registers; the compiler lowers each vector
// op to the target's instructions. A is a packed panel (element (i, p) at a[p * MR + i])
// or, with DIRECT_A, MR rows of a row-major A read in place (at a[i * lda + p]). FUSED:
// each term is added with one fma where the target has it; otherwise rounded first
// (Note [Unfused products]).
template <class B, bool DIRECT_A, bool FUSED, class T>
inline __attribute__((always_inline)) void micro_kernel_body(int64_t kc, const T* __restrict a,
                                                             int64_t lda,
                                                             const T* __restrict b,
                                                             T* __restrict c, int64_t ldc,
                                                             T alpha, T beta, Epilogue mode) {
  constexpr int W = B::W, NV = B::NR / B::W;
  using V = typename B::Vec;
  V acc[B::MR][NV];
  for (int i = 0; i < B::MR; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = V{};
  // The epilogue's lines of C, fetched while the loop below runs.
  for (int i = 0; i < B::MR; ++i)
    for (int j = 0; j < B::NR; j += 64 / int(sizeof(T))) __builtin_prefetch(c + i * ldc + j, 1);
  // Read in place, A's next row panel (the next call's) is fetched a line per step:
  // Note [gemm direct A prefetch].
  constexpr int64_t kLine = 64 / int64_t(sizeof(T));
  const T* next_row = a + B::MR * lda;
  int64_t next_col = 0, next_rows_left = B::MR;
  for (int64_t p = 0; p < kc; ++p) {
    if (DIRECT_A && next_rows_left > 0) {
      __builtin_prefetch(next_row + next_col);
      next_col += kLine;
      if (next_col >= kc) {
        next_col = 0;
        next_row += lda;
        --next_rows_left;
      }
    }
    V bv[NV];
    for (int j = 0; j < NV; ++j) std::memcpy(&bv[j], b + j * W, sizeof(V));
    for (int i = 0; i < B::MR; ++i) {
      const T ai = DIRECT_A ? a[i * lda] : a[i];  // scalar * vector broadcasts the scalar
      for (int j = 0; j < NV; ++j) {
        V term = ai * bv[j];
        if constexpr (!FUSED) round_here(term);
        acc[i][j] += term;
      }
    }
    a += DIRECT_A ? 1 : B::MR;
    b += B::NR;
  }
  for (int i = 0; i < B::MR; ++i)
    for (int j = 0; j < NV; ++j) {
      T* dst = c + i * ldc + j * W;
      V out = alpha * acc[i][j];
      if (mode != Epilogue::Store) {
        V old;
        std::memcpy(&old, dst, sizeof(V));
        if (mode == Epilogue::Scale) old *= beta;
        round_here(old);
        round_here(out);
        out += old;
      }
      std::memcpy(dst, &out, sizeof(V));
    }
}

// One compiled micro-kernel: an A panel (packed, or rows in place at stride lda), a
// packed B panel, a full MR x NR block of C.
template <class T>
using MicroKernel = void (*)(int64_t kc, const T* a, int64_t lda, const T* b, T* c, int64_t ldc,
                             T alpha, T beta, Epilogue mode);
// Packs a block of op(A) (rows i0.., depth p0..) or op(B) (depth p0.., columns j0..).
template <class T>
using Packer = void (*)(const Operand<T>& x, int64_t from, int64_t count, int64_t p0, int64_t kc,
                        T* out);
// Note [gemm packing per ISA]: the packers are compiled per instruction set like the
// micro-kernels: built for the baseline, a 32-float B row is eight 16-byte moves, and at
// 128^3 packing B was 8% of the time.
template <class T> struct MicroKernels {
  MicroKernel<T> packed, direct;
  Packer<T> pack_a, pack_b;
};

template <class B, bool DIRECT_A, bool FUSED>
void micro_kernel_baseline(int64_t kc, const typename B::Elem* a, int64_t lda,
                           const typename B::Elem* b, typename B::Elem* c, int64_t ldc,
                           typename B::Elem alpha, typename B::Elem beta, Epilogue mode) {
  micro_kernel_body<B, DIRECT_A, FUSED>(kc, a, lda, b, c, ldc, alpha, beta, mode);
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

// A thread's packing buffer, grown on demand and aligned to a cache line so no vector
// load from a packed panel straddles two lines.
template <class T> T* pack_buffer(int slot, size_t elems) {
  struct Buffer {
    std::unique_ptr<T[]> raw;
    size_t size = 0;
    T* aligned = nullptr;
  };
  thread_local Buffer buffers[2];
  Buffer& buf = buffers[slot];
  if (buf.size < elems) {
    constexpr size_t pad = 64 / sizeof(T);
    buf.raw.reset(new T[elems + pad]);
    auto addr = reinterpret_cast<uintptr_t>(buf.raw.get());
    buf.aligned = buf.raw.get() + ((64 - addr % 64) % 64) / sizeof(T);
    buf.size = elems;
  }
  return buf.aligned;
}

// Note [gemm direct A]: when a row-major op(A) is at most KC deep, the micro-kernel
// reads its rows in place instead of from a packed copy. Each block of A is then read
// straight from A, MR row streams at a time, for every column panel of C. Measured at 1
// thread (GFLOP/s, packed -> in place): 128^3 129 -> 140-147, 256^3 150 -> 160. Deeper
// problems still pack: reading in place measured slower at 1024^3 (152 -> 148) and
// 2048^3 (150 -> 145). Edge row panels (fewer than MR rows) are always packed, so no row
// past A is read.
//
// Note [gemm direct A prefetch]: read in place, A's rows come from wherever A is; in a
// batch of products (bmm's 64 x 128^3, 8 MiB of operands) that is L3 or memory, and the
// first column panel stalled on them: 1-thread bmm ran at 80% of the speed of the same
// 128^3 product repeated on data in cache. So each direct micro-kernel call fetches the
// next row panel's lines (the next call's A), one per step of its k loop. Measured at 1
// thread (us per 128^3 product, medians of three alternating runs, on a loaded machine):
// bmm 52.9 -> 43.5, 52.6 -> 44.0, 59.7 -> 46.3; the product on data in cache unchanged
// (40.4-41.5). The last row panel fetches lines past A: harmless, a prefetch never
// faults.
template <class B, class T>
void gemm_panels(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
                 T alpha, T beta, T* c, int64_t rs, int64_t cs, MicroKernels<T> micro) {
  T* a_pack = pack_buffer<T>(0, static_cast<size_t>(B::MC * B::KC));
  T* b_pack = pack_buffer<T>(1, static_cast<size_t>(B::KC * ((B::NC + B::NR - 1) / B::NR) * B::NR));
  alignas(64) T tile[B::MR * B::NR];
  const bool direct_a = !a.trans && k <= B::KC;
  for (int64_t jc = 0; jc < n; jc += B::NC) {
    const int64_t nc = std::min(B::NC, n - jc);
    // Equal depth blocks (784 = 4 x 196, not 3 x 256 + 16): a shallow last block would pay
    // a full pass over C for little work.
    const int64_t k_step = (k + (k + B::KC - 1) / B::KC - 1) / ((k + B::KC - 1) / B::KC);
    for (int64_t pc = 0; pc < k; pc += k_step) {
      const int64_t kc = std::min(k_step, k - pc);
      const bool first = pc == 0;
      const Epilogue mode = !first ? Epilogue::Accumulate
                            : beta == T(0) ? Epilogue::Store : Epilogue::Scale;
      micro.pack_b(b, jc, nc, pc, kc, b_pack);
      for (int64_t ic = 0; ic < m; ic += B::MC) {
        const int64_t mc = std::min(B::MC, m - ic);
        const int64_t full_rows = direct_a ? mc / B::MR * B::MR : 0;  // read in place
        if (full_rows < mc)
          micro.pack_a(a, ic + full_rows, mc - full_rows, pc, kc, a_pack + full_rows * kc);
        for (int64_t jr = 0; jr < nc; jr += B::NR) {
          const T* bp = b_pack + (jr / B::NR) * kc * B::NR;
          for (int64_t ir = 0; ir < mc; ir += B::MR) {
            const bool direct = ir < full_rows;
            const T* ap = direct ? a.p + (ic + ir) * a.ld + pc : a_pack + (ir / B::MR) * kc * B::MR;
            const MicroKernel<T> kernel = direct ? micro.direct : micro.packed;
            const int64_t rows = std::min<int64_t>(B::MR, mc - ir);
            const int64_t cols = std::min<int64_t>(B::NR, nc - jr);
            T* cblock = c + (ic + ir) * rs + (jc + jr) * cs;
            if (rows == B::MR && cols == B::NR && cs == 1) {
              kernel(kc, ap, a.ld, bp, cblock, rs, alpha, beta, mode);
            } else {  // an edge tile, or C written transposed: through a local tile
              kernel(kc, ap, a.ld, bp, tile, B::NR, T(1), T(0), Epilogue::Store);
              store_tile<B>(tile, rows, cols, alpha, beta, first, cblock, rs, cs);
            }
          }
        }
      }
    }
  }
}

// Note [gemm threads]: the threads work as one Team (Note [Shared work]) through the
// loop nest of gemm_panels. For each depth block they pack op(B)'s block and the rows of
// op(A) that are not read in place into shared buffers, each panel once, taking panels
// from the common counter; after a barrier they multiply, taking units of one column
// panel against a few row panels. So nothing is packed twice (a split of C into one
// slice per thread packed all of op(A) in every thread), and a slower core simply does
// fewer units: at 128^3 on 2 threads, where one vCPU ran at 0.65x the other's speed, a
// half-and-half split waited for the slow half. A tile of C goes through the same
// values (packed, or read in place by Note [gemm direct A], which depends on the shapes
// only) and the same micro-kernel whichever thread takes it, so results are
// bit-identical for every thread count (Note [Threads and determinism]).
template <class B, class T>
void gemm_team(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
               T alpha, T beta, T* c, int64_t rs, int64_t cs, MicroKernels<T> micro,
               int64_t threads) {
  constexpr int64_t kBlockPanels = B::MC / B::MR;         // row panels of an MC block
  constexpr int64_t kPackPanels = 8 * kBlockPanels;      // row panels packed per phase
  const int64_t k_blocks = (k + B::KC - 1) / B::KC, k_step = (k + k_blocks - 1) / k_blocks;
  const bool direct_a = !a.trans && k <= B::KC;
  const int64_t m_panels = (m + B::MR - 1) / B::MR;
  const int64_t pack_panels = std::min(kPackPanels, m_panels);
  // The caller's buffers, shared by the team.
  T* a_pack = pack_buffer<T>(0, static_cast<size_t>(pack_panels * B::MR * k_step));
  T* b_pack = pack_buffer<T>(1, static_cast<size_t>(k_step * ((std::min(n, B::NC) + B::NR - 1) / B::NR) * B::NR));
  run_team(threads, [&](Team& team) {
    alignas(64) T tile[B::MR * B::NR];
    for (int64_t jc = 0; jc < n; jc += B::NC) {
      const int64_t nc = std::min(B::NC, n - jc), col_panels = (nc + B::NR - 1) / B::NR;
      for (int64_t pc = 0; pc < k; pc += k_step) {
        const int64_t kc = std::min(k_step, k - pc);
        const bool first = pc == 0;
        const Epilogue mode = !first ? Epilogue::Accumulate
                              : beta == T(0) ? Epilogue::Store : Epilogue::Scale;
        // A unit multiplies one column panel by `group` row panels: enough work (32K
        // multiply-adds) that taking it from the counter costs little.
        const int64_t group = std::clamp<int64_t>((1 << 15) / (B::MR * B::NR * kc), 1, kBlockPanels);
        for (int64_t r0 = 0; r0 < m_panels; r0 += pack_panels) {
          const int64_t i0 = r0 * B::MR, panels = std::min(pack_panels, m_panels - r0);
          const int64_t in_place = direct_a ? std::min(panels, (m - i0) / B::MR) : 0;
          const int64_t b_units = r0 == 0 ? col_panels : 0;  // op(B)'s block, once per depth
          team.share(b_units + panels - in_place, [&](int64_t u0, int64_t u1) {
            for (int64_t u = u0; u < u1; ++u) {
              if (u < b_units) {
                micro.pack_b(b, jc + u * B::NR, std::min<int64_t>(B::NR, nc - u * B::NR), pc, kc,
                             b_pack + u * kc * B::NR);
              } else {
                const int64_t r = in_place + u - b_units;
                micro.pack_a(a, i0 + r * B::MR, std::min<int64_t>(B::MR, m - i0 - r * B::MR), pc,
                             kc, a_pack + r * kc * B::MR);
              }
            }
          });
          // Units run MC block by MC block (its rows of A stay in cache), column panel by
          // column panel within a block.
          const int64_t block_groups = (kBlockPanels + group - 1) / group;
          const int64_t last_block = (panels - 1) / kBlockPanels;
          const int64_t last_groups = (panels - last_block * kBlockPanels + group - 1) / group;
          const int64_t units = (last_block * block_groups + last_groups) * col_panels;
          auto multiply = [&](int64_t u0, int64_t u1) {
            for (int64_t u = u0; u < u1; ++u) {
              const int64_t q = u / (block_groups * col_panels), in_block = u % (block_groups * col_panels);
              const int64_t groups = q == last_block ? last_groups : block_groups;
              const int64_t jr = in_block / groups, g = in_block % groups;
              const int64_t block_end = std::min(panels, (q + 1) * kBlockPanels);
              const T* bp = b_pack + jr * kc * B::NR;
              const int64_t cols = std::min<int64_t>(B::NR, nc - jr * B::NR);
              for (int64_t r = q * kBlockPanels + g * group,
                           r_end = std::min(block_end, r + group); r < r_end; ++r) {
                const int64_t i = i0 + r * B::MR, rows = std::min<int64_t>(B::MR, m - i);
                const bool direct = r < in_place;
                const T* ap = direct ? a.p + i * a.ld + pc : a_pack + r * kc * B::MR;
                const MicroKernel<T> kernel = direct ? micro.direct : micro.packed;
                T* cblock = c + i * rs + (jc + jr * B::NR) * cs;
                if (rows == B::MR && cols == B::NR && cs == 1) {
                  kernel(kc, ap, a.ld, bp, cblock, rs, alpha, beta, mode);
                } else {  // an edge tile, or C written transposed: through a local tile
                  kernel(kc, ap, a.ld, bp, tile, B::NR, T(1), T(0), Epilogue::Store);
                  store_tile<B>(tile, rows, cols, alpha, beta, first, cblock, rs, cs);
                }
              }
            }
          };
          if (jc + nc >= n && pc + kc >= k && r0 + panels >= m_panels)
            team.share_last(units, multiply);
          else
            team.share(units, multiply);
        }
      }
    }
  });
}

// Below kGemmGrain multiply-adds per thread the product runs on the calling thread.
template <class B, class T>
void gemm_threaded(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
                   T alpha, T beta, T* c, int64_t rs, int64_t cs, MicroKernels<T> micro) {
  const int64_t threads = std::min<int64_t>(get_num_threads(), m * n * k / kGemmGrain);
  if (threads > 1 && !in_parallel_region())
    return gemm_team<B>(a, b, m, n, k, alpha, beta, c, rs, cs, micro, threads);
  gemm_panels<B>(a, b, m, n, k, alpha, beta, c, rs, cs, micro);
}

template <class B, class T>
void gemm_blocked(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n, int64_t k,
                  T alpha, T beta, T* c, int64_t ldc, MicroKernels<T> micro) {
  // A C with fewer columns than a tile is wide would waste most of every tile: compute
  // C^T = op(B)^T op(A)^T instead (its few rows fit the short side), written transposed.
  if (n < B::NR && m > n && !b.source)
    return gemm_threaded<B>(Operand<T>{b.p, b.ld, !b.trans}, Operand<T>{a.p, a.ld, !a.trans},
                            n, m, k, alpha, beta, c, 1, ldc, micro);
  gemm_threaded<B>(a, b, m, n, k, alpha, beta, c, ldc, 1, micro);
}

// Small problems: a direct loop nest, the innermost loop running along contiguous B rows
// when B is not transposed, a dot product along contiguous A/B rows otherwise. Compiled
// for the baseline instruction set, so every term is rounded before it is added.
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

// Note [Small gemm accumulation]: the k terms of an element of C can be added as
// fma(a, b, s), rounded once, or as a * b + s, rounded twice. Rounding shows in the last
// bits and, worse, at the edge of the range: with s = -3e38, a * b = 3.5e38 overflows to
// inf unless fused, giving inf where torch gives 5e37, and NaN later where torch has a
// number. torch's mm, addmm and mv go to its BLAS, which (measured with such terms, in
// float32) fuses in k order on FMA machines wherever C has more than one row and column
// and B is row-major, or both operands are column-major and C has no more columns than
// rows; for a one-row or one-column C it fuses where each element is an axpy along a
// row-major operand, and where it is a dot product along a contiguous row, for all but
// the last (length mod 4) elements. The other small cases are left unfused (the BLAS's
// choice there also depends on k, beyond the small sizes this copies). Its dot, its mv
// to one element and its bmm below 400 multiply-adds per matrix are plain loops,
// unfused (Plain). All of this is MKL's AVX-512 kernels (Intel); its AVX2 kernels (AMD,
// or MKL_ENABLE_INSTRUCTIONS=AVX2) leave these small products unfused, so torch's own
// rounding here depends on the CPU. cgrad's does not: it copies the AVX-512 choice.
// fused_block gives the leading rows x columns of C that are fused; the large blocked
// path fuses everything, as torch's BLAS does there.
struct Block {
  int64_t rows, cols;
};
template <class T>
Block fused_block(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n,
                  Accumulation accumulation) {
  if (accumulation == Accumulation::Plain) return {0, 0};
  if (m == 1 && n == 1) return {1, 1};
  if (n == 1) return {a.trans ? m : m - m % 4, 1};  // a dot per row of a row-major A
  if (m == 1) return {1, b.trans ? n - n % 4 : n};  // a dot per column of a column-major B
  return !b.trans || (a.trans && m >= n) ? Block{m, n} : Block{0, 0};
}

#if defined(__x86_64__) && defined(__GNUC__)
// The fused sums of gemm_small: sums[i * n + j] = sum over p in k order of
// fma(op(A)(i, p), op(B)(p, j), .). Compiled for FMA; alpha and beta are applied by the
// caller, unfused, as everywhere else.
template <class T>
__attribute__((target("avx2,fma"))) void fused_sums(const Operand<T>& a, const Operand<T>& b,
                                                    int64_t m, int64_t n, int64_t k, T* sums) {
  std::fill(sums, sums + m * n, T(0));
  for (int64_t i = 0; i < m; ++i) {
    T* row = sums + i * n;
    for (int64_t p = 0; p < k; ++p) {
      const T aip = a.at(i, p);
      if (b.trans)
        for (int64_t j = 0; j < n; ++j) row[j] = std::fma(aip, b.p[j * b.ld + p], row[j]);
      else
        for (int64_t j = 0; j < n; ++j) row[j] = std::fma(aip, b.p[p * b.ld + j], row[j]);
    }
  }
}

#endif

// Whether the kernels may fuse: Isa::Avx2 and above have FMA (Note [One CPU feature
// check]), so forcing the baseline set rounds as a CPU without FMA does.
bool cpu_has_fma() { return cpu::active_isa() >= cpu::Isa::Avx2; }

// gemm_small with the accumulation torch's op would use (Note [Small gemm accumulation]),
// for the products of more than one row and column that gemm does not put on the tiles:
// fused all or not at all.
template <class T>
void gemm_small_like_torch(const Operand<T>& a, const Operand<T>& b, int64_t m, int64_t n,
                           int64_t k, T alpha, T beta, T* c, int64_t ldc, Accumulation accumulation) {
#if defined(__x86_64__) && defined(__GNUC__)
  const Block f = fused_block(a, b, m, n, accumulation);
  if (f.rows > 0 && f.cols > 0 && cpu_has_fma()) {
    thread_local std::vector<T> sums;
    sums.resize(static_cast<size_t>(f.rows * f.cols));
    fused_sums(a, b, f.rows, f.cols, k, sums.data());
    for (int64_t i = 0; i < f.rows; ++i)
      for (int64_t j = 0; j < f.cols; ++j) {
        T& cij = c[i * ldc + j];
        const T s = sums[i * f.cols + j];
        cij = beta == T(0) ? alpha * s : alpha * s + beta * cij;
      }
    return;
  }
#endif
  gemm_small(a, b, m, n, k, alpha, beta, c, ldc);
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
using Avx512F = Blocking<float, 8, 32, 16>;
using Avx512D = Blocking<double, 6, 16, 8>;
using Avx2F = Blocking<float, 6, 16, 8>;
using Avx2D = Blocking<double, 6, 8, 4>;

// The micro-kernels and packers compiled for each instruction set. Only these carry a
// target: they are whole functions, so their code does not depend on what they get
// inlined into.
#define CGRAD_MICRO_KERNEL(TARGET, NAME, DIRECT_A, FUSED, T, BLOCKING)                         \
  __attribute__((target(TARGET))) void NAME(int64_t kc, const T* a, int64_t lda, const T* b,     \
                                            T* c, int64_t ldc, T alpha, T beta, Epilogue mode) { \
    micro_kernel_body<BLOCKING, DIRECT_A, FUSED>(kc, a, lda, b, c, ldc, alpha, beta, mode);     \
  }
#define CGRAD_PACKER(TARGET, NAME, WHICH, T, BLOCKING)                                        \
  __attribute__((target(TARGET))) void NAME(const Operand<T>& x, int64_t from, int64_t count, \
                                            int64_t p0, int64_t kc, T* out) {                \
    WHICH<BLOCKING>(x, from, count, p0, kc, out);                                             \
  }
#define CGRAD_ISA_KERNELS(TARGET, SUFFIX, T, BLOCKING)                                  \
  CGRAD_MICRO_KERNEL(TARGET, micro_##SUFFIX, false, true, T, BLOCKING)                  \
  CGRAD_MICRO_KERNEL(TARGET, micro_##SUFFIX##_direct, true, true, T, BLOCKING)          \
  CGRAD_MICRO_KERNEL(TARGET, micro_##SUFFIX##_unfused, false, false, T, BLOCKING)       \
  CGRAD_MICRO_KERNEL(TARGET, micro_##SUFFIX##_unfused_direct, true, false, T, BLOCKING) \
  CGRAD_PACKER(TARGET, pack_a_##SUFFIX, pack_a_block, T, BLOCKING)                      \
  CGRAD_PACKER(TARGET, pack_b_##SUFFIX, pack_b_block, T, BLOCKING)
CGRAD_ISA_KERNELS("avx512f,avx512vl,avx2,fma", avx512, float, Avx512F)
CGRAD_ISA_KERNELS("avx512f,avx512vl,avx2,fma", avx512, double, Avx512D)
CGRAD_ISA_KERNELS("avx2,fma", avx2, float, Avx2F)
CGRAD_ISA_KERNELS("avx2,fma", avx2, double, Avx2D)
#undef CGRAD_ISA_KERNELS
#undef CGRAD_PACKER
#undef CGRAD_MICRO_KERNEL

#endif

// A C of one row or one column: a gemv (Note [gemv]), with the rounding torch's op would
// have where the product is small (Note [Small gemm accumulation]).
template <class T>
void gemv_product(const Operand<T>& A, const Operand<T>& B, int64_t m, int64_t n, int64_t k,
                  T alpha, T beta, T* c, int64_t ldc, Accumulation accumulation) {
  const Block f = fused_block(A, B, m, n, accumulation);
  const bool fma = cpu_has_fma();
  // y is C's column (n == 1) or row; matrix(i, p) is op(A)(i, p) or op(B)(p, i), and x
  // the other operand. One element takes its matrix from an operand contiguous along k.
  const bool from_a = n == 1 && !(m == 1 && A.trans && B.trans);
  const Operand<T>& mat = from_a ? A : B;
  const int64_t len = from_a ? m : n, fused_len = !fma ? 0 : from_a ? f.rows : f.cols;
  const int64_t incy = from_a ? ldc : 1;
  const T* x = from_a ? B.p : A.p;
  const int64_t incx = from_a ? (B.trans ? 1 : B.ld) : (A.trans ? A.ld : 1);
  if (from_a ? mat.trans : !mat.trans)  // matrix(i, p) at mat.p[p * ld + i]
    return gemv_columns(len, k, alpha, mat.p, mat.ld, x, incx, beta, c, incy,
                        fused_len > 0 ? GemvOrder::Fused : GemvOrder::Unfused);
  if (k > kLongDot || len * k > kSmallWork)
    return gemv_rows(len, k, alpha, mat.p, mat.ld, x, incx, beta, c, incy,
                     accumulation == Accumulation::Plain || !fma ? GemvOrder::FastUnfused
                                                                 : GemvOrder::Fast);
  // Small: the leading fused_len elements fused, the rest not, as torch's BLAS.
  if (fused_len > 0)
    gemv_rows(fused_len, k, alpha, mat.p, mat.ld, x, incx, beta, c, incy, GemvOrder::Fused);
  if (fused_len < len)
    gemv_rows(len - fused_len, k, alpha, mat.p + fused_len * mat.ld, mat.ld, x, incx, beta,
              c + fused_len * incy, incy, GemvOrder::Unfused);
}

// Note [Deep small products]: a small product more than one depth block deep (a few
// rows and columns, k long: x.t() @ x of a few features) is m x n dot products. Each
// runs as gemv's Fast dot product (Note [gemv]) over op(A)'s rows and op(B)'s columns,
// copied to run along k where they do not; fused where torch's BLAS fuses the terms of a
// product of this shape (Note [Small gemm accumulation]), whose order here it does not
// copy. In k order, the loop nest ran one dependent chain per element: measured at 1
// thread, us per product through Python (loop nest -> dots; torch 2.13 in the same
// session): y @ y.t() of a 2 x 8000 y 30.9 -> 3.5 (6.9); x.t() @ x of an 8000 x 2 x
// 66.2 -> 13.7 (23.7), x copied once for both operands.
template <class T>
void deep_product(const Operand<T>& A, const Operand<T>& B, int64_t m, int64_t n, int64_t k,
                  T alpha, T beta, T* c, int64_t ldc, Accumulation accumulation) {
  thread_local std::vector<T> a_rows, b_columns;
  const auto along_k = [k](const Operand<T>& x, int64_t count, bool runs_along_k,
                           std::vector<T>& copy) -> std::pair<const T*, int64_t> {
    if (runs_along_k) return {x.p, x.ld};
    copy.resize(static_cast<size_t>(count * k));
    for (int64_t p = 0; p < k; ++p)
      for (int64_t i = 0; i < count; ++i) copy[i * k + p] = x.p[p * x.ld + i];
    return {copy.data(), k};
  };
  const auto [rows, lda] = along_k(A, m, !A.trans, a_rows);
  // x.t() @ x: op(B) is op(A)^T, already copied.
  const bool gram = A.p == B.p && A.ld == B.ld && A.trans && !B.trans && m == n;
  const auto [columns, ldb] = gram ? std::pair{rows, lda} : along_k(B, n, B.trans, b_columns);
  const bool fused = fused_block(A, B, m, n, accumulation).rows > 0 && cpu_has_fma();
  for (int64_t j = 0; j < n; ++j)
    gemv_rows(m, k, alpha, rows, lda, columns + j * ldb, int64_t(1), beta, c + j, ldc,
              fused ? GemvOrder::Fast : GemvOrder::FastUnfused);
}

// The blocked path on the active instruction set's kernels, fused (each term added with
// one fma where the set has it) or not (Note [Unfused products]).
template <class T>
void gemm_on_tiles(const Operand<T>& A, const Operand<T>& B, int64_t m, int64_t n, int64_t k,
                   T alpha, T beta, T* c, int64_t ldc, bool fused) {
#ifdef CGRAD_GEMM_X86
  const cpu::Isa isa = cpu::active_isa();  // Note [One CPU feature check]
  using Avx512 = std::conditional_t<std::is_same_v<T, float>, Avx512F, Avx512D>;
  using Avx2 = std::conditional_t<std::is_same_v<T, float>, Avx2F, Avx2D>;
  // One instruction set's kernels, fused or not, and its packers.
#define CGRAD_TILE_KERNELS(SUFFIX)                                                      \
  MicroKernels<T> {                                                                     \
    fused ? MicroKernel<T>(&micro_##SUFFIX) : MicroKernel<T>(&micro_##SUFFIX##_unfused), \
    fused ? MicroKernel<T>(&micro_##SUFFIX##_direct)                                     \
          : MicroKernel<T>(&micro_##SUFFIX##_unfused_direct),                            \
    Packer<T>(&pack_a_##SUFFIX), Packer<T>(&pack_b_##SUFFIX)                             \
  }
  if (isa == cpu::Isa::Avx512)
    return gemm_blocked<Avx512>(A, B, m, n, k, alpha, beta, c, ldc, CGRAD_TILE_KERNELS(avx512));
  if (isa == cpu::Isa::Avx2)
    return gemm_blocked<Avx2>(A, B, m, n, k, alpha, beta, c, ldc, CGRAD_TILE_KERNELS(avx2));
#undef CGRAD_TILE_KERNELS
#endif
  using Sse = Blocking<T, 4, 32 / sizeof(T), 16 / sizeof(T)>;  // two 16-byte vectors wide
  gemm_blocked<Sse>(A, B, m, n, k, alpha, beta, c, ldc,
                    {fused ? &micro_kernel_baseline<Sse, false, true>
                           : &micro_kernel_baseline<Sse, false, false>,
                     fused ? &micro_kernel_baseline<Sse, true, true>
                           : &micro_kernel_baseline<Sse, true, false>,
                     &pack_a_block<Sse, T>, &pack_b_block<Sse, T>});
}

template <class T>
void gemm_floating(const Operand<T>& A, const Operand<T>& B, int64_t m, int64_t n, int64_t k,
                   T alpha, T beta, T* c, int64_t ldc,
                   Accumulation accumulation = Accumulation::LikeBlas) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == T(0)) {  // C = beta * C, C not read when beta == 0
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  if (k == 1 && m > 1 && n > 1 && accumulation == Accumulation::LikeBlas && !B.source) {
    // Note [Products of one term]: torch's BLAS writes a k = 1 product of more than one
    // row and column as the products themselves, so -2 * 0 gives -0.0 there (and 1 / it
    // -inf), where a sum started from +0 gives +0.0. Its bmm, dot and the one-row or
    // one-column products start from +0. Only the sign of a zero differs.
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        T& cij = c[i * ldc + j];
        const T ab = A.at(i, 0) * B.at(0, j);
        cij = beta == T(0) ? alpha * ab : alpha * ab + beta * cij;
      }
    return;
  }
  if (!B.source && (m * n * k <= kSmallWork || m == 1 || n == 1)) {
    // Note [Small products on the tiles]: a small product of more than one row and
    // column, at most one depth block deep, runs on the register tiles with the
    // accumulation torch's op would use (Note [Small gemm accumulation]): in one depth
    // block each element is alpha * (its k terms added in k order from 0), plus beta * C,
    // exactly what gemm_small and fused_sums compute, so the bits are theirs
    // (tests/test_gemm.cpp: SmallProductsRoundAsTorchsBlas). The loop nest ran each
    // unfused term as a scalar: measured at 1 thread, us per product through Python
    // (loop nest -> tiles, torch 2.13 in the same session): x @ W.t() 32^3 17.1 -> 2.6
    // (4.4), 128 x 64 x 4 25.2 -> 3.8 (5.3); a @ b 32^3 5.3 -> 2.0 (3.0-4.8).
    if (m > 1 && n > 1 && k <= kDepthBlock && m * n * k >= kTileWork) {
      const Block f = fused_block(A, B, m, n, accumulation);  // all or nothing here
      return gemm_on_tiles(A, B, m, n, k, alpha, beta, c, ldc, f.rows > 0 && cpu_has_fma());
    }
    if (m == 1 || n == 1) return gemv_product(A, B, m, n, k, alpha, beta, c, ldc, accumulation);
    if (k > kDepthBlock) return deep_product(A, B, m, n, k, alpha, beta, c, ldc, accumulation);
    gemm_small_like_torch(A, B, m, n, k, alpha, beta, c, ldc, accumulation);
    return;
  }
  gemm_on_tiles(A, B, m, n, k, alpha, beta, c, ldc, /*fused=*/true);
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc, Accumulation accumulation) {
  gemm_floating<float>({a, lda, trans_a}, {b, ldb, trans_b}, m, n, k, alpha, beta, c, ldc,
                     accumulation);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc, Accumulation accumulation) {
  gemm_floating<double>({a, lda, trans_a}, {b, ldb, trans_b}, m, n, k, alpha, beta, c, ldc,
                     accumulation);
}

namespace {
// The panel writers of panel sources (kernels.h), compiled per instruction set like the
// packers (Note [gemm packing per ISA]); their bodies are inlined into each.
template <class T>
inline __attribute__((always_inline)) void rows_to_panel_body(const T* const* rows, int64_t kc,
                                                              int64_t nr, T* out) {
  const auto row = [rows](int64_t i) { return rows[i]; };
  switch (nr) {  // every NR a Blocking above uses
    case 4: return pack_rows_transposed<4>(row, kc, out);
    case 8: return pack_rows_transposed<8>(row, kc, out);
    case 16: return pack_rows_transposed<16>(row, kc, out);
    case 32: return pack_rows_transposed<32>(row, kc, out);
    default:
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t j = 0; j < nr; ++j) out[p * nr + j] = rows[j][p];
  }
}

template <class T>
inline __attribute__((always_inline)) void transpose_to_panel_body(const T* src, int64_t ld,
                                                                   int64_t kc, int64_t nr, T* out) {
  switch (nr) {  // every NR a Blocking above uses
    case 4: return pack_rows_transposed<4>(src, ld, kc, out);
    case 8: return pack_rows_transposed<8>(src, ld, kc, out);
    case 16: return pack_rows_transposed<16>(src, ld, kc, out);
    case 32: return pack_rows_transposed<32>(src, ld, kc, out);
    default:
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t j = 0; j < nr; ++j) out[p * nr + j] = src[j * ld + p];
  }
}

template <int L, class T>
inline __attribute__((always_inline)) void copy_runs(const T* const* rows, const int64_t* offsets,
                                                     int64_t kc, int64_t nr, T* out) {
  const int64_t count = nr / L;
  for (int64_t p = 0; p < kc; ++p, out += nr) {
    const T* row = rows[p];
    for (int64_t r = 0; r < count; ++r) std::memcpy(out + r * L, row + offsets[r], L * sizeof(T));
  }
}
template <class T>
inline __attribute__((always_inline)) void runs_to_panel_body(const T* const* rows,
                                                              const int64_t* offsets,
                                                              int64_t length, int64_t kc,
                                                              int64_t nr, T* out) {
  switch (length) {  // compile-time lengths, so each run is a few vector moves
    case 1: return copy_runs<1>(rows, offsets, kc, nr, out);
    case 2: return copy_runs<2>(rows, offsets, kc, nr, out);
    case 4: return copy_runs<4>(rows, offsets, kc, nr, out);
    case 8: return copy_runs<8>(rows, offsets, kc, nr, out);
    case 16: return copy_runs<16>(rows, offsets, kc, nr, out);
    case 32: return copy_runs<32>(rows, offsets, kc, nr, out);
    default:
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t r = 0; r < nr / length; ++r)
          std::memcpy(out + p * nr + r * length, rows[p] + offsets[r], length * sizeof(T));
  }
}

#define CGRAD_PANEL_WRITERS(ATTRIBUTES, SUFFIX)                                                 \
  template <class T>                                                                           \
  ATTRIBUTES void rows_to_panel_##SUFFIX(const T* const* rows, int64_t kc, int64_t nr, T* out) { \
    rows_to_panel_body(rows, kc, nr, out);                                                     \
  }                                                                                            \
  template <class T>                                                                           \
  ATTRIBUTES void transpose_to_panel_##SUFFIX(const T* src, int64_t ld, int64_t kc, int64_t nr, \
                                              T* out) {                                        \
    transpose_to_panel_body(src, ld, kc, nr, out);                                             \
  }                                                                                            \
  template <class T>                                                                           \
  ATTRIBUTES void runs_to_panel_##SUFFIX(const T* const* rows, const int64_t* offsets,        \
                                         int64_t length, int64_t kc, int64_t nr, T* out) {     \
    runs_to_panel_body(rows, offsets, length, kc, nr, out);                                    \
  }
CGRAD_PANEL_WRITERS(, baseline)
#ifdef CGRAD_GEMM_X86
CGRAD_PANEL_WRITERS(__attribute__((target("avx512f,avx512vl,avx2,fma"))), avx512)
CGRAD_PANEL_WRITERS(__attribute__((target("avx2,fma"))), avx2)
#define CGRAD_BY_ISA(NAME, ...)                                         \
  switch (cpu::active_isa()) {                                          \
    case cpu::Isa::Avx512: return NAME##_avx512(__VA_ARGS__);           \
    case cpu::Isa::Avx2: return NAME##_avx2(__VA_ARGS__);               \
    default: return NAME##_baseline(__VA_ARGS__);                       \
  }
#else
#define CGRAD_BY_ISA(NAME, ...) return NAME##_baseline(__VA_ARGS__);
#endif
#undef CGRAD_PANEL_WRITERS
}  // namespace

void transpose_to_panel(const float* src, int64_t ld, int64_t kc, int64_t nr, float* out) {
  CGRAD_BY_ISA(transpose_to_panel, src, ld, kc, nr, out)
}

void transpose_to_panel(const double* src, int64_t ld, int64_t kc, int64_t nr, double* out) {
  CGRAD_BY_ISA(transpose_to_panel, src, ld, kc, nr, out)
}

void rows_to_panel(const float* const* rows, int64_t kc, int64_t nr, float* out) {
  CGRAD_BY_ISA(rows_to_panel, rows, kc, nr, out)
}

void rows_to_panel(const double* const* rows, int64_t kc, int64_t nr, double* out) {
  CGRAD_BY_ISA(rows_to_panel, rows, kc, nr, out)
}

void runs_to_panel(const float* const* rows, const int64_t* offsets, int64_t length, int64_t kc,
                   int64_t nr, float* out) {
  CGRAD_BY_ISA(runs_to_panel, rows, offsets, length, kc, nr, out)
}

void runs_to_panel(const double* const* rows, const int64_t* offsets, int64_t length, int64_t kc,
                   int64_t nr, double* out) {
  CGRAD_BY_ISA(runs_to_panel, rows, offsets, length, kc, nr, out)
}
#undef CGRAD_BY_ISA

// Note [Batched gemm threads]: a batch of small products (bmm's 64 x 128^3) split
// product by product (Note [gemm threads]) wakes the threads once per product and has
// every thread pack the same op(B); measured at 2 threads, 64 x 128^3 ran at 1.4x the
// speed of 1 thread. So the threads take whole products instead, each run on one thread
// (a product inside the team runs serially), from a common counter (Note [Shared work]).
// A product's result does not depend on how many threads computed it, so neither does
// the batch's. Where the batch divides unevenly among few threads (3 products on 2),
// each product is split as before.
void gemm_batch(int64_t batch, int64_t m, int64_t n, int64_t k,
                const std::function<void(int64_t begin, int64_t end)>& products) {
  const int64_t threads = get_num_threads();
  const int64_t work = std::max<int64_t>(1, m * n * k);
  if (batch % threads != 0 && batch < 4 * threads) return products(0, batch);
  run_team(batch * work / kGemmGrain, [&](Team& team) { team.share_last(batch, products); });
}

void gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const PanelSource<float>& b, float beta, float* c, int64_t ldc) {
  gemm_floating<float>({a, lda, false}, {nullptr, 0, false, &b}, m, n, k, 1.0f, beta, c, ldc);
}

void gemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const PanelSource<double>& b, double beta, double* c, int64_t ldc) {
  gemm_floating<double>({a, lda, false}, {nullptr, 0, false, &b}, m, n, k, 1.0, beta, c, ldc);
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
