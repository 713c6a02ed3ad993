// Offset-table copies (Note [Offset tables]) and nonzero.
#include "kernels/index.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "cgrad/parallel.h"
#include "kernels/loop.h"
#include "kernels/prefetch.h"

namespace cgrad::kernels {
namespace {

// Drops size-1 dims and merges neighbours that are contiguous with each other, so the
// innermost loop runs as long as possible.
void collapse(const Shape& sizes, const Shape& strides, Shape& out_sizes, Shape& out_strides) {
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 1) continue;
    if (!out_sizes.empty() && out_strides.back() == strides[i] * sizes[i]) {
      out_sizes.back() *= sizes[i];
      out_strides.back() = strides[i];
    } else {
      out_sizes.push_back(sizes[i]);
      out_strides.push_back(strides[i]);
    }
  }
}

// Elements in one block of the table.
int64_t block_numel(const OffsetTable& table) {
  int64_t n = 1;
  for (int64_t s : table.block) n *= s;
  return n;
}

// Table entries a row is prefetched ahead of its copy (Note [Gather threads]).
constexpr int64_t kPrefetchEntries = 8;

// Calls move(strided_element, packed_element) for every element of the blocks of
// entries [k0, k1), packed pointing at entry k0's block; a contiguous run of the strided
// side goes to move_run(strided_run, packed_run, length) as a whole.
template <class T, class Move, class MoveRun>
void walk_blocks(T* strided, const OffsetTable& table, int64_t k0, int64_t k1, T* packed,
                 Move move, MoveRun move_run) {
  Shape sizes, strides;
  collapse(table.block, table.block_strides, sizes, strides);
  for (int64_t s : sizes)
    if (s == 0) return;
  const int64_t nd = static_cast<int64_t>(sizes.size());
  const int64_t* offsets = table.offsets.get();
  if (nd == 0) {  // one element per entry (gather/scatter, indexing the last dim)
    for (int64_t k = k0; k < k1; ++k) move(strided[offsets[k]], *packed++);
    return;
  }
  const int64_t inner = sizes.back();
  const int64_t step = strides.back();
  const bool rows = nd == 1 && step == 1;  // each block one contiguous row
  std::vector<int64_t> index(nd > 1 ? nd - 1 : 0);
  for (int64_t k = k0; k < k1; ++k) {
    if (rows && k + kPrefetchEntries < k1)
      prefetch_row(strided + offsets[k + kPrefetchEntries], inner * int64_t(sizeof(T)));
    for (int64_t base = offsets[k];;) {
      T* s = strided + base;
      if (step == 1) {
        move_run(s, packed, inner);
      } else {
        for (int64_t i = 0; i < inner; ++i) move(s[i * step], packed[i]);
      }
      packed += inner;
      int64_t d = nd - 2;  // odometer over the outer block dims
      for (; d >= 0; --d) {
        base += strides[d];
        if (++index[d] < sizes[d]) break;
        base -= strides[d] * sizes[d];
        index[d] = 0;
      }
      if (d < 0) break;
    }
  }
}

// walk_blocks with every element moved by move, contiguous runs included.
template <class T, class Move>
void walk_blocks(T* strided, const OffsetTable& table, int64_t k0, int64_t k1, T* packed,
                 Move move) {
  walk_blocks(strided, table, k0, k1, packed, move, [&](T* s, T* p, int64_t n) {
    for (int64_t i = 0; i < n; ++i) move(s[i], p[i]);
  });
}

// dst += v, wrapping for integers like torch's add (signed overflow is UB in C++).
template <class T> inline void add_into(T& dst, T v) {
  if constexpr (std::is_same_v<T, bool>) dst = dst || v;
  else if constexpr (std::is_integral_v<T>)
    dst = static_cast<T>(std::make_unsigned_t<T>(dst) + std::make_unsigned_t<T>(v));
  else if constexpr (is_small_float_v<T>) dst = T(static_cast<float>(dst) + static_cast<float>(v));
  else dst += v;
}

}  // namespace

// Note [Gather threads]: a gather writes each entry's block to its own place in out, so
// threads take disjoint ranges of entries and the result cannot depend on their number.
// Rows picked by a list of indices (embedding's 32k rows of a 50k x 256 table) are read
// in no order the hardware prefetcher can follow, and the copy was bound by their misses:
// so each row is prefetched a few entries ahead, and rows are copied by memcpy (wider
// moves than the loop compiled for the baseline instruction set). In a C++ loop of that
// gather (medians of 30, ms): element loop 6.7, prefetched 5.2, prefetched memcpy 4.4.
// Scatters stay on one thread: entries that repeat write (or add into) the same block,
// in table order.
void gather_blocks(const TensorImpl& src, const OffsetTable& table, TensorImpl& out) {
  const int64_t block = block_numel(table);
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(block, 1));
  dispatch_all(src.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(table.count, grain, [&](int64_t k0, int64_t k1) {
      walk_blocks(src.data<T>(), table, k0, k1, out.data<T>() + k0 * block,
                  [](const T& s, T& p) { p = s; },
                  [](const T* s, T* p, int64_t n) {
                    if (n < 16) std::copy(s, s + n, p);  // a call costs more than a few moves
                    else std::memcpy(p, s, sizeof(T) * n);
                  });
    });
  });
}

void scatter_blocks(TensorImpl& dst, const OffsetTable& table, const TensorImpl& values,
                    bool accumulate) {
  dispatch_all(dst.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* v = values.data<T>();
    T* base = dst.data<T>();
    if (accumulate) walk_blocks(base, table, 0, table.count, v, [](T& d, T& p) { add_into(d, p); });
    else walk_blocks(base, table, 0, table.count, v, [](T& d, T& p) { d = p; });
  });
}

// Both walk a's rows (its last dim) in row-major order with the shared strided loop.
int64_t count_nonzero(const TensorImpl& a) {
  int64_t n = 0;
  dispatch_all(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row<1>(a.sizes, {broadcast_byte_strides(a, a.sizes)},
                    {static_cast<char*>(a.raw_data())}, [&](auto& p, auto& s, int64_t m) {
      for (int64_t i = 0; i < m; ++i) n += *reinterpret_cast<const T*>(p[0] + i * s[0]) != T(0);
    });
  });
  return n;
}

void nonzero(const TensorImpl& a, TensorImpl& out) {
  int64_t* o = out.data<int64_t>();
  const int64_t nd = a.dim();
  std::vector<int64_t> row(nd > 1 ? nd - 1 : 0);  // coordinates of the current row
  dispatch_all(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row<1>(a.sizes, {broadcast_byte_strides(a, a.sizes)},
                    {static_cast<char*>(a.raw_data())}, [&](auto& p, auto& s, int64_t m) {
      for (int64_t i = 0; i < m; ++i) {
        if (*reinterpret_cast<const T*>(p[0] + i * s[0]) == T(0)) continue;
        o = std::copy(row.begin(), row.end(), o);
        if (nd) *o++ = i;
      }
      for (int64_t d = nd - 2; d >= 0; --d) {
        if (++row[d] < a.sizes[d]) break;
        row[d] = 0;
      }
    });
  });
}

}  // namespace cgrad::kernels
