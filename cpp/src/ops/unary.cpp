// The pointwise unary ops, defined from the rows of unary_ops.def (Note [Pointwise op
// tables]): each checks its dtype rule, runs its kernel and records its node.
#include <cmath>

#include "cgrad/pointwise/table.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

// torch's zeros_like(grad): the gradient of piecewise-constant functions (not grad * 0,
// which would turn an inf or NaN gradient into NaN).
Tensor zeros_like(const Tensor& g) { return full(g->sizes, 0.0, g->dtype); }

// The result dtype under `rule`, after raising the rule's refusals for a's dtype.
DType checked_result_dtype(pointwise::DtypeRule rule, const char* error, DType t) {
  using namespace pointwise;
  switch (rule) {
    case kFloat: return is_floating(t) ? t : default_float();
    case kKeep: return t;
    case kKeepNotBool:
      if (t == DType::Bool) throw std::runtime_error(error);
      return t;
    case kKeepNoBoolKernel:
    case kRounding:
      if (t == DType::Bool) throw detail::not_implemented_for(error, t);
      return t;
    case kFloatingOnly:
      if (!is_floating(t)) throw detail::not_implemented_for(error, t);
      return t;
    case kIntegralOnly:
      if (is_floating(t)) throw detail::not_implemented_for(error, t);
      return t;
    case kPredicate: return DType::Bool;
  }
  return t;
}

// One table row's op: `backward` maps the incoming gradient to the input's, reading
// back what `saved` names.
template <class F>
Tensor pointwise_op(kernels::UnaryOp op, pointwise::DtypeRule rule, const char* error,
                    const char* node_name, pointwise::Saved saved, const Tensor& a,
                    F backward, kernels::OpParams params = {}) {
  const DType out_dtype = checked_result_dtype(rule, error, a->dtype);
  if (rule == pointwise::kRounding && !is_floating(a->dtype))
    return clone(a);  // integers are already whole: a copy, as torch returns
  Tensor out = rule == pointwise::kPredicate
                   ? detail::unary_forward(op, a, a->dtype, DType::Bool, params)
                   : detail::unary_forward(op, a, out_dtype, params);
  if (node_name && any_requires_grad({&a})) {
    auto node = make_node(node_name, {a}, std::move(backward));
    record(node, {out}, {saved == pointwise::kSelf     ? ToSave(saved::self, a)
                         : saved == pointwise::kResult ? ToSave(saved::result, out)
                                                       : ToSave()});
  }
  return out;
}

// What a row's backward formula may name besides `grad`.
#define CGRAD_READ_kNothing
#define CGRAD_READ_kSelf const Tensor self = n.saved(saved::self);
#define CGRAD_READ_kResult const Tensor result = n.saved(saved::result);

}  // namespace

#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, scalar, node, saved, backward, \
                       inplace)                                                            \
  Tensor name(const Tensor& a) {                                                           \
    return pointwise_op(kernels::UnaryOp::Kernel, pointwise::dtype, error, node,           \
                        pointwise::saved, a,                                               \
                        []([[maybe_unused]] Node& n, TensorList& g) -> TensorList {        \
                          [[maybe_unused]] const Tensor& grad = g[0];                      \
                          CGRAD_READ_##saved return {backward};                            \
                        });                                                                \
  }
#include "cgrad/pointwise/unary_ops.def"

#undef CGRAD_READ_kNothing
#undef CGRAD_READ_kSelf
#undef CGRAD_READ_kResult

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
