// flip/fliplr/flipud, roll, repeat/tile, repeat_interleave, tril/triu, diagonal,
// diag_embed, diag and trace.
#include <algorithm>

#include "cgrad/autograd/views.h"
#include "kernels/strided_copy.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

DimList wrapped(const DimList& dims, int64_t ndim) {
  DimList out;
  for (int64_t d : dims) out.push_back(wrap_dim(d, ndim));
  return out;
}

// a's elements read through `region` (in a's own element offsets) into a fresh tensor.
Tensor copy_of_region(const Tensor& a, const Shape& sizes, const Shape& strides, int64_t offset) {
  Tensor out = empty(sizes, a->dtype);
  kernels::copy_region({a.get(), sizes, strides, offset}, *out);
  return out;
}

}  // namespace

// ---- flip ----

Tensor flip(const Tensor& a, const DimList& dims) {
  std::vector<bool> mask = dims.empty() ? std::vector<bool>(a->dim(), false)
                                        : dim_mask(dims, a->dim());
  Shape strides = a->strides;
  int64_t offset = a->offset;
  for (int64_t d = 0; d < a->dim(); ++d) {
    if (!mask[d] || a->sizes[d] == 0) continue;
    offset += (a->sizes[d] - 1) * a->strides[d];
    strides[d] = -strides[d];
  }
  Tensor out = copy_of_region(a, a->sizes, strides, offset);
  if (any_requires_grad({&a})) {
    DimList flipped = wrapped(dims, a->dim());
    auto node = make_node("FlipBackward0", {a}, [flipped](Node&, TensorList& g) -> TensorList {
      return {flip(g[0], flipped)};
    });
    node->save_value("dims", saved_ints(dims));  // Note [Saved values]
    record(node, {out});
  }
  return out;
}

Tensor fliplr(const Tensor& a) {
  if (a->dim() < 2) throw std::runtime_error("Input must be >= 2-d.");
  return flip(a, {1});
}

Tensor flipud(const Tensor& a) {
  if (a->dim() < 1) throw std::runtime_error("Input must be >= 1-d.");
  return flip(a, {0});
}

// ---- rot90 ----

// As torch: a quarter turn is a flip of dims[1] then a transpose (three turns, of dims[0]),
// a half turn flips both, none copies; the result is not a view of the flip.
Tensor rot90(const Tensor& a, int64_t k, const DimList& dims) {
  if (dims.size() != 2)
    throw std::runtime_error("expected total rotation dims == 2, but got dims = " +
                             std::to_string(dims.size()));
  if (a->dim() < 2)
    throw std::runtime_error("expected total dims >= 2, but got total dims = " +
                             std::to_string(a->dim()));
  const int64_t d0 = wrap_dim(dims[0], a->dim()), d1 = wrap_dim(dims[1], a->dim());
  if (d0 == d1)
    throw std::runtime_error("expected rotation dims to be different, but got dim0 = " +
                             std::to_string(dims[0]) + " and dim1 = " + std::to_string(dims[1]));
  const int64_t turns = ((k % 4) + 4) % 4;
  Tensor out;
  {
    GradModeGuard forward_only(false);
    if (turns == 0) out = contiguous(clone(a));
    else if (turns == 2) out = flip(a, {d0, d1});
    else {
      const Tensor turned = transpose(flip(a, {turns == 1 ? d1 : d0}), d0, d1);
      out = detail::empty_in_layout(turned->sizes, a->dtype, {turned->strides});
      kernels::copy(*turned, *out);
    }
  }
  if (any_requires_grad({&a})) {
    const DimList plane{d0, d1};
    record(make_node("Rot90Backward0", {a}, [turns, plane](Node&, TensorList& g) -> TensorList {
      return {rot90(g[0], -turns, plane)};
    }), {out});
  }
  return out;
}

// ---- roll ----

namespace {
// `a` rolled by `shift` along d, unrecorded: two block copies.
Tensor roll_values(const Tensor& a, int64_t shift, int64_t d) {
  Tensor out = empty(a->sizes, a->dtype);
  const int64_t n = a->sizes[d];
  if (out->numel() == 0) return out;
  const int64_t s = ((shift % n) + n) % n;
  // out[s:] = a[:n-s], out[:s] = a[n-s:]
  auto block = [](const Tensor& t, int64_t d, int64_t start, int64_t length) {
    Shape sizes = t->sizes;
    sizes[d] = length;
    return make_view(t, sizes, t->strides, t->offset + start * t->strides[d]);
  };
  if (n - s > 0) kernels::copy(*block(a, d, 0, n - s), *block(out, d, s, n - s));
  if (s > 0) kernels::copy(*block(a, d, n - s, s), *block(out, d, 0, s));
  return out;
}
}  // namespace

Tensor roll(const Tensor& a, const Shape& shifts, const DimList& dims) {
  if (shifts.empty()) throw std::runtime_error("`shifts` required");
  if (dims.empty() ? shifts.size() != 1 : shifts.size() != dims.size())
    throw std::runtime_error("shifts and dimensions must align. shifts: " +
                             std::to_string(shifts.size()) +
                             ", dims:" + std::to_string(dims.size()));
  DimList ds = wrapped(dims, a->dim());
  Tensor out;
  if (ds.empty()) {  // along the flattened tensor
    Tensor flat = a;
    if (!a->is_contiguous()) {
      flat = empty(a->sizes, a->dtype);
      kernels::copy(*a, *flat);
    }
    out = roll_values(make_view(flat, {a->numel()}, {1}, flat->offset), shifts[0], 0);
    out->sizes = a->sizes;
    out->strides = contiguous_strides(a->sizes);
  } else {
    out = a;
    for (size_t k = 0; k < ds.size(); ++k) out = roll_values(out, shifts[k], ds[k]);
  }
  if (any_requires_grad({&a})) {
    Shape back;
    for (int64_t s : shifts) back.push_back(-s);
    auto node = make_node("RollBackward0", {a}, [back, ds](Node&, TensorList& g) -> TensorList {
      return {roll(g[0], back, ds)};
    });
    node->save_value("dims", saved_ints(dims));  // Note [Saved values]
    node->save_value("shifts", saved_ints(shifts));
    record(node, {out});
  }
  return out;
}

// ---- repeat / tile ----

Tensor repeat(const Tensor& a, const Shape& repeats) {
  const int64_t nd = a->dim(), nr = static_cast<int64_t>(repeats.size());
  if (nr < nd)
    throw std::runtime_error("Number of dimensions of repeat dims can not be smaller than number "
                             "of dimensions of tensor");
  const int64_t lead = nr - nd;
  // The result read as [r0, (s0,) r1, s1, ...]: a broadcast along each r dim.
  Shape out_sizes, region_sizes, region_strides, split_sizes;
  DimList repeat_dims;
  for (int64_t k = 0; k < nr; ++k) {
    const int64_t size = k < lead ? 1 : a->sizes[k - lead];
    out_sizes.push_back(size * repeats[k]);
    repeat_dims.push_back(static_cast<int64_t>(split_sizes.size()));
    split_sizes.push_back(repeats[k]);
    region_sizes.push_back(repeats[k]);
    region_strides.push_back(0);
    if (k >= lead) {
      split_sizes.push_back(size);
      region_sizes.push_back(size);
      region_strides.push_back(a->strides[k - lead]);
    }
  }
  for (int64_t r : repeats)
    if (r < 0)
      throw std::runtime_error("Trying to create tensor with negative dimension " +
                               std::to_string(*std::find_if(out_sizes.begin(), out_sizes.end(),
                                                            [](int64_t s) { return s < 0; })) +
                               ": " + shape_str(out_sizes));
  Tensor out = empty(out_sizes, a->dtype);
  kernels::copy_region({a.get(), region_sizes, region_strides, a->offset}, *out);
  if (any_requires_grad({&a})) {
    auto node = make_node("RepeatBackward0", {a},
                          [split_sizes, repeat_dims](Node& n, TensorList& g) -> TensorList {
                            Tensor parts = reshape(g[0], split_sizes);
                            return {reshape(sum(parts, repeat_dims), n.input_meta()[0].sizes)};
                          });
    node->save_value("repeats", saved_ints(repeats));  // Note [Saved values]
    record(node, {out});
  }
  return out;
}

Tensor tile(const Tensor& a, const Shape& reps) {
  Shape padded = reps;
  if (static_cast<int64_t>(padded.size()) < a->dim())
    padded.insert(padded.begin(), a->dim() - padded.size(), 1);
  return repeat(a, padded);
}

// ---- repeat_interleave ----

namespace {
void check_output_size(std::optional<int64_t> output_size, int64_t actual) {
  if (output_size && *output_size != actual)
    throw std::runtime_error("repeat_interleave: Invalid output_size, expected " +
                             std::to_string(actual) + " but got " + std::to_string(*output_size));
}
}  // namespace

Tensor repeat_interleave(const Tensor& a, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  if (repeats < 0) throw std::runtime_error("Repeats must be non-negative");
  Tensor src = dim ? a : flatten(a);
  const int64_t d = dim ? wrap_dim(*dim, src->dim()) : 0;
  if (src->dim() == 0) src = unsqueeze(src, 0);
  check_output_size(output_size, saturating_mul(src->sizes[d], repeats));
  Shape expanded = src->sizes;
  expanded.insert(expanded.begin() + d + 1, repeats);
  return flatten(clone(expand(unsqueeze(src, d + 1), expanded)), d, d + 1);
}

Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size) {
  if (repeats->dim() != 1)
    throw std::runtime_error("repeat_interleave only accept 1D vector as repeat");
  if (!is_integral(repeats->dtype, false))
    throw detail::not_implemented_for("repeat_interleave_cpu", repeats->dtype);
  const int64_t n = repeats->sizes[0];
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = item_as_int64(*repeats, i);
    if (r < 0) throw std::runtime_error("repeats can not be negative");
    total += r;
  }
  if (output_size && *output_size != total)
    throw std::runtime_error("allocated size does not match required size");
  Tensor out = empty({total}, repeats->dtype);
  int64_t at = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = item_as_int64(*repeats, i); r > 0; --r) {
      if (out->dtype == DType::Int32) out->data<int32_t>()[at++] = static_cast<int32_t>(i);
      else out->data<int64_t>()[at++] = i;
    }
  return out;
}

Tensor repeat_interleave(const Tensor& a, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  Tensor src = dim ? a : flatten(a);
  if (src->dim() == 0) src = unsqueeze(src, 0);
  const int64_t d = dim ? wrap_dim(*dim, src->dim()) : 0;
  Tensor counts = repeats;
  if (repeats->dim() == 0 || (repeats->dim() == 1 && repeats->sizes[0] == 1))
    counts = contiguous(expand(reshape(repeats, {1}), {src->sizes[d]}));
  else if (repeats->dim() == 1 && repeats->sizes[0] != src->sizes[d])
    throw std::runtime_error(
        "repeats must have the same size as input along dim, but got repeats.size(0) = " +
        std::to_string(repeats->sizes[0]) + " and input.size(" + std::to_string(d) +
        ") = " + std::to_string(src->sizes[d]));
  else if (repeats->dim() > 1)
    throw std::runtime_error("repeats must be 0-dim or 1-dim tensor");
  return index_select(src, d, repeat_interleave(counts, output_size));
}

// ---- tril / triu ----

namespace {
Tensor triangle(const Tensor& a, int64_t k, bool upper) {
  if (a->dim() < 2)
    throw std::runtime_error(std::string(upper ? "triu" : "tril") +
                             ": input tensor must have at least 2 dimensions");
  Tensor out = empty(a->sizes, a->dtype);
  kernels::triangle(*a, k, upper, *out);
  if (any_requires_grad({&a}))
    record(make_node(upper ? "TriuBackward0" : "TrilBackward0", {a},
                     [k, upper](Node&, TensorList& g) -> TensorList {
                       return {upper ? triu(g[0], k) : tril(g[0], k)};
                     }), {out});
  return out;
}
}  // namespace

Tensor tril(const Tensor& a, int64_t k) { return triangle(a, k, false); }
Tensor triu(const Tensor& a, int64_t k) { return triangle(a, k, true); }
Tensor& tril_(Tensor& self, int64_t k) {
  check_inplace_overlap(self, {});
  return apply_inplace(self, "tril_", [&] { return tril(self, k); });
}
Tensor& triu_(Tensor& self, int64_t k) {
  check_inplace_overlap(self, {});
  return apply_inplace(self, "triu_", [&] { return triu(self, k); });
}

// ---- diagonal family ----

namespace {
struct DiagonalDims {
  int64_t d1, d2;
};

DiagonalDims diagonal_dims(int64_t dim1, int64_t dim2, int64_t ndim) {
  DiagonalDims out{wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)};
  if (out.d1 == out.d2)
    throw std::runtime_error("diagonal dimensions cannot be identical " + std::to_string(dim1) +
                             ", " + std::to_string(dim2));
  return out;
}

// The diagonal `offset` of dims d1, d2 of the region g, appended as the last dim.
ViewGeometry diagonal_geometry(ViewGeometry g, int64_t offset, DiagonalDims dims) {
  const int64_t n1 = g.sizes[dims.d1], n2 = g.sizes[dims.d2];
  const int64_t length = std::max<int64_t>(
      0, offset >= 0 ? std::min(n1, n2 - offset) : std::min(n1 + offset, n2));
  if (length > 0) g.offset += offset >= 0 ? offset * g.strides[dims.d2] : -offset * g.strides[dims.d1];
  const int64_t stride = g.strides[dims.d1] + g.strides[dims.d2];
  for (int64_t d : {std::max(dims.d1, dims.d2), std::min(dims.d1, dims.d2)}) {
    g.sizes.erase(g.sizes.begin() + d);
    g.strides.erase(g.strides.begin() + d);
  }
  g.sizes.push_back(length);
  g.strides.push_back(stride);
  return g;
}

ViewGeometry contiguous_geometry(const Shape& sizes) { return {sizes, contiguous_strides(sizes), 0}; }

// The gradient of a diagonal: zeros of the input's shape with g on that diagonal.
Tensor diagonal_backward(const Tensor& g, const Shape& sizes, int64_t offset, DiagonalDims dims) {
  return embed_in_zeros(g, sizes, diagonal_geometry(contiguous_geometry(sizes), offset, dims));
}
}  // namespace

Tensor diagonal(const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2) {
  DiagonalDims dims = diagonal_dims(dim1, dim2, a->dim());
  ViewGeometry g = diagonal_geometry(geometry_of(*a), offset, dims);
  Tensor out = make_view(a, g.sizes, g.strides, g.offset);
  mark_as_view(out, a);
  if (any_requires_grad({&a}))
    record(make_node("DiagonalBackward0", {a}, [offset, dims](Node& n, TensorList& g) -> TensorList {
        return {diagonal_backward(g[0], n.input_meta()[0].sizes, offset, dims)};
      }), {out});
  return out;
}

Tensor diag_embed(const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t out_dim = a->dim() + 1;
  DiagonalDims dims = diagonal_dims(dim1, dim2, out_dim);
  const int64_t n = (a->dim() ? a->sizes.back() : 1) + std::abs(offset);
  Shape sizes(a->sizes.begin(), a->sizes.end() - (a->dim() ? 1 : 0));
  for (int64_t d : {std::min(dims.d1, dims.d2), std::max(dims.d1, dims.d2)})
    sizes.insert(sizes.begin() + d, n);
  Tensor out = full(sizes, 0.0, a->dtype);
  ViewGeometry g = diagonal_geometry(geometry_of(*out), offset, dims);
  kernels::copy(*a, *make_view(out, g.sizes, g.strides, g.offset));
  if (any_requires_grad({&a}))
    record(make_node("DiagEmbedBackward0", {a}, [offset, dims](Node&, TensorList& g) -> TensorList {
        return {diagonal(g[0], offset, dims.d1, dims.d2)};
      }), {out});
  return out;
}

Tensor diag(const Tensor& a, int64_t k) {
  if (a->dim() == 1) return diag_embed(a, k, 0, 1);
  if (a->dim() != 2)
    throw std::runtime_error("diag(): Supports 1D or 2D tensors. Got " + std::to_string(a->dim()) +
                             "D");
  // torch's diag of a matrix is diagonal_copy: a fresh tensor, not a view.
  DiagonalDims dims{0, 1};
  ViewGeometry g = diagonal_geometry(geometry_of(*a), k, dims);
  Tensor out = empty(g.sizes, a->dtype);
  kernels::copy(*make_view(a, g.sizes, g.strides, g.offset), *out);
  if (any_requires_grad({&a}))
    record(make_node("DiagonalBackward0_copy", {a}, [k, dims](Node& n, TensorList& g) -> TensorList {
        return {diagonal_backward(g[0], n.input_meta()[0].sizes, k, dims)};
      }), {out});
  return out;
}

Tensor trace(const Tensor& a) {
  if (a->dim() != 2)
    throw std::runtime_error("trace: expected a matrix, but got tensor with dim " +
                             std::to_string(a->dim()));
  if (a->dtype == DType::Bool) throw detail::not_implemented_for("trace", a->dtype);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = sum(diagonal(a));
  }
  if (any_requires_grad({&a}))
    record(make_node("TraceBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
        // The gradient written on the diagonal of zeros (not eye * g: an
        // infinite g would make the zeros NaN, as it does not in torch).
        const Shape& s = n.input_meta()[0].sizes;
        return {diagonal_backward(expand_to(g[0], {std::min(s[0], s[1])}), s, 0,
                                  DiagonalDims{0, 1})};
      }), {out});
  return out;
}

}  // namespace cgrad
