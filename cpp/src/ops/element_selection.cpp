// take, take_along_dim and masked_select: elements picked into a new tensor, each forward
// running cgrad's indexing kernels with grad mode off and recording torch's node.
#include <string>

#include "ops/common.h"

namespace cgrad {

namespace {

Tensor zeros_like_sizes(const Shape& sizes, const Tensor& like) {
  return full(sizes, 0.0, like->dtype);
}

// torch's bounds check of take: every position must fall in [-numel, numel).
void check_take_positions(const Tensor& positions, int64_t numel) {
  Tensor dense = contiguous(positions);
  const int64_t* p = dense->data<int64_t>();
  for (int64_t i = 0, n = dense->numel(); i < n; ++i)
    if (p[i] < -numel || p[i] >= numel)
      throw IndexError("out of range: tried to access index " + std::to_string(p[i]) +
                       " on a tensor of " + std::to_string(numel) + " elements.");
}

}  // namespace

Tensor take(const Tensor& self, const Tensor& positions) {
  if (positions->dtype != DType::Int64)
    throw std::runtime_error(std::string("take(): Expected a long tensor for index, but got ") +
                             dtype_torch_name(positions->dtype));
  const int64_t numel = self->numel();
  if (numel == 0 && positions->numel() > 0)
    throw IndexError("take(): tried to take from an empty tensor");
  check_take_positions(positions, numel);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = index(reshape(self, {numel}), {positions});
  }
  if (any_requires_grad({&self})) {
    auto node = make_node("TakeBackward0", {self}, [](Node& n, TensorList& g) -> TensorList {
      // Positions may repeat: the gradient adds up at each (put_ with accumulate).
      const Shape& sizes = n.input_meta()[0].sizes;
      int64_t numel = 1;
      for (int64_t s : sizes) numel *= s;
      Tensor flat = index_put(zeros_like_sizes({numel}, g[0]), {n.saved(saved::index)}, g[0], true);
      return {reshape(flat, sizes)};
    });
    record(node, {out}, {{saved::index, positions}});
  }
  return out;
}

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim) {
  if (indices->dtype != DType::Int64)
    throw std::runtime_error(
        std::string("torch.take_along_dim(): dtype of indices should be Long but got ") +
        dtype_torch_name(indices->dtype));
  if (!dim) return gather(reshape(self, {-1}), 0, reshape(indices, {-1}));
  if (self->dim() != indices->dim())
    throw std::runtime_error(
        "torch.take_along_dim(): input and indices should have the same number of "
        "dimensions, but got " + std::to_string(self->dim()) + " dimensions for input, and " +
        std::to_string(indices->dim()) + " dimensions for indices");
  const int64_t d = wrap_dim(*dim, self->dim());
  // Every dim but `d` broadcasts; along `d` each keeps its own size.
  Shape self_sizes = self->sizes;
  if (self->dim() > 0) self_sizes[d] = indices->sizes[d];
  Shape shape = broadcast_shapes(self_sizes, indices->sizes);
  Tensor expanded_indices = expand(indices, shape);
  if (self->dim() > 0) shape[d] = self->sizes[d];
  return gather(expand(self, shape), d, expanded_indices);
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  if (mask->dtype != DType::Bool)
    throw std::runtime_error("masked_select: expected BoolTensor for mask");
  const Shape shape = broadcast_shapes(mask->sizes, self->sizes);  // in torch's order, for its message
  const Tensor full_mask = expand_to(mask, shape);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = index(expand_to(self, shape), {full_mask});
  }
  if (any_requires_grad({&self})) {
    auto node = make_node("MaskedSelectBackward0", {self},
                          [shape](Node& n, TensorList& g) -> TensorList {
      // The selected gradients go back to where they came from (masked_scatter), then
      // the broadcast is summed away.
      Tensor mask = expand_to(n.saved(saved::mask), shape);
      Tensor spread = index_put(zeros_like_sizes(shape, g[0]), {mask}, g[0], false);
      return {sum_to(spread, n.input_meta()[0].sizes)};
    });
    record(node, {out}, {{saved::mask, mask}});
  }
  return out;
}

}  // namespace cgrad
