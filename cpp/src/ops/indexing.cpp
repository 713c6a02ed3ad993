// Indexing: advanced indexing (index, index_put), one dim at a time (index_select,
// index_add, index_copy, index_fill), elementwise along a dim (gather, scatter, scatter_add), masked_fill and
// nonzero. Every forward checks all positions while building an offset table (Note
// [Offset tables]), so the kernels never see an index out of range.
#include <cmath>
#include <functional>
#include <string>

#include "kernels/index.h"
#include "ops/common.h"

namespace cgrad {

using kernels::OffsetTable;

namespace {

// ---- index values and bounds ----

bool is_index_dtype(DType t) { return t == DType::Int64 || t == DType::Int32; }

// `index` broadcast to `sizes` as a fresh contiguous int64 tensor, to read linearly.
Tensor long_values(const Tensor& index, const Shape& sizes) {
  Tensor out = empty(sizes, DType::Int64);
  kernels::copy(*index, *out);
  return out;
}

// What a position outside [0, size) means: torch's exception type differs by op, and
// only subscripts count negative positions from the end.
struct Bounds {
  const char* prefix;  // the op, for the message; "" for x[...], which torch words plainly
  bool wrap_negative;
  bool index_error;  // IndexError, else RuntimeError
  bool checks_empty_results = false;  // index_select checks even where nothing is read
};
constexpr Bounds kSubscript{"", true, true};

[[noreturn]] void throw_out_of_bounds(int64_t v, int64_t size, int64_t dim, const Bounds& b) {
  std::string msg = std::string(b.prefix) + "index " + std::to_string(v) +
                    " is out of bounds for dimension " + std::to_string(dim) + " with size " +
                    std::to_string(size);
  if (b.index_error) throw IndexError(msg);
  throw std::runtime_error(msg);
}

// The position `v` stands for along a dim of `size`; runs once per index element, so the
// error path stays out of line.
inline int64_t checked(int64_t v, int64_t size, int64_t dim, const Bounds& b) {
  const int64_t w = b.wrap_negative && v < 0 ? v + size : v;
  if (__builtin_expect(w >= 0 && w < size, 1)) return w;
  throw_out_of_bounds(v, size, dim, b);
}

// torch checks gather/scatter/index_add shapes with 0-d tensors counted as 1-d of size 1.
Shape at_least_1d(const Shape& s) { return s.empty() ? Shape{1} : s; }
Shape strides_1d(const TensorImpl& t) { return t.strides.empty() ? Shape{1} : t.strides; }

// Calls f(offset) for every position of a (sizes, strides) grid, in row-major order.
template <class F> void for_each_offset(const Shape& sizes, const Shape& strides, F f) {
  for (int64_t s : sizes)
    if (s == 0) return;
  const int64_t nd = static_cast<int64_t>(sizes.size());
  if (nd == 0) return f(int64_t{0});
  const int64_t inner = sizes.back(), step = strides.back();
  std::vector<int64_t> at(nd - 1, 0);
  int64_t off = 0;
  for (;;) {
    for (int64_t i = 0; i < inner; ++i) f(off + i * step);
    int64_t d = nd - 2;
    for (; d >= 0; --d) {
      off += strides[d];
      if (++at[d] < sizes[d]) break;
      off -= strides[d] * sizes[d];
      at[d] = 0;
    }
    if (d < 0) return;
  }
}

bool expandable(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t i = 1; i <= from.size(); ++i) {
    int64_t f = from[from.size() - i];
    if (f != 1 && f != to[to.size() - i]) return false;
  }
  return true;
}


// True when an in-place write must go through apply_inplace to be recorded; otherwise
// the kernel writes into self directly, which spares a full copy of self per write.
bool write_needs_graph(const Tensor& self, const Tensor& other) {
  return GradMode::records() && (self->requires_grad() || other->requires_grad());
}

// Note [Partial writes into overlapping memory]: index_put_ and masked_fill_ write only
// the positions they select, and torch lets them write a self whose elements share
// memory (an expanded tensor): there a selected position's value reaches every element
// that shares its memory. A recorded write instead copies its whole out-of-place result
// into self, which for such a self would let unselected elements (written later) undo
// the selected ones. So the result is first settled: `write` runs on a private twin of
// self's memory (same strides), and the result takes the twin's values — what self's
// memory holds after the partial write, identical across elements that share memory.
Tensor settled_for(const Tensor& self, const Tensor& result,
                   const std::function<void(TensorImpl&)>& write) {
  if (result->sizes != self->sizes) return result;  // apply_inplace will refuse it
  int64_t span = 1;
  bool overlaps = false;
  for (size_t d = 0; d < self->sizes.size(); ++d) {
    if (self->sizes[d] == 0) return result;
    span += (self->sizes[d] - 1) * self->strides[d];
    overlaps = overlaps || (self->strides[d] == 0 && self->sizes[d] > 1);
  }
  if (!overlaps) return result;
  Tensor twin = make_view(empty({span}, self->dtype), self->sizes, self->strides, 0);
  kernels::copy(*self, *twin);
  write(*twin);
  kernels::copy(*twin, *result);
  return result;
}

// ---- advanced indexing plan ----

// Note [Normalized indices]: x[...] indices are checked and rewritten once, in the
// forward: a k-d bool mask becomes the k columns of its nonzero(), int32 becomes int64,
// undefined entries and 0-d masks stay. The result is itself a valid index list, which
// nodes save (as torch saves the expanded indices) and pass to index/index_put again.
// A uint8 index is a mask, as in torch (which deprecates it).
TensorList normalize_indices(const TensorImpl& self, const TensorList& given) {
  TensorList indices = given;
  for (Tensor& t : indices)
    if (t && t->dtype == DType::UInt8) t = detail::cast(t, DType::Bool);
  int64_t consumed = 0;
  for (const Tensor& t : indices)
    consumed += t && t->dtype == DType::Bool ? t->dim() : 1;
  if (consumed > self.dim())
    throw IndexError("too many indices for tensor of dimension " + std::to_string(self.dim()) +
                     " (got " + std::to_string(consumed) + ")");
  TensorList out;
  int64_t dim = 0;  // the dim of self the next index applies to
  bool any = false;
  for (const Tensor& t : indices) {
    if (!t) {
      out.push_back(nullptr);
      ++dim;
      continue;
    }
    any = true;
    if (is_index_dtype(t->dtype)) {
      out.push_back(detail::cast(t, DType::Int64));
      ++dim;
    } else if (t->dtype != DType::Bool) {
      throw IndexError("tensors used as indices must be long, int, byte or bool tensors");
    } else if (t->dim() == 0) {
      out.push_back(t);
    } else {
      for (int64_t j = 0; j < t->dim(); ++j)
        if (t->sizes[j] != self.sizes[dim + j])
          throw IndexError("The shape of the mask " + shape_str(t->sizes) + " at index " +
                           std::to_string(j) + " does not match the shape of the indexed tensor " +
                           shape_str(self.sizes) + " at index " + std::to_string(dim + j));
      Tensor coords = nonzero(t);
      for (int64_t j = 0; j < t->dim(); ++j) out.push_back(select(coords, 1, j));
      dim += t->dim();
    }
  }
  if (!any) throw IndexError("at least one index must be provided");
  return out;
}

// The dims a plan walks: the indexed tensor's, plus one of size 1 and stride 0 where a
// 0-d mask stands, indexed by [0] (True) or [] (False) — numpy's x[True] and x[False].
struct IndexedDims {
  Shape sizes, strides;
  TensorList index;  // per dim: int64 positions, or undefined for the whole dim
};

IndexedDims indexed_dims(const Shape& sizes, const Shape& strides, const TensorList& normalized) {
  IndexedDims g;
  size_t d = 0;
  auto keep = [&](const Tensor& index) {
    g.sizes.push_back(sizes[d]);
    g.strides.push_back(strides[d]);
    g.index.push_back(index);
    ++d;
  };
  for (const Tensor& t : normalized) {
    if (t && t->dtype == DType::Bool) {
      g.sizes.push_back(1);
      g.strides.push_back(0);
      g.index.push_back(full({item_as_int64(*t) ? 1 : 0}, 0.0, DType::Int64));
    } else {
      keep(t);
    }
  }
  while (d < sizes.size()) keep(nullptr);
  return g;
}

struct IndexPlan {
  Shape result;  // the shape of x[indices]
  OffsetTable table;
};

// Note [Advanced index layout]: the index tensors broadcast to one shape B. When the
// indexed dims are adjacent, B takes their place: result = before + B + after, walked as
// (before x B) table entries of `after`-shaped blocks. Otherwise B leads and every
// unindexed dim goes into the block: result = B + rest, as numpy and torch order it.
IndexPlan plan_index(const IndexedDims& g, const Bounds& bounds) {
  std::vector<size_t> dims;
  for (size_t d = 0; d < g.index.size(); ++d)
    if (g.index[d]) dims.push_back(d);
  Shape b = g.index[dims[0]]->sizes;
  for (size_t d : dims) {
    try {
      b = broadcast_shapes(b, g.index[d]->sizes);
    } catch (const std::runtime_error&) {
      std::string shapes;
      for (size_t e : dims) shapes += (shapes.empty() ? "" : ", ") + shape_str(g.index[e]->sizes);
      throw IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                       "shapes " + shapes);
    }
  }
  const bool adjacent = dims.back() - dims.front() + 1 == dims.size();
  Shape before, before_strides, block, block_strides;
  for (size_t d = 0; d < g.sizes.size(); ++d) {
    if (g.index[d]) continue;
    const bool is_before = adjacent && d < dims.front();
    (is_before ? before : block).push_back(g.sizes[d]);
    (is_before ? before_strides : block_strides).push_back(g.strides[d]);
  }
  Shape result = before;
  result.insert(result.end(), b.begin(), b.end());
  result.insert(result.end(), block.begin(), block.end());

  // torch checks an index as it reads or writes through it, so a result (or write) with
  // no elements checks none: zeros(4, 0)[tensor([4])] is an empty (1, 0) tensor.
  const bool checks = bounds.checks_empty_results || numel_of(result) > 0;
  const int64_t nb = numel_of(b);
  // torch's advanced indexing (x[i], x[i] = v) refuses any index into a dim of size 0
  // before it looks at a position, whatever the result's size.
  if (&bounds == &kSubscript && nb > 0)
    for (size_t d : dims)
      if (g.sizes[d] == 0) throw IndexError("index is out of bounds for dimension with size 0");
  std::vector<int64_t> index_offsets(nb, 0);
  for (size_t d : dims) {
    Tensor v = long_values(g.index[d], b);
    const int64_t* pv = v->data<int64_t>();
    for (int64_t k = 0; k < nb; ++k)
      index_offsets[k] +=
          (checks ? checked(pv[k], g.sizes[d], static_cast<int64_t>(d), bounds) : 0) *
          g.strides[d];
  }
  IndexPlan p{result, OffsetTable(numel_of(before) * nb, block, block_strides)};
  int64_t* out = p.table.offsets.get();
  for_each_offset(before, before_strides, [&](int64_t base) {
    for (int64_t off : index_offsets) *out++ = base + off;
  });
  return p;
}

// Note [Layout of indexing results]: torch computes x[i] with a TensorIterator over x
// (restrided: 0 along the index dims) and the index tensors (0 along the others), so the
// result takes their memory order: x.t()[:, i] is laid out like x.t(), and a later .view
// fails where torch's does. The gather below writes row-major; a result in another order
// is filled from that.
Tensor empty_in_index_layout(const IndexedDims& g, const Shape& result, DType dtype) {
  std::vector<size_t> dims;
  for (size_t d = 0; d < g.index.size(); ++d)
    if (g.index[d]) dims.push_back(d);
  Shape b = g.index[dims[0]]->sizes;
  for (size_t d : dims) b = broadcast_shapes(b, g.index[d]->sizes);
  const bool adjacent = dims.back() - dims.front() + 1 == dims.size();
  const size_t n = result.size(), rank = b.size();
  size_t before = 0;
  for (size_t d = 0; adjacent && d < dims.front(); ++d) ++before;
  std::vector<Shape> strides;
  Shape src(n, 0);
  size_t at_before = 0, at_block = before + rank;
  for (size_t d = 0; d < g.sizes.size(); ++d)
    if (!g.index[d]) src[adjacent && d < dims.front() ? at_before++ : at_block++] = g.strides[d];
  strides.push_back(std::move(src));
  for (size_t d : dims) {
    const Tensor& t = g.index[d];
    Shape st(n, 0);
    const size_t lead = rank - t->sizes.size();
    for (size_t i = 0; i < t->sizes.size(); ++i)
      st[before + lead + i] = (t->sizes[i] == 1 && b[lead + i] != 1) ? 0 : t->strides[i];
    // torch reshapes each index to the result's rank; the dims it adds keep the strides
    // view() gives them where the result has size 1 (and so can break ties in the order)
    const int64_t first = rank ? b[0] * st[before] : 1, last = rank ? st[before + rank - 1] : 1;
    for (size_t i = 0; i < n; ++i)
      if (result[i] == 1 && (i < before || i >= before + rank)) st[i] = i < before ? first : last;
    strides.push_back(std::move(st));
  }
  return detail::empty_in_layout(result, dtype, strides);
}

// Plan for one 0-d or 1-d index along `dim` of a (0-d counted as 1-d) tensor.
IndexPlan plan_along(const TensorImpl& t, int64_t dim, const Tensor& index, const Bounds& bounds) {
  Tensor vector = index->dim() == 1 ? index : make_view(index, {1}, {1}, index->offset);
  TensorList per_dim(std::max<int64_t>(t.dim(), 1));
  per_dim[dim] = vector;
  return plan_index({at_least_1d(t.sizes), strides_1d(t), per_dim}, bounds);
}

// One table entry per element of `index` (row-major): the element of a (sizes, strides)
// tensor at index's position, except along `dim`, where index's value picks it.
OffsetTable plan_gather(const Shape& sizes, const Shape& strides, int64_t dim,
                        const Tensor& index, const Bounds& bounds) {
  const Shape index_sizes = at_least_1d(index->sizes);
  Tensor v = long_values(index, index_sizes);
  const int64_t* pv = v->data<int64_t>();
  Shape walk = strides;
  walk[dim] = 0;
  OffsetTable t(v->numel());
  int64_t* out = t.offsets.get();
  for_each_offset(index_sizes, walk, [&](int64_t base) {
    *out++ = base + checked(*pv++, sizes[dim], dim, bounds) * strides[dim];
  });
  return t;
}

// ---- the writes behind index_put / scatter / index_add, in or out of place ----

// Python scalars take self's dtype, as `x[i] = 2` does in torch.
Tensor values_for(const TensorImpl& self, const Tensor& values) {
  detail::check_scalar_fits(values, self.dtype);
  return values->is_wrapped_number ? detail::cast(values, self.dtype) : values;
}

// Note [Masked writes of one value]: torch writes a one-element value through a lone
// bool mask (x[mask] = v, x[:, mask] = v) as a masked fill, which converts v to self's
// dtype; every other index_put wants the dtypes to match. The node is IndexPutBackward0
// either way, with v (in its own dtype) as an input.
bool converts_values(const TensorList& indices, const Tensor& values) {
  if (values->numel() != 1) return false;
  const Tensor* only = nullptr;
  for (const Tensor& t : indices) {
    if (!t) continue;
    if (only) return false;
    only = &t;
  }
  return only && (*only)->dtype == DType::Bool;
}

// Shapes are checked before dtypes, as torch does.
void index_put_into(TensorImpl& dst, const TensorList& normalized, const Tensor& values,
                    bool accumulate, bool convert) {
  IndexPlan p = plan_index(indexed_dims(dst.sizes, dst.strides, normalized), kSubscript);
  if (!expandable(values->sizes, p.result))
    throw std::runtime_error("shape mismatch: value tensor of shape " + shape_str(values->sizes) +
                             " cannot be broadcast to indexing result of shape " +
                             shape_str(p.result));
  if (values->dtype != dst.dtype && !convert)
    throw std::runtime_error(std::string("Index put requires the source and destination dtypes "
                                         "match, got ") + dtype_torch_name(dst.dtype) +
                             " for the destination and " + dtype_torch_name(values->dtype) +
                             " for the source.");
  Tensor packed = empty(p.result, dst.dtype);
  kernels::copy(*values, *packed);
  kernels::scatter_blocks(dst, p.table, *packed, accumulate);
}

Tensor copy_of(const Tensor& self) {
  Tensor out = empty(self->sizes, self->dtype);
  kernels::copy(*self, *out);
  return out;
}

Tensor index_put_recorded(const Tensor& self, const TensorList& indices, const Tensor& values_in,
                          bool accumulate, const char* name) {
  Tensor values = values_for(*self, values_in);
  TensorList normalized = normalize_indices(*self, indices);
  Tensor out = copy_of(self);
  index_put_into(*out, normalized, values, accumulate, converts_values(indices, values));
  if (any_requires_grad({&self, &values})) {
    auto node = make_node(name, {self, values},
                          [accumulate](Node& n, TensorList& g) -> TensorList {
      TensorList idx = n.saved_list(saved::normalized_indices);
      Tensor to_self, to_values;
      if (n.needs_input_grad(0))
        to_self = accumulate ? g[0] : index_put(g[0], idx, detail::constant(0.0), false);
      if (n.needs_input_grad(1)) to_values = sum_to(index(g[0], idx), n.input_meta()[1].sizes);
      return {to_self, to_values};
    });
    // As index(): the formula reads the normalized indices; the user's own (a bool mask)
    // are what torch saves and checks for writes before backward.
    record(node, {out}, {{saved::normalized_indices, normalized}, {saved::indices, indices}});
  }
  return out;
}

// gather/scatter's shape rules: index has self's rank and fits in self apart from `dim`
// (and in src everywhere, for scatter with a src tensor).
void check_scatter(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                   const Tensor* src) {
  const std::string name = std::string(op) + "(): ";
  if (!is_index_dtype(index->dtype))
    throw std::runtime_error(name + "Expected dtype int32/int64 for index");
  if (src && (*src)->dtype != self->dtype)
    throw std::runtime_error(name + "Expected self.dtype to be equal to src.dtype");
  const Shape s = at_least_1d(self->sizes), i = at_least_1d(index->sizes);
  if (i.size() != s.size())
    throw std::runtime_error(name + "Index tensor must have the same number of dimensions as "
                                    "self tensor");
  if (src && at_least_1d((*src)->sizes).size() != i.size())
    throw std::runtime_error(name + "Index tensor must have the same number of dimensions as "
                                    "src tensor");
  for (size_t d = 0; d < i.size(); ++d) {
    const bool fits = (static_cast<int64_t>(d) == dim || i[d] <= s[d]) &&
                      (!src || i[d] <= at_least_1d((*src)->sizes)[d]);
    if (fits) continue;
    std::string msg = name + "Expected index " + shape_str(index->sizes) +
                      " to be no larger than self " + shape_str(self->sizes) +
                      " apart from dimension " + std::to_string(dim);
    if (src) msg += " and to be no larger size than src " + shape_str((*src)->sizes);
    throw std::runtime_error(msg);
  }
}

// src's elements at index's positions (or a Python scalar) written or added into dst.
void scatter_into(const char* op, TensorImpl& dst, int64_t dim, const Tensor& index,
                  const Tensor& src, bool accumulate) {
  const std::string prefix = std::string(op) + "(): ";
  OffsetTable table = plan_gather(at_least_1d(dst.sizes), strides_1d(dst), dim, index,
                                  {prefix.c_str(), false, false});
  Tensor packed = empty(at_least_1d(index->sizes), dst.dtype);
  detail::check_scalar_fits(src, dst.dtype);
  if (src->is_wrapped_number) kernels::copy(*src, *packed);
  else kernels::copy(*make_view(src, packed->sizes, strides_1d(*src), src->offset), *packed);
  kernels::scatter_blocks(dst, table, *packed, accumulate);
}

// The gradient for src: gather's result has index's shape, while src may be larger (only
// its leading part is read), so it goes into zeros of src's shape.
Tensor src_grad(const Tensor& gathered, const Shape& src_sizes) {
  if (gathered->sizes == src_sizes) return gathered;
  const Shape whole = at_least_1d(src_sizes);
  Tensor part = reshape(gathered, at_least_1d(gathered->sizes));
  Tensor placed = embed_in_zeros(part, whole, {part->sizes, contiguous_strides(whole), 0});
  return reshape(placed, src_sizes);
}

Tensor zeros_of(const Shape& sizes, const Tensor& like) { return full(sizes, 0.0, like->dtype); }

void check_index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  if (!is_index_dtype(index->dtype))
    throw std::runtime_error(std::string("index_add(): Expected dtype int32/int64 for index but "
                                         "got: ") + dtype_torch_name(index->dtype));
  if (index->dim() > 1)
    throw IndexError("index_add(): Index is supposed to be a vector, but got dim: " +
                     std::to_string(index->dim()) + " with type: " +
                     dtype_torch_name(index->dtype) + " and size: " + shape_str(index->sizes));
  if (source->dtype != self->dtype)
    throw std::runtime_error(std::string("index_add(): self (") + dtype_torch_name(self->dtype) +
                             ") and source (" + dtype_torch_name(source->dtype) +
                             ") must have the same scalar type");
  // The count is checked first; for a 0-d source torch's message cannot name a size
  // along `dim`, and its attempt raises torch's IndexError instead.
  const int64_t along = at_least_1d(source->sizes)[dim];
  if (index->numel() != along) {
    if (source->dim() == 0)
      throw IndexError("Dimension specified as " + std::to_string(dim) +
                       " but tensor has no dimensions");
    throw std::runtime_error("index_add(): Number of indices (" + std::to_string(index->numel()) +
                             ") should be equal to source.size(dim): (" + std::to_string(along) +
                             "), for dim: " + std::to_string(dim));
  }
  bool same = source->dim() == self->dim();
  for (int64_t d = 0; same && d < self->dim(); ++d)
    same = d == dim || source->sizes[d] == self->sizes[d];
  if (!same)
    throw std::runtime_error("index_add(): source tensor shape must match self tensor shape, "
                             "excluding the specified dimension. Got self.shape = " +
                             shape_str(self->sizes) + " source.shape = " +
                             shape_str(source->sizes));
}

// Note [Index errors by path]: torch's CPU kernels for index_select and index_add check
// positions in different places depending on the layout, and so raise different types
// for a position out of range. Measured on torch 2.13 (the same for every dtype and
// stride): index_select of a 0-d or 1-d tensor raises IndexError ('index out of range in
// self', empty or not); of a tensor of 2+ dims, RuntimeError along dim 1 and for an empty
// tensor, IndexError otherwise. index_add raises RuntimeError along the first and the
// last dim of a tensor of 2+ dims, IndexError otherwise (always IndexError with an alpha
// other than 1), and checks nothing when self is empty with 2+ dims (there is nothing to
// add to).
bool index_select_raises_index_error(const TensorImpl& self, int64_t dim) {
  return self.dim() <= 1 || (self.numel() != 0 && dim != 1);
}
bool index_add_raises_index_error(const TensorImpl& self, int64_t dim, const Scalar& alpha) {
  if (alpha.is_floating() || alpha.to_int64() != 1) return true;  // alpha's own kernel
  return self.dim() <= 1 || (dim != 0 && dim != self.dim() - 1);
}

void index_add_into(TensorImpl& dst, int64_t dim, const Tensor& index, const Tensor& source,
                    const Scalar& alpha) {
  if (dst.dim() > 1 && dst.numel() == 0) return;  // Note [Index errors by path]
  IndexPlan p = plan_along(dst, dim, index,
                           {"index_add(): ", false, index_add_raises_index_error(dst, dim, alpha)});
  const bool unit_alpha = !alpha.is_floating() && alpha.to_int64() == 1;
  if (unit_alpha && source->dtype == dst.dtype && source->is_contiguous())
    return kernels::scatter_blocks(dst, p.table, *source, true);  // no packed copy needed
  Tensor packed = empty(source->sizes, dst.dtype);
  if (unit_alpha) {
    kernels::copy(*source, *packed);
  } else {
    // alpha in self's type (integer tensors truncate a floating alpha, as torch).
    Tensor a = scalar_tensor(alpha, dst.dtype);
    kernels::binary(kernels::BinaryOp::Mul, *source, *a, *packed);
  }
  kernels::scatter_blocks(dst, p.table, *packed, true);
}

void check_masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  if (mask->dtype != DType::Bool)
    throw std::runtime_error(std::string("masked_fill only supports boolean masks, but got mask "
                                         "with dtype ") + dtype_torch_name(mask->dtype));
  if (value->dim() != 0)
    throw std::runtime_error("masked_fill only supports a 0-dimensional value tensor, but got "
                             "tensor with " + std::to_string(value->dim()) + " dimension(s).");
  detail::check_scalar_fits(value, self->dtype);
}

}  // namespace

// ---- advanced indexing ----

Tensor index(const Tensor& self, const TensorList& indices) {
  TensorList normalized = normalize_indices(*self, indices);
  IndexedDims g = indexed_dims(self->sizes, self->strides, normalized);
  IndexPlan p = plan_index(g, kSubscript);
  Tensor out = empty_in_index_layout(g, p.result, self->dtype);
  if (out->is_contiguous()) {
    kernels::gather_blocks(*self, p.table, *out);
  } else {  // Note [Layout of indexing results]
    Tensor rows = empty(p.result, self->dtype);
    kernels::gather_blocks(*self, p.table, *rows);
    kernels::copy(*rows, *out);
  }
  if (any_requires_grad({&self})) {
    auto node = make_node("IndexBackward0", {self}, [](Node& n, TensorList& g) -> TensorList {
      // torch's backward is its internal _index_put_impl_, named IndexPutImplBackward0.
      return {index_put_recorded(zeros_of(n.input_meta()[0].sizes, g[0]),
                                 n.saved_list(saved::normalized_indices), g[0], true,
                                 "IndexPutImplBackward0")};
    });
    // The formula reads the normalized indices; the user's own (a bool mask, int32
    // positions) are what torch saves, shows as the tuple _saved_indices and checks for
    // writes.
    record(node, {out}, {{saved::normalized_indices, normalized}, {saved::indices, indices}});
  }
  return out;
}

Tensor index_put(const Tensor& self, const TensorList& indices, const Tensor& values,
                 bool accumulate) {
  return index_put_recorded(self, indices, values, accumulate, "IndexPutBackward0");
}

Tensor& index_put_(Tensor& self, const TensorList& indices, const Tensor& values_in,
                   bool accumulate) {
  Tensor values = values_for(*self, values_in);
  // A masked write of one value (Note [Masked writes of one value]) is recorded whatever
  // self's dtype, as torch's: an integer or bool self gets IndexPutBackward0.
  const bool converts = converts_values(indices, values);
  if (write_needs_graph(self, values))
    return apply_inplace(self, "index_put_", [&] {
      return settled_for(self, index_put(self, indices, values, accumulate), [&](TensorImpl& t) {
        index_put_into(t, normalize_indices(t, indices), values, accumulate, converts);
      });
    }, /*record_any_dtype=*/converts);
  index_put_into(*self, normalize_indices(*self, indices), values, accumulate, converts);
  self->version->bump();
  return self;
}

// ---- one dim ----

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t d = wrap_dim(dim, self->dim());
  if (!is_index_dtype(index->dtype))
    throw std::runtime_error("index_select(): Expected dtype int32 or int64 for index");
  if (index->dim() > 1) throw IndexError("index_select(): Index is supposed to be a vector");
  if (self->dim() == 0 && index->numel() != 1)
    throw std::runtime_error("index_select(): Index to scalar can have only 1 value, got " +
                             std::to_string(index->numel()) + " value(s)");
  if (self->dim() > 1 && self->sizes[d] == 0 && index->numel() > 0)
    throw std::runtime_error("index_select(): self indexing axis dim should be positive");
  const bool index_error = index_select_raises_index_error(*self, d);
  IndexPlan p = plan_along(*self, d, index, {"index_select(): ", false, index_error, true});
  Tensor out = empty(self->dim() == 0 ? Shape{} : p.result, self->dtype);
  kernels::gather_blocks(*self, p.table, *out);
  if (any_requires_grad({&self})) {
    auto node = make_node("IndexSelectBackward0", {self},
                          [d](Node& n, TensorList& g) -> TensorList {
      return {index_add(zeros_of(n.input_meta()[0].sizes, g[0]), d, n.saved(saved::index), g[0])};
    });
    record(node, {out}, {{saved::index, index}});
  }
  return out;
}

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha) {
  const int64_t d = wrap_dim(dim, self->dim());
  check_index_add(self, d, index, source);
  Tensor out = copy_of(self);
  index_add_into(*out, d, index, source, alpha);
  if (any_requires_grad({&self, &source})) {
    auto node = make_node("IndexAddBackward0", {self, source},
                          [d, factor = alpha.to_double()](Node& n, TensorList& g) -> TensorList {
      Tensor to_source;
      if (n.needs_input_grad(1)) {
        to_source = index_select(g[0], d, n.saved(saved::index));
        if (factor != 1.0) to_source = mul(to_source, detail::constant(factor));
      }
      return {n.needs_input_grad(0) ? g[0] : Tensor(), to_source};
    });
    // Only source's gradient reads them; torch keeps them only then.
    record(node, {out}, {{saved::index, node->needs_input_grad(1) ? index : Tensor()},
                         {saved::source, node->needs_input_grad(1) ? source : Tensor()}});
  }
  return out;
}

Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha) {
  check_inplace_overlap(self, {});  // torch refuses to write an expanded self
  if (write_needs_graph(self, source))
    return apply_inplace(self, "index_add_",
                         [&] { return index_add(self, dim, index, source, alpha); });
  const int64_t d = wrap_dim(dim, self->dim());
  check_index_add(self, d, index, source);
  index_add_into(*self, d, index, source, alpha);
  self->version->bump();
  return self;
}

// ---- index_copy and index_fill: one dim, positions written with values ----

namespace {
// torch's checks of index_copy, in its order (dim is already wrapped).
void check_index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  if (index->dim() > 1)
    throw IndexError("index_copy_(): Index should have dimension 1 or 0 (got " +
                     std::to_string(index->dim()) + ")");
  if (index->dtype != DType::Int64)
    throw std::runtime_error(std::string("index_copy_(): Expected a long tensor for index, but "
                                         "got ") + dtype_torch_name(index->dtype));
  if (self->dtype != source->dtype)
    throw std::runtime_error(std::string("index_copy_(): self and source expected to have the "
                                         "same dtype, but got (self) ") +
                             dtype_torch_name(self->dtype) + " and (source) " +
                             dtype_torch_name(source->dtype));
  if (self->dim() > 0 && source->dim() > 0 && self->dim() != source->dim())
    throw IndexError("index_copy_(): When source and destination are not scalars, their "
                     "dimensionality must match. Source dimensionality (" +
                     std::to_string(source->dim()) + "), destination dimensionality (" +
                     std::to_string(self->dim()) + ")");
  // The sizes apart from `dim`, space-separated (torch names dim 0 for the source's).
  auto slice = [dim](const Tensor& t) {
    std::string out;
    for (int64_t d = 0; d < t->dim(); ++d)
      if (d != dim) out += (out.empty() ? "" : " ") + std::to_string(t->sizes[d]);
    return out;
  };
  if (slice(self) != slice(source))
    throw std::runtime_error("index_copy_(): Source/destination tensor must have same slice "
                             "shapes. Destination slice shape: " + slice(self) +
                             " at dimension " + std::to_string(dim) +
                             " and source slice shape: " + slice(source) + " at dimension 0.");
  const int64_t along = source->dim() == 0 ? 1 : source->sizes[dim];
  if (index->numel() != along)
    throw IndexError("index_copy_(): Number of indices (" + std::to_string(index->numel()) +
                     ") should be equal to source.size(dim) (" + std::to_string(along) + ")");
}

// Positions past the end are refused, negative ones too (torch does not count back).
void index_copy_into(TensorImpl& dst, int64_t dim, const Tensor& index, const Tensor& source) {
  IndexPlan p = plan_along(dst, dim, index, {"index_copy_(): ", false, true});
  Tensor packed = empty(p.result, dst.dtype);
  const bool scalar_source = source->dim() == 0;  // one element, as a 1-d [1]
  kernels::copy(scalar_source ? *make_view(source, {1}, {1}, source->offset) : *source, *packed);
  kernels::scatter_blocks(dst, p.table, *packed, false);
}

// torch's checks of index_fill, in its order: the value must be one number.
void check_index_fill(const Tensor& self, const Tensor& index, const Tensor& value) {
  if (value->dim() != 0)
    throw std::runtime_error("index_fill_ only supports a 0-dimensional value tensor, but got "
                             "tensor with " + std::to_string(value->dim()) + " dimension(s).");
  if (index->dtype != DType::Int64)
    throw IndexError("index_fill_(): Expected dtype int64 for index.");
  if (index->dim() > 1) throw std::runtime_error("Index has to be a vector/scalar");
  detail::check_scalar_fits(value, self->dtype);
}

// Negative positions count from the end, as a subscript's.
void index_fill_into(TensorImpl& dst, int64_t dim, const Tensor& index, const Tensor& value) {
  IndexPlan p = plan_along(dst, dim, index, {"", true, true});
  Tensor packed = empty(p.result, dst.dtype);
  kernels::fill(*packed, item_as_scalar(*value));
  kernels::scatter_blocks(dst, p.table, *packed, false);
}

// Every gradient of the written positions is zero in self's.
Tensor zero_at(const Tensor& grad, int64_t dim, const Tensor& index) {
  return index_fill(grad, dim, index, detail::constant(0.0));
}

// `any_dtype`: record for an integer or bool self too (torch's index_fill_ does).
Tensor index_fill_recorded(const Tensor& self, int64_t dim, const Tensor& index,
                           const Tensor& value, bool any_dtype) {
  check_index_fill(self, index, value);  // before dim's range, as torch
  const int64_t d = wrap_dim(dim, self->dim());
  Tensor out = copy_of(self);
  index_fill_into(*out, d, index, value);
  // A Python scalar is torch's Scalar overload (IndexFillBackward0, self alone); a 0-d
  // tensor its Tensor overload (IndexFillBackward1), which also differentiates value.
  const bool is_scalar = value->is_wrapped_number;
  if ((!any_dtype && !is_floating(self->dtype) && !self->requires_grad()) ||
      (is_scalar ? !any_requires_grad({&self}) : !any_requires_grad({&self, &value})))
    return out;
  TensorList inputs = is_scalar ? TensorList{self} : TensorList{self, value};
  auto node = make_node(is_scalar ? "IndexFillBackward0" : "IndexFillBackward1", inputs,
                        [d](Node& n, TensorList& g) -> TensorList {
    const Tensor idx = n.saved(saved::index);
    TensorList grads{n.needs_input_grad(0) ? zero_at(g[0], d, idx) : Tensor()};
    // value's gradient: the sum over the written positions, each counted once. Negative
    // positions are taken from the end first (where torch's backward raises for them).
    if (n.num_outputs() > 1 && n.needs_input_grad(1)) {
      const int64_t size = g[0]->dim() == 0 ? 1 : g[0]->sizes[d];
      const Tensor positions = remainder(idx, scalar_tensor(Scalar(size), DType::Int64));
      grads.push_back(sum(index_select(g[0], d, unique(positions).values)));
    } else if (n.num_outputs() > 1) {
      grads.push_back(Tensor());
    }
    return grads;
  });
  record(node, {out}, {{saved::index, index}});
  return out;
}
}  // namespace

Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  const int64_t d = wrap_dim(dim, self->dim());
  check_index_copy(self, d, index, source);
  Tensor out = copy_of(self);
  index_copy_into(*out, d, index, source);
  if (any_requires_grad({&self, &source})) {
    auto node = make_node("IndexCopyBackward0", {self, source},
                          [d](Node& n, TensorList& g) -> TensorList {
      const Tensor idx = n.saved(saved::index);
      Tensor to_source;
      if (n.needs_input_grad(1)) {
        to_source = index_select(g[0], d, idx);
        const Shape& source_sizes = n.input_meta()[1].sizes;
        // torch expands to source's shape (ExpandBackward0 in a second-order graph), and
        // gives a 0-d source its one element.
        to_source = source_sizes.empty() ? reshape(to_source, source_sizes)
                                         : expand(to_source, source_sizes);
      }
      return {n.needs_input_grad(0) ? zero_at(g[0], d, idx) : Tensor(), to_source};
    });
    record(node, {out}, {{saved::index, index}});
  }
  return out;
}

Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  check_inplace_overlap(self, {});  // torch refuses to write an expanded self
  if (write_needs_graph(self, source))
    return apply_inplace(self, "index_copy_", [&] { return index_copy(self, dim, index, source); });
  const int64_t d = wrap_dim(dim, self->dim());
  check_index_copy(self, d, index, source);
  index_copy_into(*self, d, index, source);
  self->version->bump();
  return self;
}

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  // An integer result cannot carry value's gradient; torch refuses it (its in-place
  // index_fill_ records the write all the same).
  if (!is_floating(self->dtype) && GradMode::records() && value->requires_grad())
    throw std::runtime_error(std::string("Autograd not support dtype: ") +
                             dtype_torch_name(self->dtype));
  return index_fill_recorded(self, dim, index, value, /*any_dtype=*/false);
}

Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  // torch writes an expanded self (with a deprecation warning): every element sharing a
  // written position's memory takes the value (Note [Partial writes into overlapping memory]).
  if (write_needs_graph(self, value))
    return apply_inplace(self, "index_fill_", [&] {
      const bool any_dtype = !value->is_wrapped_number;
      return settled_for(self, index_fill_recorded(self, dim, index, value, any_dtype),
                         [&](TensorImpl& t) {
                           index_fill_into(t, wrap_dim(dim, self->dim()), index, value);
                         });
    }, /*record_any_dtype=*/!value->is_wrapped_number);
  check_index_fill(self, index, value);
  const int64_t d = wrap_dim(dim, self->dim());
  index_fill_into(*self, d, index, value);
  self->version->bump();
  return self;
}

// ---- elementwise along a dim ----

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t d = wrap_dim(dim, self->dim());
  if (!is_index_dtype(index->dtype))
    throw std::runtime_error("gather(): Expected dtype int32/int64 for index");
  const Shape s = at_least_1d(self->sizes), i = at_least_1d(index->sizes);
  if (i.size() != s.size())
    throw std::runtime_error("gather(): Index tensor must have the same number of dimensions as "
                             "input tensor");
  for (size_t k = 0; k < i.size(); ++k)
    if (static_cast<int64_t>(k) != d && i[k] > s[k])
      throw std::runtime_error("gather(): Size does not match at dimension " + std::to_string(k) +
                               " expected index " + shape_str(index->sizes) +
                               " to be no larger than self " + shape_str(self->sizes) +
                               " apart from dimension " + std::to_string(d));
  OffsetTable table = plan_gather(s, strides_1d(*self), d, index, {"gather(): ", false, false});
  Tensor out = empty(index->sizes, self->dtype);
  kernels::gather_blocks(*self, table, *out);
  if (any_requires_grad({&self})) {
    auto node = make_node("GatherBackward0", {self}, [d](Node& n, TensorList& g) -> TensorList {
      return {scatter_add(zeros_of(n.input_meta()[0].sizes, g[0]), d, n.saved(saved::index),
                          g[0])};
    });
    node->save_value("dim", saved_int(dim));  // Note [Saved values]
    node->save_value("sparse_grad", saved_bool(false));
    // self is not read back: kept, and checked, as torch keeps it
    record(node, {out}, {{saved::index, index}, {saved::self, self}});
  }
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, self->dim());
  const bool is_value = src->is_wrapped_number;
  check_scatter("scatter", self, d, index, is_value ? nullptr : &src);
  Tensor out = copy_of(self);
  scatter_into("scatter", *out, d, index, src, false);
  if (is_value ? !any_requires_grad({&self}) : !any_requires_grad({&self, &src})) return out;
  // ScatterBackward1 (a scalar) has self alone as input; ScatterBackward0 also src.
  TensorList inputs = is_value ? TensorList{self} : TensorList{self, src};
  auto node = make_node(is_value ? "ScatterBackward1" : "ScatterBackward0", inputs,
                        [d](Node& n, TensorList& g) -> TensorList {
    Tensor idx = n.saved(saved::index);
    TensorList grads{n.needs_input_grad(0) ? scatter(g[0], d, idx, detail::constant(0.0))
                                           : Tensor()};
    if (n.num_outputs() > 1)
      grads.push_back(n.needs_input_grad(1)
                          ? src_grad(gather(g[0], d, idx), n.input_meta()[1].sizes)
                          : Tensor());
    return grads;
  });
  record(node, {out}, {{saved::index, index}});
  return out;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  // torch's order: a leaf that requires grad, then dim, then an expanded (overlapping) self.
  auto check_dim_and_overlap = [&] {
    const int64_t d = wrap_dim(dim, self->dim());
    check_inplace_overlap(self, {});
    return d;
  };
  if (write_needs_graph(self, src))
    return apply_inplace(self, "scatter_", [&] {
      check_dim_and_overlap();
      return scatter(self, dim, index, src);
    });
  const int64_t d = check_dim_and_overlap();
  check_scatter("scatter", self, d, index, src->is_wrapped_number ? nullptr : &src);
  scatter_into("scatter", *self, d, index, src, false);
  self->version->bump();
  return self;
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = wrap_dim(dim, self->dim());
  check_scatter("scatter_add", self, d, index, &src);
  Tensor out = copy_of(self);
  scatter_into("scatter_add", *out, d, index, src, true);
  if (any_requires_grad({&self, &src})) {
    auto node = make_node("ScatterAddBackward0", {self, src},
                          [d](Node& n, TensorList& g) -> TensorList {
      Tensor to_src;
      if (n.needs_input_grad(1))
        to_src = src_grad(gather(g[0], d, n.saved(saved::index)), n.input_meta()[1].sizes);
      return {n.needs_input_grad(0) ? g[0] : Tensor(), to_src};
    });
    record(node, {out}, {{saved::index, node->needs_input_grad(1) ? index : Tensor()}});  // for src
  }
  return out;
}

Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  // torch's order: a leaf that requires grad, then dim, then an expanded (overlapping) self.
  auto check_dim_and_overlap = [&] {
    const int64_t d = wrap_dim(dim, self->dim());
    check_inplace_overlap(self, {});
    return d;
  };
  if (write_needs_graph(self, src))
    return apply_inplace(self, "scatter_add_", [&] {
      check_dim_and_overlap();
      return scatter_add(self, dim, index, src);
    });
  const int64_t d = check_dim_and_overlap();
  check_scatter("scatter_add", self, d, index, &src);
  scatter_into("scatter_add", *self, d, index, src, true);
  self->version->bump();
  return self;
}

// ---- masks ----

namespace {
Tensor masked_fill_recorded(const Tensor& self, const Tensor& mask, const Tensor& value) {
  check_masked_fill(self, mask, value);
  Tensor out = empty(broadcast_shapes(self->sizes, mask->sizes), self->dtype);
  kernels::where(*mask, *detail::cast(value, self->dtype), *self, *out);
  // A Python scalar is torch's Scalar overload (MaskedFillBackward0, self alone); a 0-d
  // tensor its Tensor overload (MaskedFillBackward1), which also differentiates value.
  const bool is_scalar = value->is_wrapped_number;
  if ((!is_floating(self->dtype) && !self->requires_grad()) ||
      (is_scalar ? !any_requires_grad({&self}) : !any_requires_grad({&self, &value})))
    return out;
  TensorList inputs = is_scalar ? TensorList{self} : TensorList{self, value};
  auto node = make_node(is_scalar ? "MaskedFillBackward0" : "MaskedFillBackward1", inputs,
                        [](Node& n, TensorList& g) -> TensorList {
    Tensor mask = n.saved(saved::mask);
    Tensor zero = detail::constant(0.0);
    TensorList grads{n.needs_input_grad(0)
                         ? sum_to(masked_fill(g[0], mask, zero), n.input_meta()[0].sizes)
                         : Tensor()};
    if (n.num_outputs() > 1)
      grads.push_back(n.needs_input_grad(1) ? sum(where(mask, g[0], zero)) : Tensor());
    return grads;
  });
  record(node, {out}, {{saved::mask, mask}});
  return out;
}
}  // namespace

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  // An integer result cannot carry value's gradient; torch refuses it (though its
  // in-place masked_fill_ writes the value in without a word).
  if (!is_floating(self->dtype) && GradMode::records() && value->requires_grad())
    throw std::runtime_error(std::string("Autograd not support dtype: ") +
                             dtype_torch_name(self->dtype));
  return masked_fill_recorded(self, mask, value);
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  check_masked_fill(self, mask, value);
  if (write_needs_graph(self, value) || broadcast_shapes(self->sizes, mask->sizes) != self->sizes)
    return apply_inplace(self, "masked_fill_", [&] {
      return settled_for(self, masked_fill_recorded(self, mask, value), [&](TensorImpl& t) {
        kernels::where(*mask, *detail::cast(value, t.dtype), t, t);
      });
    });
  // Each element is read and written at the same position, so self can be the output.
  kernels::where(*mask, *detail::cast(value, self->dtype), *self, *self);
  self->version->bump();
  return self;
}

// Note [nonzero's layout]: torch returns the [n, ndim] coordinates column-major (strides
// (1, n)), so each dim's coordinates are contiguous and `.view` of the result fails as it
// does in torch. The kernel writes rows; they are transposed into that layout here.
Tensor nonzero(const Tensor& self) {
  const int64_t n = kernels::count_nonzero(*self), nd = self->dim();
  Tensor rows = empty({n, nd}, DType::Int64);
  kernels::nonzero(*self, *rows);
  Tensor out = empty({nd, n}, DType::Int64);
  const int64_t* src = rows->data<int64_t>();
  int64_t* dst = out->data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t d = 0; d < nd; ++d) dst[d * n + i] = src[i * nd + d];
  out->sizes = {n, nd};
  out->strides = {1, n};
  return out;
}

}  // namespace cgrad
