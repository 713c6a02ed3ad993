// Reductions over a mask of dims (sum, prod, max/min, all/any, the p-norm family,
// variance) and along one dim with the index of the extreme (max/min with indices).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>
#include <vector>

#include "cgrad/parallel.h"
#include "kernels/kernels.h"
#include "kernels/loop.h"
#include "kernels/widen.h"

namespace cgrad::kernels {
namespace {

// Accumulator type: sums of floats run in double, of integers (and bools) in int64.
template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T, class A, class Combine>
void reduce_into(const TensorImpl& a, const TensorImpl& out, std::vector<A>& acc,
                 Combine combine) {
  const Shape& sizes = a.sizes;
  std::array<Shape, 2> strides{broadcast_byte_strides(a, sizes), Shape(sizes.size(), 0)};
  // The accumulator is laid out like `out` (1 in reduced dims): byte strides into `acc`.
  Shape out_strides = contiguous_strides(out.sizes);
  for (size_t d = 0; d < sizes.size(); ++d)
    strides[1][d] = out.sizes[d] == 1 ? 0 : out_strides[d] * static_cast<int64_t>(sizeof(A));
  std::array<char*, 2> ptrs{static_cast<char*>(a.raw_data()), reinterpret_cast<char*>(acc.data())};
  for_each_row<2>(sizes, strides, ptrs, [&](auto& p, auto& s, int64_t m) {
    if (s[1] == 0) {  // a row reduced into one slot: keep the running value in a register
      A r = *reinterpret_cast<A*>(p[1]);
      for (int64_t i = 0; i < m; ++i) r = combine(r, *reinterpret_cast<const T*>(p[0] + i * s[0]));
      *reinterpret_cast<A*>(p[1]) = r;
    } else {
      for (int64_t i = 0; i < m; ++i) {
        A& r = *reinterpret_cast<A*>(p[1] + i * s[1]);
        r = combine(r, *reinterpret_cast<const T*>(p[0] + i * s[0]));
      }
    }
  });
}

// Note [Blocked sums]: a contiguous run is summed in fixed blocks, each with 32
// independent double accumulators, and the block sums are then added in block order.
// Lane k takes (x[k] + x[k+32]) + (x[k+64] + x[k+96]) from each 128 elements, added in
// T first: converting every float to double capped the kernel at 46 GB/s in cache (two
// conversions and two adds per 16 floats) against 73 this way, and each element goes
// through only two float roundings before it reaches a double lane. The 32 chains hide the
// add latency and vectorise per ISA without -ffast-math. Every ISA clone computes the
// same lanes in the same order, and the order depends only on the length, never on how
// blocks are shared out, so results are bit-identical across machines and thread counts.
constexpr int64_t kSumBlock = 1 << 15;
constexpr int kLanes = 32;
// No software prefetch: a prefetch 4 KiB ahead (one per 128 bytes) once measured 22 ->
// 28 GB/s over 64 MiB at 1 thread, on 4 KiB pages and an earlier VM; on this one, with
// the block on huge pages (Note [Huge pages for large blocks]), it cost 13.5-14 against
// 18-21 GB/s without (bench/compare.py reduction_sum_16M, three alternating A/B runs),
// and 11-12 against 15-16 on 4 KiB pages. The hardware prefetcher keeps up alone.

template <class T> double combine_lanes(const double* lanes) {
  double width[kLanes];
  std::copy(lanes, lanes + kLanes, width);
  for (int half = kLanes / 2; half > 0; half /= 2)
    for (int k = 0; k < half; ++k) width[k] += width[k + half];
  return width[0];
}

#define CGRAD_SUM_BLOCK(T)                                                               \
  __attribute__((target_clones("avx512f", "avx2", "default"))) double sum_block_##T(     \
      const T* p, int64_t n) {                                                           \
    double lanes[kLanes] = {};                                                           \
    int64_t i = 0;                                                                       \
    for (; i + 4 * kLanes <= n; i += 4 * kLanes) {                                       \
      for (int k = 0; k < kLanes; ++k)                                                   \
        lanes[k] += static_cast<double>((p[i + k] + p[i + kLanes + k]) +                 \
                                        (p[i + 2 * kLanes + k] + p[i + 3 * kLanes + k])); \
    }                                                                                    \
    for (; i + kLanes <= n; i += kLanes)                                                 \
      for (int k = 0; k < kLanes; ++k) lanes[k] += static_cast<double>(p[i + k]);       \
    double r = combine_lanes<T>(lanes);                                                  \
    for (; i < n; ++i) r += static_cast<double>(p[i]);                                   \
    return r;                                                                            \
  }
CGRAD_SUM_BLOCK(float)
CGRAD_SUM_BLOCK(double)
#undef CGRAD_SUM_BLOCK

// The vertical steps of Note [Sums over outer and inner dims], partial[i] += term(x[i])
// in double, cloned per ISA as the block sum is: x (sums), x^2 squared in T and |x| (the
// 2- and 1-norms, each term as Note [Float32 norms overflow as torch's] takes it for a
// result of x's dtype), and (x - centre)^2 (variances); products multiply by x.
#define CGRAD_VERTICAL_STEP(NAME, T, OP, TERM, ...)                                       \
  __attribute__((target_clones("avx512f", "avx2", "default"))) void NAME##_##T(           \
      const T* x, int64_t n, __VA_ARGS__ double* partial) {                              \
    for (int64_t i = 0; i < n; ++i) partial[i] OP (TERM);                                 \
  }
#define CGRAD_VERTICAL_STEPS(T)                                                           \
  CGRAD_VERTICAL_STEP(add_widened, T, +=, static_cast<double>(x[i]))                      \
  CGRAD_VERTICAL_STEP(multiply_widened, T, *=, static_cast<double>(x[i]))                 \
  CGRAD_VERTICAL_STEP(add_squares, T, +=, static_cast<double>(x[i] * x[i]))               \
  CGRAD_VERTICAL_STEP(add_magnitudes, T, +=, std::fabs(static_cast<double>(x[i])))        \
  CGRAD_VERTICAL_STEP(add_squared_deviations, T, +=,                                      \
                      (static_cast<double>(x[i]) - centre[i]) *                           \
                          (static_cast<double>(x[i]) - centre[i]),                        \
                      const double* centre,)
CGRAD_VERTICAL_STEPS(float)
CGRAD_VERTICAL_STEPS(double)
#undef CGRAD_VERTICAL_STEPS
#undef CGRAD_VERTICAL_STEP

// Note [Row folds]: a product, or a 1- or 2-norm, of each contiguous row (x.prod(1),
// x.norm(dim=1): outer == 1 in Note [Sums over outer and inner dims]) folds the row
// straight into 32 double lanes, as a block sum does (Note [Blocked sums]): lane k takes
// elements k, k + 32, ..., the lanes are then halved pairwise, and the last n mod 32
// terms come in order. The slab scheme wrote each term into a partial buffer it had
// filled first, then folded that buffer: three passes where one does. Measured at 1
// thread on a 1024 x 1024 float32 x, us (slabs -> row folds; torch 2.13 in the same
// session): prod(1) 466-517 -> 130-154 (65-91), norm(dim=1) 624 -> 155-199 (129-144).
// A product stays bound by widening each float to double.
#define CGRAD_ROW_FOLD(NAME, T, IDENTITY, OP, TERM)                                      \
  __attribute__((target_clones("avx512f", "avx2", "default"))) double NAME##_##T(        \
      const T* x, int64_t n) {                                                           \
    double lanes[kLanes];                                                                \
    for (int k = 0; k < kLanes; ++k) lanes[k] = IDENTITY;                                \
    int64_t i = 0;                                                                       \
    for (; i + kLanes <= n; i += kLanes)                                                 \
      for (int k = 0; k < kLanes; ++k) lanes[k] = lanes[k] OP TERM(x[i + k]);            \
    for (int half = kLanes / 2; half > 0; half /= 2)                                     \
      for (int k = 0; k < half; ++k) lanes[k] = lanes[k] OP lanes[k + half];             \
    double r = lanes[0];                                                                 \
    for (; i < n; ++i) r = r OP TERM(x[i]);                                              \
    return r;                                                                            \
  }
#define CGRAD_WIDEN(v) static_cast<double>(v)
#define CGRAD_SQUARE(v) static_cast<double>((v) * (v))
#define CGRAD_MAGNITUDE(v) std::fabs(static_cast<double>(v))
#define CGRAD_ROW_FOLDS(T)                                    \
  CGRAD_ROW_FOLD(row_product, T, 1.0, *, CGRAD_WIDEN)         \
  CGRAD_ROW_FOLD(row_sum_of_squares, T, 0.0, +, CGRAD_SQUARE) \
  CGRAD_ROW_FOLD(row_sum_of_magnitudes, T, 0.0, +, CGRAD_MAGNITUDE)
CGRAD_ROW_FOLDS(float)
CGRAD_ROW_FOLDS(double)
#undef CGRAD_ROW_FOLDS
#undef CGRAD_MAGNITUDE
#undef CGRAD_SQUARE
#undef CGRAD_WIDEN
#undef CGRAD_ROW_FOLD

// NAME(x, ...) for float or double x: the clone of x's type.
#define CGRAD_BY_TYPE(NAME)                                                   \
  template <class T, class... Args> void NAME(const T* x, Args... args) {    \
    if constexpr (std::is_same_v<T, float>) NAME##_float(x, args...);         \
    else NAME##_double(x, args...);                                           \
  }
CGRAD_BY_TYPE(add_widened)
CGRAD_BY_TYPE(multiply_widened)
CGRAD_BY_TYPE(add_squares)
CGRAD_BY_TYPE(add_magnitudes)
CGRAD_BY_TYPE(add_squared_deviations)
#undef CGRAD_BY_TYPE
#define CGRAD_BY_TYPE(NAME)                                           \
  template <class T> double NAME(const T* x, int64_t n) {            \
    if constexpr (std::is_same_v<T, float>) return NAME##_float(x, n); \
    else return NAME##_double(x, n);                                 \
  }
CGRAD_BY_TYPE(row_product)
CGRAD_BY_TYPE(row_sum_of_squares)
CGRAD_BY_TYPE(row_sum_of_magnitudes)
#undef CGRAD_BY_TYPE

template <class T> double sum_block(const T* p, int64_t n) {
  if constexpr (std::is_same_v<T, float>) return sum_block_float(p, n);
  else return sum_block_double(p, n);
}

// p[0, n) folded block by block (block(q, m) folds one block), the blocks' results then
// combined by op in block order on one thread; threads take whole blocks.
template <class T, class Block, class Op>
double fold_contiguous(const T* p, int64_t n, double identity, Op op, const Block& block) {
  const int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  double total = identity;
  if (blocks <= 1) return n > 0 ? op(total, block(p, n)) : total;
  std::vector<double> partial(static_cast<size_t>(blocks));
  parallel_for(blocks, /*grain=*/2, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b)
      partial[b] = block(p + b * kSumBlock, std::min(kSumBlock, n - b * kSumBlock));
  }, /*align=*/1);
  for (double s : partial) total = op(total, s);
  return total;
}

template <class T> double sum_contiguous(const T* p, int64_t n) {
  return fold_contiguous(p, n, 0.0, std::plus<>(),
                         [](const T* q, int64_t m) { return sum_block(q, m); });
}

// When `a` is contiguous and the reduced dims are its trailing ones, each output sums
// one contiguous run: the fast path for x.sum() and x.sum(-1).
template <class T> bool trailing_runs(const TensorImpl& a, const TensorImpl& out, int64_t& run) {
  if (!a.is_contiguous()) return false;
  run = 1;
  bool in_suffix = true;
  for (int64_t d = a.dim() - 1; d >= 0; --d) {
    bool reduced = out.sizes[d] == 1 && a.sizes[d] != 1;
    if (reduced && !in_suffix) return false;
    if (!reduced && a.sizes[d] != 1) in_suffix = false;
    if (in_suffix) run = saturating_mul(run, a.sizes[d]);
  }
  return true;
}

// Note [Sums over outer and inner dims]: a contiguous tensor whose reduced dims are a
// leading group and a trailing group, around the kept ones, viewed as [outer, kept,
// inner]: x.sum((0, 2, 3)) (a convolution's bias gradient), x.sum(0) (a linear layer's),
// x.sum(-1) of short rows. The element-by-element loop ran one dependent double add per
// element, 6-15x torch's time on those three. Here each output k takes:
//   long runs (inner >= 256, or >= kLanes with outer == 1): its `outer` runs, each
//     summed as a block (Note [Blocked sums]), added in order;
//   otherwise: for each inner position, the sum over outer in order, accumulated for a
//     tile of outputs at once (a vector add along memory), then those `inner` partial
//     sums folded (in order below 32, four outputs interleaved; in 8 lanes above): a
//     block sum of 64 elements costs more than the 64 elements.
// Threads split the outputs, so nothing depends on the thread count. With outer == 1
// both give exactly what summing each trailing run as a block does. Norms, products,
// max/min and variances use the same view (slab_fold, extreme_outer_kept_inner,
// variance_outer_kept_inner).
// A permuted block of memory (x.t()) is viewed in memory order, as long as its kept dims
// keep their order there (so that output k is the k-th kept position in memory).
bool outer_kept_inner(const TensorImpl& a, const TensorImpl& out, int64_t& outer, int64_t& kept,
                      int64_t& inner) {
  if (a.numel() == 0 || !a.is_non_overlapping_and_dense()) return false;
  Shape order;  // the dims of size > 1, outermost in memory first
  for (int64_t d = 0; d < a.dim(); ++d)
    if (a.sizes[d] != 1) order.push_back(d);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t l, int64_t r) { return a.strides[l] > a.strides[r]; });
  outer = kept = inner = 1;
  int group = 0;  // 0: leading reduced dims, 1: kept, 2: trailing reduced
  int64_t last_kept = -1;
  for (const int64_t d : order) {
    const bool reduced = out.sizes[d] == 1;
    if (!reduced && d < last_kept) return false;
    if (!reduced) last_kept = d;
    if (group == 0 && !reduced) group = 1;
    else if (group == 1 && reduced) group = 2;
    else if (group == 2 && !reduced) return false;
    int64_t& size = group == 0 ? outer : group == 1 ? kept : inner;
    size = saturating_mul(size, a.sizes[d]);
  }
  return true;
}

constexpr int64_t kTile = 2048;  // partial sums per tile: 16 KiB, in L1

// The tiling shared by the kernels on the [outer, kept, inner] view: threads split the
// outputs, each taking tiles of outputs [k0, k1) whose inner positions (in chunks
// [i0, i0 + length) when inner is longer than a tile) fit kTile partials in L1:
// body(k0, k1, i0, length). An output's chunks come in order.
template <class Body>
void for_each_tile(int64_t outer, int64_t kept, int64_t inner, const Body& body) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, outer * inner));
  const int64_t chunk = std::min(inner, kTile);
  const int64_t tile = std::max<int64_t>(1, kTile / inner);  // > 1 only when one chunk
  parallel_for(kept, grain, [&](int64_t begin, int64_t end) {
    for (int64_t k0 = begin; k0 < end; k0 += tile)
      for (int64_t i0 = 0; i0 < inner; i0 += chunk)
        body(k0, std::min(end, k0 + tile), i0, std::min(chunk, inner - i0));
  }, 1);
}

// p[0, n) folded by op in a fixed order: in order when short; else in 8 interleaved lanes
// (element i in lane i % 8), combined in lane order, so a long row is not one chain of
// dependent operations (the final step of a row's sum, norm or product when outer is 1).
template <class Op> double fold(const double* p, int64_t n, double identity, Op op) {
  constexpr int64_t kFoldLanes = 8;
  double r = identity;
  int64_t i = 0;
  if (n >= 4 * kFoldLanes) {
    double lanes[kFoldLanes];
    std::fill(lanes, lanes + kFoldLanes, identity);
    for (; i + kFoldLanes <= n; i += kFoldLanes)
      for (int64_t j = 0; j < kFoldLanes; ++j) lanes[j] = op(lanes[j], p[i + j]);
    for (int64_t j = 0; j < kFoldLanes; ++j) r = op(r, lanes[j]);
  }
  for (; i < n; ++i) r = op(r, p[i]);
  return r;
}

// The shorter-inner scheme of Note [Sums over outer and inner dims] for any vertical
// step (partial[i] = op(partial[i], term(row[i])) along memory): add_widened for sums,
// add_squares and add_magnitudes for the 2- and 1-norms, multiply_widened for products.
// Each output's partials are then folded by op (four short rows at once).
// Rows (outer == 1) at least a lane set long go to row(x, n) instead (Note [Row folds]).
template <class T, class Op, class Vertical, class Row>
void slab_fold(const T* x, int64_t outer, int64_t kept, int64_t inner, double* acc,
               double identity, Op op, const Vertical& vertical, const Row& row) {
  if (outer == 1 && inner >= kLanes) {
    parallel_for(kept, std::max<int64_t>(1, kGrainSize / inner), [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) acc[k] = row(x + k * inner, inner);
    }, 1);
    return;
  }
  for_each_tile(outer, kept, inner, [&](int64_t k0, int64_t k1, int64_t i0, int64_t length) {
    double partial[kTile];
    if (i0 == 0) std::fill(acc + k0, acc + k1, identity);
    std::fill(partial, partial + (k1 - k0) * length, identity);
    for (int64_t o = 0; o < outer; ++o)
      vertical(x + (o * kept + k0) * inner + i0, (k1 - k0) * length, partial);
    int64_t k = k0;
    for (; k + 4 <= k1 && length < 32; k += 4) {
      const double* p = partial + (k - k0) * length;
      double r0 = identity, r1 = identity, r2 = identity, r3 = identity;
      for (int64_t i = 0; i < length; ++i) {
        r0 = op(r0, p[i]);
        r1 = op(r1, p[length + i]);
        r2 = op(r2, p[2 * length + i]);
        r3 = op(r3, p[3 * length + i]);
      }
      acc[k] = op(acc[k], r0), acc[k + 1] = op(acc[k + 1], r1);
      acc[k + 2] = op(acc[k + 2], r2), acc[k + 3] = op(acc[k + 3], r3);
    }
    for (; k < k1; ++k)
      acc[k] = op(acc[k], fold(partial + (k - k0) * length, length, identity, op));
  });
}

template <class T>
void sum_outer_kept_inner(const T* x, int64_t outer, int64_t kept, int64_t inner, double* acc) {
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, outer * inner));
  if (inner >= 8 * kLanes) {
    parallel_for(kept, grain, [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) {
        double r = 0;
        for (int64_t o = 0; o < outer; ++o) r += sum_block(x + (o * kept + k) * inner, inner);
        acc[k] = r;
      }
    }, 1);
    return;
  }
  slab_fold(x, outer, kept, inner, acc, 0.0, std::plus<>(),
            [](const T* row, int64_t n, double* partial) { add_widened(row, n, partial); },
            [](const T* row, int64_t n) { return sum_block(row, n); });
}

// max/min over the [outer, kept, inner] view, as its sum (Note [Sums over outer and inner
// dims]): the running extreme of each inner position over outer, a vector select along
// memory, then over inner in order. The first NaN sticks, as in `beats`, written as
// selects so that the vertical step vectorises (element by element it ran at 11x torch).
template <bool IS_MAX, class T> inline T extreme_of(T best, T x) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool take = (best == best) & ((x != x) | (IS_MAX ? x > best : x < best));
    return take ? x : best;
  } else {
    return (IS_MAX ? x > best : x < best) ? x : best;
  }
}

// The vertical step, partial[i] = extreme_of(partial[i], row[i]), cloned per ISA for
// float and double as the sums' steps are: built for the baseline it compared four floats
// at a time (x.amax(0) of 1024 x 1024 at 1 thread: 236-394 -> 100-104 us, torch 123).
#define CGRAD_EXTREME_STEP(NAME, IS_MAX, T)                                               \
  __attribute__((target_clones("avx512f", "avx2", "default"))) void NAME##_##T(           \
      T* partial, const T* row, int64_t n) {                                             \
    for (int64_t i = 0; i < n; ++i) partial[i] = extreme_of<IS_MAX>(partial[i], row[i]); \
  }
CGRAD_EXTREME_STEP(max_step, true, float)
CGRAD_EXTREME_STEP(max_step, true, double)
CGRAD_EXTREME_STEP(min_step, false, float)
CGRAD_EXTREME_STEP(min_step, false, double)
#undef CGRAD_EXTREME_STEP

template <bool IS_MAX, class T> void extreme_step(T* partial, const T* row, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    IS_MAX ? max_step_float(partial, row, n) : min_step_float(partial, row, n);
  } else if constexpr (std::is_same_v<T, double>) {
    IS_MAX ? max_step_double(partial, row, n) : min_step_double(partial, row, n);
  } else {
    for (int64_t i = 0; i < n; ++i) partial[i] = extreme_of<IS_MAX>(partial[i], row[i]);
  }
}

template <bool IS_MAX, class T>
void extreme_outer_kept_inner(const T* x, int64_t outer, int64_t kept, int64_t inner, T init,
                              T* result) {
  for_each_tile(outer, kept, inner, [&](int64_t k0, int64_t k1, int64_t i0, int64_t length) {
    T partial[kTile];
    if (i0 == 0) std::fill(result + k0, result + k1, init);
    const int64_t width = (k1 - k0) * length;
    std::fill(partial, partial + width, init);
    for (int64_t o = 0; o < outer; ++o)
      extreme_step<IS_MAX>(partial, x + (o * kept + k0) * inner + i0, width);
    for (int64_t k = k0; k < k1; ++k)
      for (int64_t i = 0; i < length; ++i)
        result[k] = extreme_of<IS_MAX>(result[k], partial[(k - k0) * length + i]);
  });
}

// r * x that wraps for integers (torch's behaviour) instead of overflowing (UB).
template <class A> A times(A r, A x) {
  if constexpr (std::is_integral_v<A>)
    return static_cast<A>(static_cast<uint64_t>(r) * static_cast<uint64_t>(x));
  else
    return r * x;
}

// Running max/min in a's own type (exact for int64); the first NaN sticks.
template <class T> T extreme_init(bool is_max) {
  if constexpr (std::is_same_v<T, bool>) return !is_max;
  else if constexpr (std::is_floating_point_v<T>)
    return is_max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  else return is_max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}
template <class T> bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
  else return false;
}
template <class T> bool beats(bool is_max, T x, T best) {
  if (is_nan(best)) return false;
  return is_nan(x) || (is_max ? x > best : x < best);
}

template <class T> void reduce_typed(ReduceOp op, const TensorImpl& a, TensorImpl& out, double p) {
  const int64_t n = out.numel();
  if (op == ReduceOp::Max || op == ReduceOp::Min) {
    const bool is_max = op == ReduceOp::Max;
    using S = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;  // not vector<bool>
    int64_t outer, kept, inner;
    if constexpr (!std::is_same_v<T, bool>) {
      if (n > 1 && outer_kept_inner(a, out, outer, kept, inner) && kept == n) {
        const T init = extreme_init<T>(is_max);
        T* result = out.data<T>();
        if (is_max) extreme_outer_kept_inner<true>(a.data<T>(), outer, kept, inner, init, result);
        else extreme_outer_kept_inner<false>(a.data<T>(), outer, kept, inner, init, result);
        return;
      }
    }
    std::vector<S> acc(n, extreme_init<T>(is_max));
    reduce_into<T, S>(a, out, acc, [is_max](S r, T x) -> S {
      return beats(is_max, x, static_cast<T>(r)) ? x : r;
    });
    std::copy(acc.begin(), acc.end(), out.data<T>());
    return;
  }
  if (op == ReduceOp::All || op == ReduceOp::Any) {
    const bool all = op == ReduceOp::All;
    std::vector<uint8_t> acc(n, all);
    reduce_into<T, uint8_t>(a, out, acc, [all](uint8_t r, T x) -> uint8_t {
      return all ? (r && x != T(0)) : (r || x != T(0));
    });
    std::copy(acc.begin(), acc.end(), out.data<bool>());
    return;
  }
  dispatch(out.dtype, [&](auto otag) {
    using O = typename decltype(otag)::type;
    O* o = out.data<O>();
    if (op == ReduceOp::Sum || op == ReduceOp::Prod) {
      using A = acc_t<T>;
      const bool prod = op == ReduceOp::Prod;
      std::vector<A> acc(n, A(prod ? 1 : 0));
      int64_t run = 0;
      if constexpr (std::is_floating_point_v<T>) {
        if (!prod && trailing_runs<T>(a, out, run) && run * n == a.numel() && run >= kSumBlock) {
          const T* p = a.data<T>();
          for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(sum_contiguous(p + i * run, run));
          return;
        }
        int64_t outer, kept, inner;
        if (n > 1 && outer_kept_inner(a, out, outer, kept, inner) && kept == n) {
          if (prod)  // (products in double, over outer along memory, then folded)
            slab_fold(a.data<T>(), outer, kept, inner, acc.data(), 1.0, std::multiplies<>(),
                      [](const T* row, int64_t m, double* partial) {
                        multiply_widened(row, m, partial);
                      },
                      [](const T* row, int64_t m) { return row_product(row, m); });
          else
            sum_outer_kept_inner(a.data<T>(), outer, kept, inner, acc.data());
          for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i]);
          return;
        }
        // All of a permuted block of memory (x.t().sum()) is read in memory order, as
        // torch's iterator reads it: torch's order of additions, and a contiguous run.
        if (!prod && n == 1 && a.is_non_overlapping_and_dense()) {
          *o = static_cast<O>(sum_contiguous(a.data<T>(), a.numel()));
          return;
        }
      }
      if (prod)
        reduce_into<T, A>(a, out, acc, [](A r, T x) { return times<A>(r, static_cast<A>(x)); });
      else
        reduce_into<T, A>(a, out, acc, [](A r, T x) { return r + static_cast<A>(x); });
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i]);
      return;
    }
    double init = op == ReduceOp::NormNegInf ? std::numeric_limits<double>::infinity() : 0.0;
    std::vector<double> acc(n, init);
    switch (op) {
      case ReduceOp::NormInf:
        reduce_into<T, double>(a, out, acc, [](double r, T x) {
          double v = std::fabs(static_cast<double>(x));
          return (v > r || std::isnan(v)) ? v : r;
        });
        break;
      case ReduceOp::NormNegInf:
        reduce_into<T, double>(a, out, acc, [](double r, T x) {
          double v = std::fabs(static_cast<double>(x));
          return (v < r || std::isnan(v)) ? v : r;
        });
        break;
      case ReduceOp::NormZero:
        reduce_into<T, double>(a, out, acc, [](double r, T x) { return r + (x != T(0)); });
        break;
      default: {
        // Note [Float32 norms overflow as torch's]: torch computes a float32 norm in
        // float32 without rescaling, so |x|^p overflows to inf (norm of 1e30: inf) or
        // underflows to 0 (norm of 1e-30: 0) term by term, and a sum of terms above the
        // float32 range is inf. Terms, the sum's range and the root are taken in the
        // result's precision C as torch's are; the sum itself stays in double, so long
        // sums do not lose the bits torch's blocked summation keeps.
        using C = std::conditional_t<std::is_same_v<O, float>, float, double>;
        const C pc = static_cast<C>(p);
        // The 1- and 2-norms over the [outer, kept, inner] view (as sums over it) when
        // the terms are taken in x's own dtype; of all of a dense block, folded in blocks
        // of memory as x.sum() (Note [Row folds]).
        bool folded = false;
        if constexpr (std::is_same_v<C, T>) {
          const bool p12 = p == 1.0 || p == 2.0;
          const T* x = a.data<T>();
          int64_t outer, kept, inner;
          if (p12 && n > 1 && outer_kept_inner(a, out, outer, kept, inner) && kept == n) {
            folded = true;
            if (p == 2.0)
              slab_fold(x, outer, kept, inner, acc.data(), 0.0, std::plus<>(),
                        [](const T* row, int64_t m, double* partial) { add_squares(row, m, partial); },
                        [](const T* row, int64_t m) { return row_sum_of_squares(row, m); });
            else
              slab_fold(x, outer, kept, inner, acc.data(), 0.0, std::plus<>(),
                        [](const T* row, int64_t m, double* partial) { add_magnitudes(row, m, partial); },
                        [](const T* row, int64_t m) { return row_sum_of_magnitudes(row, m); });
          } else if (p12 && n == 1 && a.is_non_overlapping_and_dense()) {
            folded = true;
            acc[0] = p == 2.0
                ? fold_contiguous(x, a.numel(), 0.0, std::plus<>(),
                                  [](const T* q, int64_t m) { return row_sum_of_squares(q, m); })
                : fold_contiguous(x, a.numel(), 0.0, std::plus<>(),
                                  [](const T* q, int64_t m) { return row_sum_of_magnitudes(q, m); });
          }
        }
        if (!folded && p == 1.0)
          reduce_into<T, double>(a, out, acc,
                                 [](double r, T x) { return r + std::fabs(static_cast<double>(x)); });
        else if (!folded && p == 2.0)
          reduce_into<T, double>(a, out, acc, [](double r, T x) {
            const C v = static_cast<C>(x);
            return r + static_cast<double>(v * v);
          });
        else if (!folded)
          reduce_into<T, double>(a, out, acc, [pc](double r, T x) {
            return r + static_cast<double>(std::pow(std::fabs(static_cast<C>(x)), pc));
          });
        for (auto& v : acc) {
          const C sum = static_cast<C>(v);
          v = p == 1.0 ? sum : (p == 2.0 ? std::sqrt(sum) : std::pow(sum, C(1) / pc));
        }
      }
    }
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(acc[i]);
  });
}

}  // namespace

void reduce(ReduceOp op, const TensorImpl& a, TensorImpl& out, double p) {
  if (any_small({&a, &out})) [[unlikely]] {
    Widened wa(a);
    WidenedOut wout(out);
    reduce(op, *wa, *wout, p);
    return wout.store();
  }
  dispatch(a.dtype, [&](auto tag) { reduce_typed<typename decltype(tag)::type>(op, a, out, p); });
}

namespace {

// var = sum((x - mean)^2) / max(0, count - correction) (0/0 = NaN, x/0 = inf, as torch),
// rooted for std before it is rounded to O, as torch's: a float32 variance may overflow
// where its root does not.
template <class O> O finish_variance(double m2, double count, double correction,
                                     bool take_sqrt) {
  const double var = m2 / std::max(0.0, count - correction);
  return static_cast<O>(take_sqrt ? std::sqrt(var) : var);
}

// All of `a` summed as reduce's Sum sums it into the one-element `out`.
template <class T> double sum_all(const TensorImpl& a, const TensorImpl& out) {
  if (a.is_non_overlapping_and_dense()) return sum_contiguous(a.data<T>(), a.numel());
  std::vector<double> acc(1, 0.0);
  reduce_into<T, double>(a, out, acc, [](double r, T x) { return r + static_cast<double>(x); });
  return acc[0];
}

// sum((x - mean)^2) in double, one running sum in element order (memory order where `a`
// is a block of memory, as torch takes it): torch's order up to its grain of 32768
// elements. Longer blocks go in pieces of that size on threads, the piece sums added in
// order, so the result does not depend on the thread count.
template <class T> double squared_deviations(const TensorImpl& a, const TensorImpl& out,
                                             double mean) {
  auto add = [mean](double r, T x) {
    const double d = static_cast<double>(x) - mean;
    return r + d * d;
  };
  if (!a.is_non_overlapping_and_dense()) {
    std::vector<double> acc(1, 0.0);
    reduce_into<T, double>(a, out, acc, add);
    return acc[0];
  }
  const T* p = a.data<T>();
  const int64_t n = a.numel(), blocks = (n + kSumBlock - 1) / kSumBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
  parallel_for(blocks, /*grain=*/1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      double r = 0.0;
      for (int64_t i = b * kSumBlock, stop = std::min(n, i + kSumBlock); i < stop; ++i)
        r = add(r, p[i]);
      partial[b] = r;
    }
  }, /*align=*/1);
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

// Note [Variance over outer and inner dims]: the [outer, kept, inner] view of Note [Sums
// over outer and inner dims], in two passes in double: each output's mean from its sum,
// then the sum of squared deviations from that mean, accumulated over outer as a vector
// add along memory (against each element's own mean, laid out beside it) and then over
// inner in order. The one-pass Welford update, a division per element, ran batch norm's
// statistics at 3x torch's time. Threads split the outputs: no thread-count dependence.
template <class T>
void variance_outer_kept_inner(const T* x, int64_t outer, int64_t kept, int64_t inner,
                               double* mean, double* m2) {
  sum_outer_kept_inner(x, outer, kept, inner, mean);
  const double count = static_cast<double>(outer) * static_cast<double>(inner);
  for (int64_t k = 0; k < kept; ++k) mean[k] /= count;
  for_each_tile(outer, kept, inner, [&](int64_t k0, int64_t k1, int64_t i0, int64_t length) {
    double partial[kTile], centre[kTile];
    if (i0 == 0) std::fill(m2 + k0, m2 + k1, 0.0);
    const int64_t width = (k1 - k0) * length;
    for (int64_t k = k0; k < k1; ++k)
      std::fill(centre + (k - k0) * length, centre + (k - k0 + 1) * length, mean[k]);
    std::fill(partial, partial + width, 0.0);
    for (int64_t o = 0; o < outer; ++o)
      add_squared_deviations(x + (o * kept + k0) * inner + i0, width, centre, partial);
    for (int64_t k = k0; k < k1; ++k)
      for (int64_t i = 0; i < length; ++i) m2[k] += partial[(k - k0) * length + i];
  });
}

// var/std (and var_mean's mean) by Note [Variance over outer and inner dims], where its
// view applies; false where it does not. One output keeps Welford's loop, whose running
// mean var_mean returns as torch's does; so does a mean made infinite by an infinite
// element, which Welford's running mean turns into NaN.
bool variance_by_view(const TensorImpl& a, TensorImpl& out, double correction, bool take_sqrt,
                      TensorImpl* mean_out) {
  const int64_t n = out.numel();
  int64_t outer, kept, inner;
  if (n <= 1 || !is_floating(a.dtype) || !outer_kept_inner(a, out, outer, kept, inner) || kept != n)
    return false;
  std::vector<double> mean(n), m2(n);
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>)
      variance_outer_kept_inner(a.data<T>(), outer, kept, inner, mean.data(), m2.data());
  });
  if (mean_out && !std::all_of(mean.begin(), mean.end(), [](double v) { return std::isfinite(v); }))
    return false;
  const double count = static_cast<double>(outer) * static_cast<double>(inner);
  dispatch(out.dtype, [&](auto tag) {
    using O = typename decltype(tag)::type;
    O* o = out.data<O>();
    O* m = mean_out ? mean_out->data<O>() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      o[i] = finish_variance<O>(m2[i], count, correction, take_sqrt);
      if (m) m[i] = static_cast<O>(mean[i]);
    }
  });
  return true;
}

}  // namespace

void variance(const TensorImpl& a, TensorImpl& out, double correction, bool take_sqrt,
              TensorImpl* mean_out) {
  if (any_small({&a, &out, mean_out})) [[unlikely]] {
    Widened wa(a);
    WidenedOut wout(out);
    if (!mean_out) {
      variance(*wa, *wout, correction, take_sqrt);
      return wout.store();
    }
    WidenedOut wmean(*mean_out);
    variance(*wa, *wout, correction, take_sqrt, &*wmean);
    wmean.store();
    return wout.store();
  }
  struct Welford {
    double mean = 0.0, m2 = 0.0;
    int64_t n = 0;
  };
  const int64_t n = out.numel();
  if (variance_by_view(a, out, correction, take_sqrt, mean_out)) return;
  std::vector<Welford> acc(n);
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    reduce_into<T, Welford>(a, out, acc, [](Welford w, T x) {
      const double v = static_cast<double>(x), delta = v - w.mean;
      w.n += 1;
      w.mean += delta / static_cast<double>(w.n);
      w.m2 += delta * (v - w.mean);
      return w;
    });
  });
  dispatch(out.dtype, [&](auto tag) {
    using O = typename decltype(tag)::type;
    O* o = out.data<O>();
    O* m = mean_out ? mean_out->data<O>() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      o[i] = finish_variance<O>(acc[i].m2, static_cast<double>(acc[i].n), correction, take_sqrt);
      if (m)
        m[i] = static_cast<O>(acc[i].n ? acc[i].mean : std::numeric_limits<double>::quiet_NaN());
    }
  });
}

void variance_two_pass(const TensorImpl& a, TensorImpl& out, double correction, bool take_sqrt) {
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {
      const double count = static_cast<double>(a.numel());
      // a.mean() exactly: the sum rounded to T, divided by the count in T.
      const T mean = static_cast<T>(sum_all<T>(a, out)) / static_cast<T>(count);
      const double m2 = squared_deviations<T>(a, out, static_cast<double>(mean));
      *out.data<T>() = finish_variance<T>(m2, count, correction, take_sqrt);
    }
  });
}

void arg_reduce(bool is_max, const TensorImpl& a, int64_t dim, TensorImpl& values,
                TensorImpl& indices) {
  if (any_small({&a})) [[unlikely]] {
    Widened wa(a);
    WidenedOut wvalues(values);
    arg_reduce(is_max, *wa, dim, *wvalues, indices);
    return wvalues.store();
  }
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Walk every output position (a's shape with 1 at dim); each scans its own row.
    Shape outer = a.sizes;
    outer[dim] = 1;
    const int64_t item = static_cast<int64_t>(sizeof(T));
    std::array<Shape, 3> strides{Shape(outer.size()), Shape(outer.size()), Shape(outer.size())};
    const Shape out_strides = contiguous_strides(outer);
    for (size_t d = 0; d < outer.size(); ++d) {
      strides[0][d] = outer[d] == 1 ? 0 : a.strides[d] * item;
      strides[1][d] = outer[d] == 1 ? 0 : out_strides[d] * item;
      strides[2][d] = outer[d] == 1 ? 0 : out_strides[d] * int64_t(sizeof(int64_t));
    }
    const int64_t len = a.sizes[dim], step = a.strides[dim] * item;
    std::array<char*, 3> ptrs{static_cast<char*>(a.raw_data()),
                              static_cast<char*>(values.raw_data()),
                              static_cast<char*>(indices.raw_data())};
    for_each_row<3>(outer, strides, ptrs, [&](auto& p, auto& s, int64_t m) {
      for (int64_t i = 0; i < m; ++i) {
        const char* row = p[0] + i * s[0];
        T best = *reinterpret_cast<const T*>(row);
        int64_t at = 0;
        for (int64_t j = 1; j < len && !is_nan(best); ++j) {
          const T x = *reinterpret_cast<const T*>(row + j * step);
          if (beats(is_max, x, best)) {
            best = x;
            at = j;
          }
        }
        *reinterpret_cast<T*>(p[1] + i * s[1]) = best;
        *reinterpret_cast<int64_t*>(p[2] + i * s[2]) = at;
      }
    });
  });
}

}  // namespace cgrad::kernels
