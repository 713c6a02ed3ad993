// Pointwise math. Integer inputs of the transcendental functions compute in the default
// float dtype, as torch does; abs/sign/relu and the rounding functions keep integer dtypes.
#include <cmath>

#include "ops/common.h"

namespace cgrad {

using kernels::UnaryOp;
using detail::constant;
using detail::float_result;

namespace {

// torch's zeros_like(grad): the gradient of piecewise-constant functions (not grad * 0,
// which would turn an inf or NaN gradient into NaN).
Tensor zeros_like(const Tensor& g) { return full(g->sizes, 0.0, g->dtype); }

// Runs the kernel and records `name` with `backward` when needed. `save_input` and
// `save_output` pick what the formula reads back as saved(0) (and saved(1)).
template <class F>
Tensor pointwise(const char* name, UnaryOp op, const Tensor& a, DType dtype, bool save_input,
                 bool save_output, F backward, kernels::OpParams params = {}) {
  Tensor out = detail::unary_forward(op, a, dtype, params);
  if (any_requires_grad({&a})) {
    auto node = make_node(name, {a}, std::move(backward));
    set_history({out}, node);
    if (save_input) node->save(a, false, "self");
    if (save_output) node->save(out, /*is_output=*/true, "result");
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
                     return {threshold_backward(g[0], n.saved(0), 0.0)};
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
                   [](Node&, TensorList& g) -> TensorList { return {zeros_like(g[0])}; });
}

Tensor expm1(const Tensor& a) {
  return pointwise("Expm1Backward0", UnaryOp::Expm1, a, float_result(a), false, true,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {mul(g[0], add(n.saved(0), constant(1.0)))};
                   });
}

Tensor erf(const Tensor& a) {  // d/dx erf(x) = 2/sqrt(pi) exp(-x^2)
  return pointwise("ErfBackward0", UnaryOp::Erf, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {
                     const Tensor& x = n.saved(0);
                     return {mul(g[0], mul(exp(neg(mul(x, x))), constant(M_2_SQRTPI)))};
                   });
}

Tensor log2(const Tensor& a) {
  return pointwise("Log2Backward0", UnaryOp::Log2, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {div(g[0], mul(n.saved(0), constant(M_LN2)))};
                   });
}

Tensor log10(const Tensor& a) {
  return pointwise("Log10Backward0", UnaryOp::Log10, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {div(g[0], mul(n.saved(0), constant(M_LN10)))};
                   });
}

Tensor log1p(const Tensor& a) {
  return pointwise("Log1PBackward0", UnaryOp::Log1p, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {div(g[0], add(n.saved(0), constant(1.0)))};
                   });
}

Tensor rsqrt(const Tensor& a) {
  return pointwise("RsqrtBackward0", UnaryOp::Rsqrt, a, float_result(a), false, true,
                   [](Node& n, TensorList& g) -> TensorList {  // -1/2 * x^(-3/2) = -r^3 / 2
                     return {mul(mul(g[0], constant(-0.5)), pow(n.saved(0), constant(3.0)))};
                   });
}

Tensor tan(const Tensor& a) {
  return pointwise("TanBackward0", UnaryOp::Tan, a, float_result(a), false, true,
                   [](Node& n, TensorList& g) -> TensorList {  // 1 + tan^2
                     return {mul(g[0], add(pow(n.saved(0), constant(2.0)), constant(1.0)))};
                   });
}

Tensor asin(const Tensor& a) {
  return pointwise("AsinBackward0", UnaryOp::Asin, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {  // 1 / sqrt(1 - x^2)
                     Tensor x = n.saved(0);
                     return {mul(g[0], rsqrt(rsub(mul(x, x), constant(1.0))))};
                   });
}

Tensor acos(const Tensor& a) {
  return pointwise("AcosBackward0", UnaryOp::Acos, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {  // -1 / sqrt(1 - x^2)
                     Tensor x = n.saved(0);
                     return {mul(g[0], neg(rsqrt(rsub(mul(x, x), constant(1.0)))))};
                   });
}

Tensor atan(const Tensor& a) {
  return pointwise("AtanBackward0", UnaryOp::Atan, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {  // 1 / (1 + x^2)
                     Tensor x = n.saved(0);
                     return {div(g[0], add(mul(x, x), constant(1.0)))};
                   });
}

Tensor sinh(const Tensor& a) {
  return pointwise("SinhBackward0", UnaryOp::Sinh, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {mul(g[0], cosh(n.saved(0)))};
                   });
}

Tensor cosh(const Tensor& a) {
  return pointwise("CoshBackward0", UnaryOp::Cosh, a, float_result(a), true, false,
                   [](Node& n, TensorList& g) -> TensorList {
                     return {mul(g[0], sinh(n.saved(0)))};
                   });
}

namespace {
// floor/ceil/trunc/round: integers are already whole (a copy, as torch returns), bool has
// no kernel; floating results have zero gradient everywhere.
Tensor rounding(const char* name, const char* kernel, UnaryOp op, const Tensor& a,
                kernels::OpParams params = {}) {
  if (a->dtype == DType::Bool) throw detail::not_implemented_for(kernel, a->dtype);
  if (!is_floating(a->dtype)) return clone(a);
  return pointwise(name, op, a, a->dtype, false, false,
                   [](Node&, TensorList& g) -> TensorList { return {zeros_like(g[0])}; }, params);
}
}  // namespace

Tensor floor(const Tensor& a) {
  return rounding("FloorBackward0", "floor_vml_cpu", UnaryOp::Floor, a);
}
Tensor ceil(const Tensor& a) { return rounding("CeilBackward0", "ceil_vml_cpu", UnaryOp::Ceil, a); }
Tensor trunc(const Tensor& a) {
  return rounding("TruncBackward0", "trunc_vml_cpu", UnaryOp::Trunc, a);
}

Tensor round(const Tensor& a, std::optional<int64_t> decimals) {
  if (!decimals) return rounding("RoundBackward0", "round_vml_cpu", UnaryOp::Round, a);
  // torch has no integer kernel for round(decimals=) at all (decimals=0 included).
  if (!is_floating(a->dtype))
    throw detail::not_implemented_for(*decimals == 0 ? "round_vml_cpu" : "round_cpu", a->dtype);
  return rounding("RoundBackward1", "round_cpu", UnaryOp::Round, a,
                  {static_cast<double>(*decimals), 0.0});
}

Tensor frac(const Tensor& a) {
  if (!is_floating(a->dtype)) throw detail::not_implemented_for("frac_cpu", a->dtype);
  return pointwise("FracBackward0", UnaryOp::Frac, a, a->dtype, false, false,
                   [](Node&, TensorList& g) -> TensorList { return {g[0]}; });
}

}  // namespace cgrad
