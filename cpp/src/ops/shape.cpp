// Views and copies: expand, reshape, unsqueeze, contiguous, clone, detach, dtype casts.
#include "ops/common.h"

namespace cgrad {

namespace {
Tensor view_of(const Tensor& a, Shape sizes, Shape strides, int64_t offset) {
  return make_view(a, std::move(sizes), std::move(strides), offset);
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
}  // namespace

Tensor expand(const Tensor& a, const Shape& sizes) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  if (nd < a->dim())
    throw std::runtime_error("expand: the number of sizes provided (" + std::to_string(nd) +
                             ") must be greater or equal to the number of dimensions in the "
                             "tensor (" + std::to_string(a->dim()) + ")");
  Shape out_sizes(nd), out_strides(nd, 0);
  const int64_t lead = nd - a->dim();
  for (int64_t d = 0; d < nd; ++d) {
    int64_t want = sizes[d];
    if (d < lead) {
      if (want < 0)
        throw std::runtime_error("expand: -1 is not allowed in a leading, non-existing dimension");
      out_sizes[d] = want;
      continue;
    }
    int64_t have = a->sizes[d - lead];
    if (want == -1) want = have;
    if (have != want && have != 1)
      throw std::runtime_error("The expanded size of the tensor (" + std::to_string(want) +
                               ") must match the existing size (" + std::to_string(have) +
                               ") at non-singleton dimension " + std::to_string(d) +
                               ".  Target sizes: " + shape_str(sizes) +
                               ".  Tensor sizes: " + shape_str(a->sizes));
    out_sizes[d] = want;
    out_strides[d] = have == want ? a->strides[d - lead] : 0;
  }
  if (out_sizes == a->sizes) return a;
  Tensor out = view_of(a, out_sizes, out_strides, a->offset);
  if (any_requires_grad({&a})) {
    auto node = make_node("ExpandBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {sum_to(g[0], n.input_meta()[0].sizes)};
    });
    set_history({out}, node);
  }
  return out;
}

Tensor reshape(const Tensor& a, const Shape& requested) {
  Shape sizes = infer_size(requested, a->numel(), a->sizes);
  const bool viewable = a->is_contiguous();
  Tensor src = viewable ? a : clone(a);
  Tensor out = view_of(src, sizes, contiguous_strides(sizes), src->offset);
  if (any_requires_grad({&src})) {
    // torch: a view of contiguous data is ViewBackward0; a copy is UnsafeViewBackward0
    auto node = make_node(viewable ? "ViewBackward0" : "UnsafeViewBackward0", {src},
                          [](Node& n, TensorList& g) -> TensorList {
                            return {reshape(g[0], n.input_meta()[0].sizes)};
                          });
    set_history({out}, node);
  }
  return out;
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a->dim() + 1);
  Shape sizes = a->sizes, strides = a->strides;
  int64_t stride = d < a->dim() ? a->sizes[d] * a->strides[d] : 1;
  sizes.insert(sizes.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  Tensor out = view_of(a, sizes, strides, a->offset);
  if (any_requires_grad({&a})) {
    auto node = make_node("UnsqueezeBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {reshape(g[0], n.input_meta()[0].sizes)};
    });
    set_history({out}, node);
  }
  return out;
}

Tensor clone(const Tensor& a) {
  Tensor out = empty(a->sizes, a->dtype);
  kernels::copy(*a, *out);
  if (any_requires_grad({&a})) {
    auto node = make_node("CloneBackward0", {a},
                          [](Node&, TensorList& g) -> TensorList { return {g[0]}; });
    set_history({out}, node);
  }
  return out;
}

Tensor contiguous(const Tensor& a) { return a->is_contiguous() ? a : clone(a); }

Tensor detach(const Tensor& a) { return view_of(a, a->sizes, a->strides, a->offset); }

Tensor alias(const Tensor& a) {
  Tensor out = view_of(a, a->sizes, a->strides, a->offset);
  if (any_requires_grad({&a})) {
    auto node = make_node("AliasBackward0", {a},
                          [](Node&, TensorList& g) -> TensorList { return {g[0]}; });
    set_history({out}, node);
  }
  return out;
}

Tensor to_dtype(const Tensor& a, DType dtype, bool copy) {
  if (a->dtype == dtype && !copy) return a;
  Tensor out = empty(a->sizes, dtype);
  kernels::copy(*a, *out);
  // Only float -> float conversions carry gradients; torch drops the graph otherwise.
  if (is_floating(dtype) && any_requires_grad({&a})) {
    auto node = make_node("ToCopyBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {to_dtype(g[0], n.input_meta()[0].dtype)};
    });
    set_history({out}, node);
  }
  return out;
}

}  // namespace cgrad
