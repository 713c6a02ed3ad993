// cat, stack and block_diag: each input is copied into its window of one fresh output;
// hstack, vstack, dstack and column_stack: cat of the inputs raised to a common rank.
#include <numeric>

#include "ops/common.h"

namespace cgrad {

namespace {
DType common_dtype(const TensorList& tensors) {
  DType d = tensors[0]->dtype;
  for (const Tensor& t : tensors) d = promote_types(d, t->dtype);
  return d;
}

// torch still accepts 1-d empty tensors in cat whatever the other shapes (legacy).
bool is_legacy_empty(const Tensor& t) { return t->dim() == 1 && t->sizes[0] == 0; }
}  // namespace

Tensor cat(const TensorList& tensors, int64_t dim) {
  if (tensors.empty()) throw ValueError("cat(): expected a non-empty list of Tensors");
  const Tensor* ref = nullptr;  // the first tensor that is not legacy empty
  for (size_t i = 0; i < tensors.size() && !ref; ++i) {
    if (is_legacy_empty(tensors[i])) continue;
    ref = &tensors[i];
    if (tensors[i]->dim() == 0)
      throw std::runtime_error("zero-dimensional tensor (at position " + std::to_string(i) +
                               ") cannot be concatenated");
  }
  // Only legacy empty tensors: the result is one more of them.
  const int64_t d = ref ? wrap_dim(dim, (*ref)->dim()) : 0;
  Shape sizes = ref ? (*ref)->sizes : Shape{0};
  sizes[d] = 0;
  for (size_t i = 0; ref && i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (is_legacy_empty(t)) continue;
    if (t->dim() != (*ref)->dim())
      throw std::runtime_error("Tensors must have same number of dimensions: got " +
                               std::to_string((*ref)->dim()) + " and " + std::to_string(t->dim()));
    for (int64_t k = 0; k < t->dim(); ++k)
      if (k != d && t->sizes[k] != (*ref)->sizes[k])
        throw std::runtime_error("Sizes of tensors must match except in dimension " +
                                 std::to_string(d) + ". Expected size " +
                                 std::to_string((*ref)->sizes[k]) + " but got size " +
                                 std::to_string(t->sizes[k]) + " for tensor number " +
                                 std::to_string(i) + " in the list.");
    sizes[d] += t->sizes[d];
  }
  Tensor out = empty(sizes, common_dtype(tensors));
  std::vector<int64_t> offsets;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    offsets.push_back(offset);
    if (is_legacy_empty(t)) continue;
    Shape window_sizes = sizes;
    window_sizes[d] = t->sizes[d];
    Tensor window = make_view(out, window_sizes, out->strides, offset * out->strides[d]);
    kernels::copy(*t, *window);
    offset += t->sizes[d];
  }
  if (compute_requires_grad(tensors)) {
    auto node = make_node("CatBackward0", tensors,
                          [d, offsets](Node& n, TensorList& g) -> TensorList {
                            TensorList grads;
                            for (size_t i = 0; i < offsets.size(); ++i) {
                              const Shape& in = n.input_meta()[i].sizes;
                              if (!n.needs_input_grad(i)) grads.push_back(Tensor());
                              else if (in.size() == 1 && in[0] == 0)  // a legacy empty input
                                grads.push_back(full(in, 0.0, g[0]->dtype));
                              else grads.push_back(narrow(g[0], d, offsets[i], in[d]));
                            }
                            return grads;
                          });
    node->save_value("dim", saved_int(dim));  // Note [Saved values]
    record(node, {out});
  }
  return out;
}

Tensor stack(const TensorList& tensors, int64_t dim) {
  if (tensors.empty()) throw std::runtime_error("stack expects a non-empty TensorList");
  const Shape& shape = tensors[0]->sizes;
  const int64_t d = wrap_dim(dim, static_cast<int64_t>(shape.size()) + 1);
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i]->sizes != shape)
      throw std::runtime_error("stack expects each tensor to be equal size, but got " +
                               shape_str(shape) + " at entry 0 and " +
                               shape_str(tensors[i]->sizes) + " at entry " + std::to_string(i));
  Shape sizes = shape;
  sizes.insert(sizes.begin() + d, static_cast<int64_t>(tensors.size()));
  Tensor out = empty(sizes, common_dtype(tensors));
  Shape window_strides = out->strides;
  window_strides.erase(window_strides.begin() + d);
  for (size_t i = 0; i < tensors.size(); ++i) {
    Tensor window = make_view(out, shape, window_strides, static_cast<int64_t>(i) * out->strides[d]);
    kernels::copy(*tensors[i], *window);
  }
  if (compute_requires_grad(tensors)) {
    auto node = make_node("StackBackward0", tensors, [d](Node& n, TensorList& g) -> TensorList {
      TensorList grads;
      for (size_t i = 0; i < n.num_outputs(); ++i)
        grads.push_back(n.needs_input_grad(i) ? select(g[0], d, static_cast<int64_t>(i)) : Tensor());
      return grads;
    });
    node->save_value("dim", saved_int(dim));  // Note [Saved values]
    record(node, {out});
  }
  return out;
}

// ---- cat of inputs raised to a rank ----

namespace {
TensorList each(const TensorList& tensors, const char* op, Tensor (*raise)(const Tensor&)) {
  if (tensors.empty()) throw std::runtime_error(std::string(op) + " expects a non-empty TensorList");
  TensorList out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(raise(t));
  return out;
}

Tensor as_column(const Tensor& t) { return t->dim() <= 1 ? reshape(t, {t->numel(), 1}) : t; }
}  // namespace

Tensor hstack(const TensorList& tensors) {
  TensorList raised = each(tensors, "hstack", &atleast_1d);
  return cat(raised, raised[0]->dim() == 1 ? 0 : 1);
}

Tensor vstack(const TensorList& tensors) { return cat(each(tensors, "vstack", &atleast_2d), 0); }

Tensor dstack(const TensorList& tensors) { return cat(each(tensors, "dstack", &atleast_3d), 2); }

Tensor column_stack(const TensorList& tensors) {
  return cat(each(tensors, "column_stack", &as_column), 1);
}

// ---- block_diag ----

Tensor block_diag(const TensorList& tensors) {
  Shape rows, cols;  // each input's size as a matrix
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t->dim() > 2)
      throw std::runtime_error("torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               "Input " + std::to_string(i) + " has " +
                               std::to_string(t->dim()) + " dimensions");
    rows.push_back(t->dim() == 2 ? t->sizes[0] : 1);
    cols.push_back(t->dim() == 0 ? 1 : t->sizes.back());
  }
  if (tensors.empty()) return empty({1, 0}, default_float());
  const int64_t total_rows = std::accumulate(rows.begin(), rows.end(), int64_t{0});
  const int64_t total_cols = std::accumulate(cols.begin(), cols.end(), int64_t{0});
  Tensor out = full({total_rows, total_cols}, 0.0, common_dtype(tensors));
  Shape row_at, col_at;  // each block's top-left corner
  for (size_t i = 0, r = 0, c = 0; i < tensors.size(); r += rows[i], c += cols[i], ++i) {
    row_at.push_back(static_cast<int64_t>(r));
    col_at.push_back(static_cast<int64_t>(c));
    Tensor window = make_view(out, {rows[i], cols[i]}, out->strides,
                              static_cast<int64_t>(r) * out->strides[0] + static_cast<int64_t>(c));
    GradModeGuard forward_only(false);
    kernels::copy(*reshape(tensors[i], {rows[i], cols[i]}), *window);
  }
  if (compute_requires_grad(tensors)) {
    auto node = make_node("BlockDiagBackward0", tensors,
                          [rows, cols, row_at, col_at](Node& n, TensorList& g) -> TensorList {
      TensorList grads;
      for (size_t i = 0; i < rows.size(); ++i) {
        if (!n.needs_input_grad(i)) {
          grads.push_back(Tensor());
          continue;
        }
        const auto& meta = n.input_meta()[i];
        Tensor block = reshape(narrow(narrow(g[0], 0, row_at[i], rows[i]), 1, col_at[i], cols[i]),
                               meta.sizes);
        grads.push_back(block->dtype == meta.dtype ? block : to_dtype(block, meta.dtype));
      }
      return grads;
    });
    record(node, {out});
  }
  return out;
}

}  // namespace cgrad
