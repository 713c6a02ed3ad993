// embedding: a row gather with its own node, as torch records it (EmbeddingBackward0),
// whose backward sums the gradient rows into the table; under create_graph that sum is a
// node of its own too (EmbeddingDenseBackwardBackward0), whose backward gathers the rows.
#include "kernels/embedding.h"
#include "ops/common.h"

namespace cgrad {

namespace {
// torch's embedding reports any index outside [0, rows) with one message.
template <class I> void check_rows(const Tensor& flat, int64_t rows) {
  const I* p = flat->data<I>();
  for (int64_t i = 0, n = flat->numel(); i < n; ++i)
    if (p[i] < 0 || p[i] >= rows) throw IndexError("index out of range in self");
}

// Rows of `t` (one per index) that come from the padding row are zero: its uses
// contribute nothing. where, not a 0/1 mask product: a NaN or inf there must give 0.
Tensor zero_padding_rows(const Tensor& t, const Tensor& rows, std::optional<int64_t> padding_idx) {
  if (!padding_idx) return t;
  Tensor padded = eq(rows, wrapped_scalar(*padding_idx, DType::Int64));
  return where(unsqueeze(padded, 1), detail::constant(0.0), t);
}

// The indices as one contiguous row list.
Tensor flat_rows(const Tensor& indices) { return contiguous(detach(reshape(indices, {-1}))); }

// The table's gradient: the gradient's rows summed into the rows they came from. With a
// graph to record (create_graph), one node as torch's, whose backward gathers the rows.
// Both nodes save the indices as given, as torch shows them.
Tensor embedding_dense_backward(const Tensor& grad_output, const Tensor& indices,
                                const Shape& weight_sizes, std::optional<int64_t> padding_idx) {
  const Tensor rows = flat_rows(indices);
  Tensor table;
  {
    GradModeGuard no_grad(false);
    const Tensor grad =
        zero_padding_rows(reshape(grad_output, {-1, weight_sizes[1]}), rows, padding_idx);
    // Float tables are summed row by row by their own kernel (Note [Embedding backward by
    // table row]); other dtypes are added into fresh zeros in place: index_add would
    // first copy the whole table-sized zeros.
    if (grad->dtype == DType::Float32 || grad->dtype == DType::Float64) {
      table = empty(weight_sizes, grad->dtype);
      kernels::embedding_backward(*contiguous(grad), *rows, *table);
    } else {
      table = full(weight_sizes, 0.0, grad->dtype);
      index_add_(table, 0, rows, grad);
    }
  }
  if (any_requires_grad({&grad_output})) {
    auto node = make_node("EmbeddingDenseBackwardBackward0", {grad_output},
                          [padding_idx](Node& n, TensorList& g) -> TensorList {
      if (!g[0]) return {Tensor()};
      const Tensor rows = flat_rows(n.saved(saved::indices));
      const Tensor gathered = zero_padding_rows(index_select(g[0], 0, rows), rows, padding_idx);
      return {reshape(gathered, n.input_meta()[0].sizes)};
    });
    record(node, {table}, {{saved::indices, indices}});
  }
  return table;
}
}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  if (indices->dtype != DType::Int64 && indices->dtype != DType::Int32)
    throw std::runtime_error(
        "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
        "Long, Int; but got cgrad." + std::string(dtype_torch_name(indices->dtype)) + "Tensor" +
        " instead (while checking arguments for embedding)");
  if (weight->dim() != 2) throw std::runtime_error("'weight' must be 2-D");
  const Tensor flat = flat_rows(indices);
  if (flat->dtype == DType::Int64) check_rows<int64_t>(flat, weight->sizes[0]);
  else check_rows<int32_t>(flat, weight->sizes[0]);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Shape sizes = indices->sizes;
    sizes.push_back(weight->sizes[1]);
    out = reshape(index_select(weight, 0, flat), sizes);
  }
  if (any_requires_grad({&weight})) {
    auto node = make_node("EmbeddingBackward0", {weight},
                          [padding_idx](Node& n, TensorList& g) -> TensorList {
      if (!g[0]) return {Tensor()};
      return {embedding_dense_backward(g[0], n.saved(saved::indices), n.input_meta()[0].sizes,
                                       padding_idx)};
    });
    // Note [Saved values]: torch's padding_idx is -1 for none.
    node->save_value("padding_idx", saved_int(padding_idx.value_or(-1)));
    node->save_value("scale_grad_by_freq", saved_bool(false));
    node->save_value("sparse", saved_bool(false));
    node->save_value("weight_sym_argsize_0", saved_int(weight->sizes[0]));
    record(node, {out}, {{saved::indices, indices}});
  }
  return out;
}

}  // namespace cgrad
