// Pointwise math. Integer inputs of the transcendental functions compute in the default
// float dtype, as torch does; abs/sign/relu keep integer dtypes.
#include "ops/common.h"

namespace cgrad {

using kernels::UnaryOp;
using detail::constant;

namespace {
DType float_result(const Tensor& a) { return is_floating(a->dtype) ? a->dtype : kDefaultFloat; }

// Runs the kernel and records `name` with `backward` when needed. `save_input` and
// `save_output` pick what the formula reads back as saved(0) (and saved(1)).
template <class F>
Tensor pointwise(const char* name, UnaryOp op, const Tensor& a, DType dtype, bool save_input,
                 bool save_output, F backward) {
  Tensor out = detail::unary_forward(op, a, dtype);
  if (any_requires_grad({&a})) {
    auto node = make_node(name, {a}, std::move(backward));
    set_history({out}, node);
    if (save_input) node->save(a);
    if (save_output) node->save(out, /*is_output=*/true);
  }
  return out;
}
}  // namespace

Tensor sin(const Tensor& a) {
  return pointwise("SinBackward0", UnaryOp::Sin, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList { return {mul(g[0], cos(n.saved(0)))}; });
}

Tensor cos(const Tensor& a) {
  return pointwise("CosBackward0", UnaryOp::Cos, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {mul(g[0], neg(sin(n.saved(0))))};
                   });
}

Tensor exp(const Tensor& a) {
  return pointwise("ExpBackward0", UnaryOp::Exp, a, float_result(a), false, true,
                   [](Node& n, TensorList& g) -> TensorList { return {mul(g[0], n.saved(0))}; });
}

Tensor log(const Tensor& a) {
  return pointwise("LogBackward0", UnaryOp::Log, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList { return {div(g[0], n.saved(0))}; });
}

Tensor tanh(const Tensor& a) {
  return pointwise("TanhBackward0", UnaryOp::Tanh, a, float_result(a), false, true,
                   [](Node& n, TensorList& g) -> TensorList {
                     Tensor y = n.saved(0);
                     return {mul(g[0], rsub(mul(y, y), constant(1.0)))};
                   });
}

Tensor sigmoid(const Tensor& a) {
  return pointwise("SigmoidBackward0", UnaryOp::Sigmoid, a, float_result(a), false, true,
                   [](Node& n, TensorList& g) -> TensorList {
                     Tensor y = n.saved(0);
                     return {mul(g[0], mul(y, rsub(y, constant(1.0))))};
                   });
}

Tensor relu(const Tensor& a) {
  if (a->dtype == DType::Bool)
    throw std::runtime_error("Boolean inputs not supported for relu");
  return pointwise("ReluBackward0", UnaryOp::Relu, a, a->dtype, false, true,
                   [](Node& n, TensorList& g) -> TensorList {
                     // Passes the gradient wherever the output is not <= 0 (NaN included).
                     return {where(le(n.saved(0), constant(0.0)), constant(0.0), g[0])};
                   });
}

Tensor sqrt(const Tensor& a) {
  return pointwise("SqrtBackward0", UnaryOp::Sqrt, a, float_result(a), false, true,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {div(g[0], mul(n.saved(0), constant(2.0)))};
                   });
}

Tensor abs(const Tensor& a) {
  if (a->dtype == DType::Bool) throw NotImplementedError("\"abs_cpu\" not implemented for 'Bool'");
  return pointwise("AbsBackward0", UnaryOp::Abs, a, a->dtype, true, false,
                   [](Node& n, TensorList& g) -> TensorList { return {mul(g[0], sign(n.saved(0)))}; });
}

Tensor sign(const Tensor& a) {
  return pointwise("SignBackward0", UnaryOp::Sign, a, a->dtype, false, false,
                   [](Node&, TensorList& g) -> TensorList { return {mul(g[0], constant(0.0))}; });
}

}  // namespace cgrad
