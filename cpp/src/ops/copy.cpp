// Copies and dtype conversions.
#include "ops/common.h"

namespace cgrad {

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
