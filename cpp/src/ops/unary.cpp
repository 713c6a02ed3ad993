// The pointwise unary ops, defined from the rows of unary_ops.def (Note [Pointwise op
// tables]): each checks its dtype rule, runs its kernel and records its node.
#include <cmath>

#include "ops/pointwise_op.h"

namespace cgrad {

using detail::constant;
using detail::pointwise_op;
using detail::zeros_like;

#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, scalar, node, saved, backward, \
                       inplace, out)                                                       \
  Tensor name(const Tensor& a) {                                                           \
    return pointwise_op(kernels::UnaryOp::Kernel, pointwise::dtype, error, node,           \
                        pointwise::saved, a,                                               \
                        []([[maybe_unused]] Node& n, TensorList& g) -> TensorList {        \
                          [[maybe_unused]] const Tensor& grad = g[0];                      \
                          CGRAD_POINTWISE_READ_##saved return {backward};          \
                        });                                                                \
  }
#include "cgrad/pointwise/unary_ops.def"

Tensor without_derivative(Tensor (*f)(const Tensor&), const Tensor& a, const char* node_name,
                          const char* op) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = f(a);
  }
  if (is_floating(out->dtype) && any_requires_grad({&a})) {
    const std::string message =
        std::string("the derivative for 'inplace version of ") + op + "' is not implemented.";
    auto node = make_node(node_name, {a}, [message](Node&, TensorList&) -> TensorList {
      throw NotImplementedError(message);
    });
    record(node, {out});
  }
  return out;
}

Tensor round(const Tensor& a, std::optional<int64_t> decimals) {
  auto zero_grad = [](Node&, TensorList& g) -> TensorList { return {zeros_like(g[0])}; };
  if (!decimals)
    return pointwise_op(kernels::UnaryOp::Round, pointwise::kRounding, "round_vml_cpu",
                        "RoundBackward0", pointwise::kNothing, a, zero_grad);
  // torch has no integer kernel for round(decimals=) at all (decimals=0 included).
  if (!is_floating(a->dtype))
    throw detail::not_implemented_for(*decimals == 0 ? "round_vml_cpu" : "round_cpu", a->dtype);
  return pointwise_op(kernels::UnaryOp::Round, pointwise::kRounding, "round_cpu",
                      "RoundBackward1", pointwise::kNothing, a, zero_grad,
                      {static_cast<double>(*decimals), 0.0});
}

}  // namespace cgrad
