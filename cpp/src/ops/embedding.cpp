// embedding: a row gather with its own node, as torch records it (EmbeddingBackward0),
// whose backward scatters the gradient rows back with index_add (so it differentiates
// again).
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
}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  if (indices->dtype != DType::Int64 && indices->dtype != DType::Int32)
    throw std::runtime_error(
        "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
        "Long, Int; but got cgrad." + std::string(dtype_torch_name(indices->dtype)) + "Tensor" +
        " instead (while checking arguments for embedding)");
  if (weight->dim() != 2) throw std::runtime_error("'weight' must be 2-D");
  const Tensor flat = contiguous(detach(reshape(indices, {-1})));
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
      const Shape& weight_sizes = n.input_meta()[0].sizes;
      Tensor rows = n.saved(saved::indices);
      Tensor grad = reshape(g[0], {-1, weight_sizes[1]});
      if (padding_idx) {  // the padding row's uses contribute nothing
        // where, not a 0/1 mask product: a NaN or inf there must still give exactly 0.
        Tensor padded = eq(rows, wrapped_scalar(*padding_idx, DType::Int64));
        grad = where(unsqueeze(padded, 1), detail::constant(0.0), grad);
      }
      // Without a graph to record, float tables are summed row by row by their own kernel
      // (Note [Embedding backward by table row]); other dtypes are added into fresh zeros
      // in place: index_add would first copy the whole table-sized zeros.
      if (!grad->requires_grad()) {
        if (grad->dtype == DType::Float32 || grad->dtype == DType::Float64) {
          Tensor table = empty(weight_sizes, grad->dtype);
          kernels::embedding_backward(*contiguous(grad), *rows, *table);
          return {table};
        }
        Tensor table = full(weight_sizes, 0.0, grad->dtype);
        index_add_(table, 0, rows, grad);
        return {table};
      }
      return {index_add(full(weight_sizes, 0.0, grad->dtype), 0, rows, grad)};
    });
    record(node, {out}, {{saved::indices, flat}});
  }
  return out;
}

}  // namespace cgrad
