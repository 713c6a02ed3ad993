#pragma once
// The driver of the pointwise unary ops: the rows of unary_ops.def (ops/unary.cpp) and of
// activation_ops.def (ops/activation.cpp), whose activations are unary ops with parameters.
#include "cgrad/pointwise/table.h"
#include "ops/common.h"

namespace cgrad::detail {

// The result dtype under `rule`, after raising the rule's refusals for a's dtype.
inline DType checked_result_dtype(pointwise::DtypeRule rule, const char* error, DType t) {
  using namespace pointwise;
  switch (rule) {
    case kFloat: return is_floating(t) ? t : default_float();
    case kKeep: return t;
    case kKeepNotBool:
      if (t == DType::Bool) throw std::runtime_error(error);
      return t;
    case kKeepNoBoolKernel:
    case kRounding:
      if (t == DType::Bool) throw not_implemented_for(error, t);
      return t;
    case kFloatingOnly:
      if (!is_floating(t)) throw not_implemented_for(error, t);
      return t;
    case kIntegralOnly:
      if (is_floating(t)) throw not_implemented_for(error, t);
      return t;
    case kPredicate: return DType::Bool;
  }
  return t;
}

// One row's op: checks the dtype rule, runs `op` and, when a requires grad, records
// `node_name`, whose `backward` maps the incoming gradient to the input's, reading back
// what `saved` names.
template <class F>
Tensor pointwise_op(kernels::UnaryOp op, pointwise::DtypeRule rule, const char* error,
                    const char* node_name, pointwise::Saved saved, const Tensor& a,
                    F backward, kernels::OpParams params = {}) {
  const DType out_dtype = checked_result_dtype(rule, error, a->dtype);
  if (rule == pointwise::kRounding && !is_floating(a->dtype))
    return clone(a);  // integers are already whole: a copy, as torch returns
  Tensor out = rule == pointwise::kPredicate
                   ? unary_forward(op, a, a->dtype, DType::Bool, params)
                   : unary_forward(op, a, out_dtype, params);
  if (node_name && any_requires_grad({&a})) {
    auto node = make_node(node_name, {a}, std::move(backward));
    const bool keep_self = saved == pointwise::kSelf || saved == pointwise::kSelfAndResult;
    const bool keep_result = saved == pointwise::kResult || saved == pointwise::kSelfAndResult;
    record(node, {out}, {keep_self ? ToSave(saved::self, a) : ToSave(),
                         keep_result ? ToSave(saved::result, out) : ToSave()});
  }
  return out;
}

}  // namespace cgrad::detail

// What a row's backward formula may name besides `grad`, by its pointwise::Saved, inside
// a node's backward (Node& n).
#define CGRAD_POINTWISE_READ_kNothing
#define CGRAD_POINTWISE_READ_kSelf const Tensor self = n.saved(saved::self);
#define CGRAD_POINTWISE_READ_kResult const Tensor result = n.saved(saved::result);
#define CGRAD_POINTWISE_READ_kSelfAndResult \
  [[maybe_unused]] const Tensor self = n.saved(saved::self), result = n.saved(saved::result);
