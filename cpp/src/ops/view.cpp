// Views. Each op is a pure function on the (sizes, strides, offset) geometry, applied to
// the input's layout for the forward; select/slice apply it to the input's contiguous
// layout to place the gradient back (embed_in_zeros).
#include <algorithm>
#include <numeric>

#include "cgrad/autograd/views.h"
#include "ops/common.h"

namespace cgrad {

namespace {

ViewGeometry geometry_of(const Tensor& a) { return geometry_of(*a); }
ViewGeometry contiguous_geometry(const Shape& sizes) { return {sizes, contiguous_strides(sizes), 0}; }

// The view tensor over a's storage; remembers the base that owns the memory.
Tensor make_view_of(const Tensor& a, ViewGeometry g,
                    ViewCreation creation = ViewCreation::Default) {
  Tensor out = make_view(a, std::move(g.sizes), std::move(g.strides), g.offset);
  mark_as_view(out, a, creation);
  return out;
}

// `shows(node)` hands the node the values torch's shows (Note [Saved values]).
template <class F, class S>
Tensor record_view(const Tensor& a, ViewGeometry g, const char* name, F backward, S shows) {
  Tensor out = make_view_of(a, std::move(g));
  if (any_requires_grad({&a})) {
    auto node = make_node(name, {a}, std::move(backward));
    shows(*node);
    record(node, {out});
  }
  return out;
}
template <class F>
Tensor record_view(const Tensor& a, ViewGeometry g, const char* name, F backward) {
  return record_view(a, std::move(g), name, std::move(backward), [](Node&) {});
}

// Backward shared by every view that only re-labels elements: reshape to the input.
TensorList reshape_back(Node& n, TensorList& g) { return {reshape(g[0], n.input_meta()[0].sizes)}; }

// ---- geometry ----

ViewGeometry select_geometry(ViewGeometry g, int64_t dim, int64_t index) {
  g.offset += index * g.strides[dim];
  g.sizes.erase(g.sizes.begin() + dim);
  g.strides.erase(g.strides.begin() + dim);
  return g;
}

ViewGeometry slice_geometry(ViewGeometry g, int64_t dim, int64_t start, int64_t length,
                            int64_t step) {
  g.offset += start * g.strides[dim];
  g.sizes[dim] = length;
  g.strides[dim] = saturating_mul(g.strides[dim], step);  // a huge step leaves one element
  return g;
}

// torch's rule for when a reshape can be a view: each run of input dims that is
// contiguous in memory must map onto whole runs of output dims.
std::optional<Shape> view_strides(const Shape& old_sizes, const Shape& old_strides,
                                  const Shape& new_sizes) {
  if (old_sizes.empty()) return Shape(new_sizes.size(), 1);
  if (numel_of(old_sizes) == 0) return contiguous_strides(new_sizes);
  Shape new_strides(new_sizes.size());
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    bool chunk_ends = d == 0 || (old_sizes[d - 1] != 1 &&
                                 old_strides[d - 1] != tensor_numel * chunk_base_stride);
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
      new_strides[view_d] = view_numel * chunk_base_stride;
      view_numel *= new_sizes[view_d];
      --view_d;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (d > 0) {
      chunk_base_stride = old_strides[d - 1];
      tensor_numel = 1;
      view_numel = 1;
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

// Infers a single -1 and checks the element count.
Shape infer_size(const Shape& requested, int64_t numel, const Shape& from) {
  Shape sizes = requested;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      if (infer_at >= 0) throw std::runtime_error("only one dimension can be inferred");
      infer_at = static_cast<int64_t>(i);
    } else if (sizes[i] < 0) {
      throw std::runtime_error("invalid shape dimension " + std::to_string(sizes[i]));
    } else {
      known *= sizes[i];
    }
  }
  if (infer_at >= 0 && known != 0 && numel % known == 0) sizes[infer_at] = numel / known;
  else if (infer_at >= 0 || known != numel)
    throw std::runtime_error("shape '" + shape_str(requested) + "' is invalid for input of size " +
                             std::to_string(numel) + " (input shape " + shape_str(from) + ")");
  return sizes;
}

// Multi-output views (split, unbind): one node, the gradients joined back by `join`;
// `shows(node)` hands it the values torch's shows (Note [Saved values]).
template <class Join, class Shows>
TensorList record_views(const Tensor& a, std::vector<ViewGeometry> parts, const char* name,
                        Join join, Shows shows) {
  TensorList outs;
  for (auto& g : parts) outs.push_back(make_view_of(a, std::move(g), ViewCreation::MultiOutput));
  if (any_requires_grad({&a})) {
    auto node = make_node(name, {a}, [join](Node& n, TensorList& grads) -> TensorList {
      return {join(n, grads)};
    });
    shows(*node);
    record(node, outs);
  }
  return outs;
}

// Undefined gradients of unused outputs become zeros of that output's shape.
TensorList fill_missing(const TensorList& grads, const std::vector<Shape>& shapes, DType dtype) {
  TensorList out;
  for (size_t i = 0; i < grads.size(); ++i)
    out.push_back(grads[i] ? grads[i] : full(shapes[i], 0.0, dtype));
  return out;
}

}  // namespace

// ---- views that keep every element ----

Tensor view(const Tensor& a, const Shape& requested) {
  Shape sizes = infer_size(requested, a->numel(), a->sizes);
  auto strides = view_strides(a->sizes, a->strides, sizes);
  if (!strides)
    throw std::runtime_error(
        "view size is not compatible with input tensor's size and stride (at least one "
        "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  return record_view(a, {sizes, *strides, a->offset}, "ViewBackward0", reshape_back);
}

// Note [Reshape names]: as torch, a reshape that can be a view is recorded as a view
// (ViewBackward0) of a contiguous input and as ReshapeAliasBackward0 of any other
// layout; one that cannot copies first (UnsafeViewBackward0). The backward is the same.
Tensor reshape(const Tensor& a, const Shape& requested) {
  Shape sizes = infer_size(requested, a->numel(), a->sizes);
  if (auto strides = view_strides(a->sizes, a->strides, sizes))
    return record_view(a, {sizes, *strides, a->offset},
                       a->is_contiguous() ? "ViewBackward0" : "ReshapeAliasBackward0",
                       reshape_back);
  // Not expressible as a view: the result is a copy (CloneBackward0) laid out in the new
  // shape (UnsafeViewBackward0) — a tensor of its own, not a view of anything.
  Tensor copy = clone_contiguous(a);
  Tensor out = make_view(copy, sizes, contiguous_strides(sizes), copy->offset);
  if (any_requires_grad({&copy}))
    record(make_node("UnsafeViewBackward0", {copy}, reshape_back), {out});
  return out;
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  int64_t s = wrap_dim(start_dim, a->dim()), e = wrap_dim(end_dim, a->dim());
  if (a->dim() == 0) return reshape(a, {1});
  if (s > e) throw std::runtime_error("flatten() has invalid args: start_dim cannot come after end_dim");
  if (s == e) return a;
  Shape sizes(a->sizes.begin(), a->sizes.begin() + s);
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= a->sizes[d];
  sizes.push_back(merged);
  sizes.insert(sizes.end(), a->sizes.begin() + e + 1, a->sizes.end());
  return reshape(a, sizes);
}

Tensor unflatten(const Tensor& a, int64_t dim, const Shape& parts) {
  int64_t d = wrap_dim(dim, a->dim());
  if (a->dim() == 0)  // (wrap_dim accepts dim 0 of a 0-d tensor, which has no size to read)
    throw std::runtime_error("unflatten: Dimension specified as " + std::to_string(dim) +
                             " but tensor has no dimensions");
  if (parts.empty()) throw std::runtime_error("unflatten: sizes must be non-empty");
  Shape part_sizes;
  try {
    part_sizes = infer_size(parts, a->sizes[d], {a->sizes[d]});
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("shape '", 0) != 0) throw;  // "only one dimension ..."
    throw std::runtime_error("unflatten: Provided sizes " + shape_str(parts) +
                             " don't multiply up to the size of dim " + std::to_string(d) + " (" +
                             std::to_string(a->sizes[d]) + ") in the input tensor");
  }
  Shape sizes(a->sizes.begin(), a->sizes.begin() + d);
  sizes.insert(sizes.end(), part_sizes.begin(), part_sizes.end());
  sizes.insert(sizes.end(), a->sizes.begin() + d + 1, a->sizes.end());
  return view(a, sizes);
}

// Note [Expand checks]: torch checks the target sizes from the last dim to the first, so
// a mismatch names the last dim that cannot expand; a leading dim (one the tensor lacks)
// that is not expanded, being size 1, gets the stride one step past the dim after it.
// A 0-d tensor takes the sizes as given, -1 included, with zero strides. Only the element
// count checks negative sizes there, in unsigned arithmetic, so -2 raises torch's overflow
// error; torch makes a tensor of negative size when a 0 size makes the count 0, which
// cgrad cannot represent: it raises its negative-dimension error instead.
Tensor expand(const Tensor& a, const Shape& sizes) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  if (nd < a->dim())
    throw std::runtime_error("expand(" + dtype_legacy_type_name(a->dtype) + "{" +
                             shape_str(a->sizes) + "}, size=" + shape_str(sizes) +
                             "): the number of sizes provided (" + std::to_string(nd) +
                             ") must be greater or equal to the number of dimensions in the "
                             "tensor (" + std::to_string(a->dim()) + ")");
  Shape out_sizes(sizes), out_strides(nd, 0);
  const int64_t lead = nd - a->dim();
  for (int64_t d = a->dim() > 0 ? nd - 1 : -1; d >= 0; --d) {  // a 0-d tensor skips it
    const int64_t in_dim = d - lead;
    const bool exists = in_dim >= 0;
    const int64_t have = exists ? a->sizes[in_dim] : 1;
    int64_t want = sizes[d];
    if (want == -1) {
      if (!exists)
        throw std::runtime_error("The expanded size of the tensor (-1) isn't allowed in a "
                                 "leading, non-existing dimension " + std::to_string(d));
      want = have;
    }
    if (have != want && have != 1)
      throw std::runtime_error("The expanded size of the tensor (" + std::to_string(want) +
                               ") must match the existing size (" + std::to_string(have) +
                               ") at non-singleton dimension " + std::to_string(d) +
                               ".  Target sizes: " + shape_str(sizes) +
                               ".  Tensor sizes: " + shape_str(a->sizes));
    out_sizes[d] = want;
    if (have == want)
      out_strides[d] = exists ? a->strides[in_dim] : out_sizes[d + 1] * out_strides[d + 1];
  }
  unsigned_numel_of(out_sizes);  // a count beyond int64 raises (Note [Element counts])
  numel_of(out_sizes);            // a negative size left with a count of 0 raises
  return record_view(a, {out_sizes, out_strides, a->offset}, "ExpandBackward0",
                     [](Node& n, TensorList& g) -> TensorList {
                       return {sum_to(g[0], n.input_meta()[0].sizes)};
                     });
}

Tensor expand_to(const Tensor& a, const Shape& sizes) {
  return same_shape(a->sizes, sizes) ? a : expand(a, sizes);
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a->dim() + 1);
  ViewGeometry g = geometry_of(a);
  int64_t stride = d < a->dim() ? a->sizes[d] * a->strides[d] : 1;
  g.sizes.insert(g.sizes.begin() + d, 1);
  g.strides.insert(g.strides.begin() + d, stride);
  // torch's backward squeezes the dim again (SqueezeBackward1 under create_graph).
  return record_view(
      a, std::move(g), "UnsqueezeBackward0",
      [d](Node&, TensorList& gr) -> TensorList { return {squeeze(gr[0], DimList{d}, true)}; },
      [dim](Node& n) { n.save_value("dim", saved_int(dim)); });
}

Tensor squeeze(const Tensor& a) {
  ViewGeometry g{{}, {}, a->offset};
  for (int64_t d = 0; d < a->dim(); ++d)
    if (a->sizes[d] != 1) {
      g.sizes.push_back(a->sizes[d]);
      g.strides.push_back(a->strides[d]);
    }
  return record_view(a, std::move(g), "SqueezeBackward0", reshape_back);
}

Tensor squeeze(const Tensor& a, const DimList& dims, bool single_dim) {
  std::vector<bool> drop = dim_mask(dims, a->dim());
  ViewGeometry g{{}, {}, a->offset};
  for (int64_t d = 0; d < a->dim(); ++d)
    if (!(drop[d] && a->sizes[d] == 1)) {
      g.sizes.push_back(a->sizes[d]);
      g.strides.push_back(a->strides[d]);
    }
  return record_view(a, std::move(g), single_dim ? "SqueezeBackward1" : "SqueezeBackward2",
                     reshape_back, [&dims, single_dim](Node& n) {
                       n.save_value("dim", single_dim ? saved_int(dims[0]) : saved_ints(dims));
                     });
}

Tensor permute(const Tensor& a, const DimList& dims) {
  if (static_cast<int64_t>(dims.size()) != a->dim())
    throw std::runtime_error("permute(sparse_coo): number of dimensions in the tensor input does "
                             "not match the length of the desired ordering of dimensions i.e. "
                             "input.dim() = " + std::to_string(a->dim()) +
                             " is not equal to len(dims) = " + std::to_string(dims.size()));
  std::vector<bool> seen(a->dim(), false);
  ViewGeometry g{{}, {}, a->offset};
  DimList inverse(a->dim());
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], a->dim());
    if (seen[d]) throw std::runtime_error("permute(): duplicate dims are not allowed.");
    seen[d] = true;
    g.sizes.push_back(a->sizes[d]);
    g.strides.push_back(a->strides[d]);
    inverse[d] = static_cast<int64_t>(i);
  }
  return record_view(
      a, std::move(g), "PermuteBackward0",
      [inverse](Node&, TensorList& grads) -> TensorList { return {permute(grads[0], inverse)}; },
      [&dims](Node& n) { n.save_value("dims", saved_ints(dims)); });
}

namespace {
ViewGeometry swapped(const Tensor& a, int64_t d0, int64_t d1) {
  ViewGeometry g = geometry_of(a);
  std::swap(g.sizes[d0], g.sizes[d1]);
  std::swap(g.strides[d0], g.strides[d1]);
  return g;
}
}  // namespace

Tensor transpose(const Tensor& a, int64_t dim0, int64_t dim1) {
  int64_t d0 = wrap_dim(dim0, a->dim()), d1 = wrap_dim(dim1, a->dim());
  auto shows = [dim0, dim1](Node& n) {
    n.save_value("dim0", saved_int(dim0));
    n.save_value("dim1", saved_int(dim1));
  };
  if (a->dim() == 0)
    return record_view(a, geometry_of(a), "TransposeBackward0", reshape_back, shows);
  return record_view(
      a, swapped(a, d0, d1), "TransposeBackward0",
      [d0, d1](Node&, TensorList& g) -> TensorList { return {transpose(g[0], d0, d1)}; }, shows);
}

Tensor t(const Tensor& a) {
  if (a->dim() > 2)
    throw std::runtime_error("t() expects a tensor with <= 2 dimensions, but self is " +
                             std::to_string(a->dim()) + "D");
  ViewGeometry g = a->dim() == 2 ? swapped(a, 0, 1) : geometry_of(a);
  return record_view(a, std::move(g), "TBackward0",
                     [](Node&, TensorList& grads) -> TensorList { return {t(grads[0])}; });
}

Tensor movedim(const Tensor& a, const DimList& source, const DimList& destination) {
  if (source.size() != destination.size())
    throw std::runtime_error("movedim: Invalid source or destination dims: source (" +
                             shape_str(source) + " dims) should contain the same number of "
                             "dims as destination (" + shape_str(destination) + " dims)");
  const int64_t n = a->dim();
  if (n == 0) {  // dims 0 and -1 name the 0-d tensor itself, as in torch
    for (const DimList* dims : {&source, &destination})
      for (int64_t d : *dims) wrap_dim(d, n);
    return alias(a);
  }
  DimList order(n, -1);
  std::vector<bool> used(n, false);
  for (size_t i = 0; i < source.size(); ++i) {
    int64_t dst = wrap_dim(destination[i], n);
    if (order[dst] != -1) throw std::runtime_error("movedim: repeated dim in `destination`");
    order[dst] = wrap_dim(source[i], n);
    if (used[order[dst]]) throw std::runtime_error("movedim: repeated dim in `source`");
    used[order[dst]] = true;
  }
  int64_t next = 0;
  for (int64_t& d : order) {
    if (d != -1) continue;
    while (used[next]) ++next;
    d = next++;
  }
  return permute(a, order);
}

// ---- views that pick elements ----

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  if (a->dim() == 0) throw IndexError("select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, a->dim());
  int64_t size = a->sizes[d];
  if (index < -size || index >= size)
    throw IndexError("select(): index " + std::to_string(index) + " out of range for tensor of "
                     "size " + shape_str(a->sizes) + " at dimension " + std::to_string(d));
  int64_t i = index < 0 ? index + size : index;
  return record_view(a, select_geometry(geometry_of(a), d, i), "SelectBackward0",
                     [d, i](Node& n, TensorList& g) -> TensorList {
                       const Shape& in = n.input_meta()[0].sizes;
                       return {embed_in_zeros(g[0], in, select_geometry(contiguous_geometry(in), d, i))};
                     },
                     [dim, index](Node& n) {
                       n.save_value("dim", saved_int(dim));
                       n.save_value("index", saved_int(index));
                     });
}

Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (a->dim() == 0) throw IndexError("slice() cannot be applied to a 0-dim tensor.");
  if (step <= 0) throw ValueError("step must be greater than zero");
  int64_t d = wrap_dim(dim, a->dim());
  int64_t size = a->sizes[d];
  auto clamp_index = [size](int64_t i) {
    if (i < 0) i += size;
    return std::clamp<int64_t>(i, 0, size);
  };
  int64_t s = clamp_index(start), e = std::max(clamp_index(end), clamp_index(start));
  int64_t length = e > s ? (e - s - 1) / step + 1 : 0;  // (e - s + step - 1 could overflow)
  return record_view(a, slice_geometry(geometry_of(a), d, s, length, step), "SliceBackward0",
                     [d, s, length, step](Node& n, TensorList& g) -> TensorList {
                       const Shape& in = n.input_meta()[0].sizes;
                       return {embed_in_zeros(
                           g[0], in, slice_geometry(contiguous_geometry(in), d, s, length, step))};
                     },
                     [dim, start, end, step](Node& n) {
                       n.save_value("dim", saved_int(dim));
                       n.save_value("start", saved_int(start));
                       n.save_value("end", saved_int(end));
                       n.save_value("step", saved_int(step));
                     });
}

Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length) {
  if (a->dim() == 0) throw std::runtime_error("narrow() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, a->dim());
  int64_t size = a->sizes[d];
  if (start < -size || start > size)
    throw IndexError("start out of range (expected to be in range of [" + std::to_string(-size) +
                     ", " + std::to_string(size) + "], but got " + std::to_string(start) + ")");
  int64_t s = start < 0 ? start + size : start;
  if (length < 0 || s + length > size)
    throw std::runtime_error("start (" + std::to_string(s) + ") + length (" +
                             std::to_string(length) + ") exceeds dimension size (" +
                             std::to_string(size) + ").");
  return slice(a, d, s, s + length, 1);
}

namespace {
// `dim` as given, `d` wrapped; the node shows `split_size` if given, else the sizes.
TensorList split_parts(const Tensor& a, const Shape& part_sizes, int64_t dim, int64_t d,
                       const char* name, std::optional<int64_t> split_size) {
  std::vector<ViewGeometry> parts;
  std::vector<Shape> shapes;
  int64_t start = 0;
  for (int64_t len : part_sizes) {
    parts.push_back(slice_geometry(geometry_of(a), d, start, len, 1));
    shapes.push_back(parts.back().sizes);
    start += len;
  }
  DType dtype = a->dtype;
  return record_views(
      a, std::move(parts), name,
      [shapes, d, dtype](Node&, TensorList& g) { return cat(fill_missing(g, shapes, dtype), d); },
      [&](Node& n) {
        n.save_value("dim", saved_int(dim));
        if (split_size) n.save_value("split_size", saved_int(*split_size));
        else n.save_value("split_sizes", saved_ints(part_sizes));
      });
}
}  // namespace

TensorList split_with_sizes(const Tensor& a, const Shape& sizes, int64_t dim) {
  if (a->dim() == 0) throw std::runtime_error("split expects at least a 1-dimensional tensor");
  int64_t d = wrap_dim(dim, a->dim());
  int64_t total = 0;
  bool overflow = false;
  for (int64_t s : sizes) {
    if (s < 0) throw std::runtime_error("split_with_sizes expects split_sizes have only non-negative entries");
    overflow = overflow || __builtin_add_overflow(total, s, &total);
  }
  if (overflow || total != a->sizes[d])
    throw std::runtime_error("split_with_sizes expects split_sizes to sum exactly to " +
                             std::to_string(a->sizes[d]) + " (input tensor's size at dimension " +
                             std::to_string(d) + "), but got split_sizes=" + shape_str(sizes));
  return split_parts(a, sizes, dim, d, "SplitWithSizesBackward0", std::nullopt);
}

TensorList split(const Tensor& a, int64_t split_size, int64_t dim) {
  if (a->dim() == 0) throw std::runtime_error("split expects at least a 1-dimensional tensor");
  if (split_size < 0) throw std::runtime_error("split expects split_size be non-negative, but got split_size=" + std::to_string(split_size));
  int64_t d = wrap_dim(dim, a->dim());
  int64_t size = a->sizes[d];
  Shape parts;
  if (split_size == 0) {
    if (size != 0) throw std::runtime_error("split_size can only be 0 if dimension size is 0, but got dimension size of " + std::to_string(size));
    parts.push_back(0);
  }
  for (int64_t s = 0; s < size; s += split_size) parts.push_back(std::min(split_size, size - s));
  if (parts.empty()) parts.push_back(0);
  return split_parts(a, parts, dim, d, "SplitBackward0", split_size);
}

TensorList chunk(const Tensor& a, int64_t chunks, int64_t dim) {
  if (a->dim() == 0) throw std::runtime_error("chunk expects at least a 1-dimensional tensor");
  if (chunks <= 0) throw std::runtime_error("chunk expects `chunks` to be greater than 0, got: " + std::to_string(chunks));
  int64_t d = wrap_dim(dim, a->dim());
  int64_t size = a->sizes[d];
  int64_t split_size = (size + chunks - 1) / chunks;
  if (size == 0) {  // `chunks` empty parts, which torch records as split_with_sizes
    Shape parts(chunks, 0);
    return split_parts(a, parts, dim, d, "SplitWithSizesBackward0", std::nullopt);
  }
  return split(a, split_size, dim);
}

TensorList unbind(const Tensor& a, int64_t dim) {
  if (a->dim() == 0) throw IndexError("Dimension specified as 0 but tensor has no dimensions");
  int64_t d = wrap_dim(dim, a->dim());
  std::vector<ViewGeometry> parts;
  std::vector<Shape> shapes;
  for (int64_t i = 0; i < a->sizes[d]; ++i) {
    parts.push_back(select_geometry(geometry_of(a), d, i));
    shapes.push_back(parts.back().sizes);
  }
  DType dtype = a->dtype;
  return record_views(
      a, std::move(parts), "UnbindBackward0",
      [shapes, d, dtype](Node&, TensorList& g) { return stack(fill_missing(g, shapes, dtype), d); },
      [dim](Node& n) { n.save_value("dim", saved_int(dim)); });
}

// ---- aliases ----

Tensor detach(const Tensor& a) { return make_view(a, a->sizes, a->strides, a->offset); }

Tensor alias(const Tensor& a) {
  return record_view(a, geometry_of(a), "AliasBackward0",
                     [](Node&, TensorList& g) -> TensorList { return {g[0]}; });
}

// ---- the pair behind select/slice backward ----

// Note [Empty as_strided gradients]: torch's as_strided_backward returns plain zeros when
// the base or the view has no elements, so such a gradient never requires grad, even
// under create_graph (a view of an empty slice regenerated after an in-place write).
bool as_strided_grad_is_zero(const Shape& base_sizes, const Shape& view_sizes) {
  return numel_of(base_sizes) == 0 || numel_of(view_sizes) == 0;
}

Tensor as_strided_region(const Tensor& a, const ViewGeometry& region) {
  Tensor base = contiguous(a);
  ViewGeometry g = region;
  g.offset += base->offset;
  Shape base_sizes = a->sizes;
  return record_view(base, std::move(g), "AsStridedBackward0",
                     [region, base_sizes](Node&, TensorList& grads) -> TensorList {
                       if (as_strided_grad_is_zero(base_sizes, region.sizes))
                         return {full(base_sizes, 0.0, grads[0]->dtype)};
                       return {embed_in_zeros(grads[0], base_sizes, region)};
                     });
}

Tensor embed_in_zeros(const Tensor& g, const Shape& base_sizes, const ViewGeometry& region) {
  // Elements of an expanded region share memory: their gradients add up.
  DimList shared;
  for (size_t d = 0; d < region.sizes.size(); ++d)
    if (region.strides[d] == 0 && region.sizes[d] > 1) shared.push_back(static_cast<int64_t>(d));
  if (!shared.empty()) {
    ViewGeometry single = region;
    for (int64_t d : shared) single.sizes[d] = 1;
    return embed_in_zeros(sum(g, shared, /*keepdim=*/true), base_sizes, single);
  }
  Tensor out = full(base_sizes, 0.0, g->dtype);
  Tensor window = make_view(out, region.sizes, region.strides, region.offset);
  kernels::copy(*g, *window);
  if (any_requires_grad({&g})) {
    auto node = make_node("AsStridedScatterBackward0", {g},
                          [region](Node&, TensorList& grads) -> TensorList {
                            return {as_strided_region(grads[0], region)};
                          });
    record(node, {out});
  }
  return out;
}

// ---- ravel and atleast_nd: reshapes composed of the views above ----

Tensor ravel(const Tensor& a) { return view(contiguous(a), {-1}); }

Tensor atleast_1d(const Tensor& a) { return a->dim() == 0 ? reshape(a, {1}) : a; }

Tensor atleast_2d(const Tensor& a) {
  if (a->dim() == 0) return reshape(a, {1, 1});
  return a->dim() == 1 ? unsqueeze(a, 0) : a;
}

Tensor atleast_3d(const Tensor& a) {
  switch (a->dim()) {
    case 0: return reshape(a, {1, 1, 1});
    case 1: return unsqueeze(unsqueeze(a, 0), -1);
    case 2: return unsqueeze(a, -1);
    default: return a;
  }
}

// ---- hsplit, vsplit, dsplit ----

namespace {
struct AxisRule {
  const char* op;
  int64_t min_dims;
};
AxisRule rule_of(SplitAxis axis) {
  switch (axis) {
    case SplitAxis::Horizontal: return {"hsplit", 1};
    case SplitAxis::Vertical: return {"vsplit", 2};
    default: return {"dsplit", 3};
  }
}

// The dim split along, after torch's rank check.
int64_t split_dim(const Tensor& a, SplitAxis axis) {
  const AxisRule rule = rule_of(axis);
  if (a->dim() < rule.min_dims)
    throw std::runtime_error(std::string("torch.") + rule.op + " requires a tensor with at least " +
                             std::to_string(rule.min_dims) + " dimension, but got a tensor with " +
                             std::to_string(a->dim()) + " dimensions!");
  if (axis == SplitAxis::Horizontal) return a->dim() > 1 ? 1 : 0;
  return axis == SplitAxis::Vertical ? 0 : 2;
}
}  // namespace

TensorList split_along(const Tensor& a, SplitAxis axis, int64_t sections) {
  const int64_t d = split_dim(a, axis), size = a->sizes[d];
  if (sections == 0 || size % sections != 0)
    throw std::runtime_error(std::string("torch.") + rule_of(axis).op +
                             " attempted to split along dimension " + std::to_string(d) +
                             ", but the size of the dimension " + std::to_string(size) +
                             " is not divisible by the split_size " + std::to_string(sections) +
                             "!");
  if (sections < 0)
    throw std::runtime_error("number of sections must be larger than 0, got " +
                             std::to_string(sections));
  Shape bounds;
  for (int64_t i = 1; i < sections; ++i) bounds.push_back(i * (size / sections));
  return split_along(a, axis, bounds);
}

TensorList split_along(const Tensor& a, SplitAxis axis, const Shape& indices) {
  const int64_t d = split_dim(a, axis);
  TensorList parts;
  int64_t start = 0;
  for (int64_t end : indices) {
    parts.push_back(slice(a, d, start, end));
    start = end;
  }
  parts.push_back(slice(a, d, start, a->sizes[d]));
  return parts;
}

}  // namespace cgrad
