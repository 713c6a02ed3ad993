// where(cond, a, b).
#include "ops/common.h"

namespace cgrad {

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (cond->dtype != DType::Bool)
    throw std::runtime_error("where expected condition to be a boolean tensor, but got a tensor "
                             "with dtype " + std::string(dtype_torch_name(cond->dtype)));
  DType t = result_type(a, b);
  detail::check_scalar_fits(a, t);
  detail::check_scalar_fits(b, t);
  Shape shape = broadcast_shapes(broadcast_shapes(cond->sizes, a->sizes), b->sizes);
  Tensor ca = detail::cast(a, t), cb = detail::cast(b, t);
  Tensor out = detail::empty_in_input_layout(shape, t, {cond.get(), ca.get(), cb.get()});
  kernels::where(*cond, *ca, *cb, *out);
  // With a Python number, torch's where first converts the tensor with .to(result dtype),
  // which leaves the graph when it changes the dtype to a non-floating one: where(m, m, 0)
  // of a bool m that requires grad is an int64 with no history, where(m, m, True) is
  // autograd's dtype error.
  const bool number_operand = a->is_wrapped_number || b->is_wrapped_number;
  const bool graph = any_requires_grad({&a, &b}) &&
                     (!number_operand || is_floating(t) ||
                      (a->dtype == t && a->requires_grad()) || (b->dtype == t && b->requires_grad()));
  if (graph) {
    auto node = make_node("WhereBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      Tensor c = n.saved(saved::condition);
      Tensor zero = detail::constant(0.0);
      return {n.needs_input_grad(0) ? sum_to(where(c, g[0], zero), n.input_meta()[0].sizes)
                                    : Tensor(),
              n.needs_input_grad(1) ? sum_to(where(c, zero, g[0]), n.input_meta()[1].sizes)
                                    : Tensor()};
    });
    record(node, {out}, {{saved::condition, cond}});
  }
  return out;
}

}  // namespace cgrad
