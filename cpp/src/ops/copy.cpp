// Copies and dtype conversions.
#include "ops/common.h"

namespace cgrad {

namespace {
Tensor clone_into(const Tensor& a, Tensor out) {
  kernels::copy(*a, *out);
  if (any_requires_grad({&a})) {
    auto node = make_node("CloneBackward0", {a},
                          [](Node&, TensorList& g) -> TensorList { return {g[0]}; });
    record(node, {out});
  }
  return out;
}
}  // namespace

// Note [Copies keep the memory order]: clone and .to copy in torch's preserve_format, so
// a copy of x.t() is transposed too, and .view / flatten of it fail or copy where
// torch's do; contiguous() and the copies reshape makes are laid out plainly.
Tensor clone(const Tensor& a) {
  return clone_into(a, detail::empty_preserving_layout(*a, a->dtype));
}

Tensor clone_contiguous(const Tensor& a) { return clone_into(a, empty(a->sizes, a->dtype)); }

Tensor contiguous(const Tensor& a) { return a->is_contiguous() ? a : clone_contiguous(a); }

Tensor to_dtype(const Tensor& a, DType dtype, bool copy) {
  if (a->dtype == dtype && !copy) return a;
  Tensor out = detail::empty_preserving_layout(*a, dtype);
  kernels::copy(*a, *out);
  // Only float -> float conversions carry gradients; torch drops the graph otherwise.
  if (is_floating(dtype) && any_requires_grad({&a})) {
    auto node = make_node("ToCopyBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {to_dtype(g[0], n.input_meta()[0].dtype)};
    });
    record(node, {out});
  }
  return out;
}

}  // namespace cgrad
