// Offset-table copies (Note [Offset tables]) and nonzero.
#include "kernels/index.h"

#include <type_traits>

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

// Calls move(strided_element, packed_element) for every element of every block.
template <class T, class Move>
void walk_blocks(T* strided, const OffsetTable& table, T* packed, Move move) {
  Shape sizes, strides;
  collapse(table.block, table.block_strides, sizes, strides);
  for (int64_t s : sizes)
    if (s == 0) return;
  const int64_t nd = static_cast<int64_t>(sizes.size());
  const int64_t inner = nd ? sizes.back() : 1;
  const int64_t step = nd ? strides.back() : 0;
  std::vector<int64_t> index(nd > 1 ? nd - 1 : 0);
  for (int64_t base : table.offsets) {
    for (;;) {
      T* s = strided + base;
      if (step == 1) {
        for (int64_t i = 0; i < inner; ++i) move(s[i], packed[i]);
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

// dst += v, wrapping for integers like torch's add (signed overflow is UB in C++).
template <class T> inline void add_into(T& dst, T v) {
  if constexpr (std::is_same_v<T, bool>) dst = dst || v;
  else if constexpr (std::is_integral_v<T>)
    dst = static_cast<T>(std::make_unsigned_t<T>(dst) + std::make_unsigned_t<T>(v));
  else dst += v;
}

// Visits a's elements in row-major order: f(value).
template <class T, class F> void for_each_element(const TensorImpl& a, F f) {
  const int64_t nd = a.dim();
  for (int64_t s : a.sizes)
    if (s == 0) return;
  const T* p = a.data<T>();
  std::vector<int64_t> index(nd);
  int64_t off = 0;
  for (;;) {
    f(p[off], index);
    int64_t d = nd - 1;
    for (; d >= 0; --d) {
      off += a.strides[d];
      if (++index[d] < a.sizes[d]) break;
      off -= a.strides[d] * a.sizes[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace

void gather_blocks(const TensorImpl& src, const OffsetTable& table, TensorImpl& out) {
  dispatch(src.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    walk_blocks(src.data<T>(), table, out.data<T>(), [](const T& s, T& p) { p = s; });
  });
}

void scatter_blocks(TensorImpl& dst, const OffsetTable& table, const TensorImpl& values,
                    bool accumulate) {
  dispatch(dst.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* v = values.data<T>();
    if (accumulate) walk_blocks(dst.data<T>(), table, v, [](T& d, T& p) { add_into(d, p); });
    else walk_blocks(dst.data<T>(), table, v, [](T& d, T& p) { d = p; });
  });
}

int64_t count_nonzero(const TensorImpl& a) {
  return dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t n = 0;
    for_each_element<T>(a, [&](T v, const std::vector<int64_t>&) { n += v != T(0); });
    return n;
  });
}

void nonzero(const TensorImpl& a, TensorImpl& out) {
  int64_t* o = out.data<int64_t>();
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_element<T>(a, [&](T v, const std::vector<int64_t>& index) {
      if (v == T(0)) return;
      for (int64_t i : index) *o++ = i;
    });
  });
}

}  // namespace cgrad::kernels
