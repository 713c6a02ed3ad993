// The pointwise binary ops and comparisons, defined from the rows of binary_ops.def that
// are not written by hand (Note [Pointwise op tables]): each checks its dtype rule, runs
// its kernel and records its node. Comparisons, logical and bitwise ops record nothing.
#include <cmath>
#include <cstring>

#include "cgrad/pointwise/table.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;
using kernels::BinaryOp;

namespace {

// The compute (= result, but for comparisons and logical ops) dtype under `rule`, after
// raising the rule's refusals.
DType checked_compute_dtype(pointwise::BinaryRule rule, const char* error, const Tensor& a,
                            const Tensor& b) {
  using namespace pointwise;
  if (rule == kLogical) return DType::Bool;
  if (rule == kSameDtype) {
    if (a->dtype != b->dtype) throw std::runtime_error(error);
    return a->dtype;
  }
  if (rule == kBitwise || rule == kIntegral)
    broadcast_shapes(a->sizes, b->sizes);  // torch reports mismatched shapes before dtypes
  const DType t = result_type(a, b);
  switch (rule) {
    case kBitwise:
      if (is_floating(t)) throw detail::not_implemented_for(error, t);
      return t;
    case kIntegral:
      if (is_floating(t) || t == DType::Bool) throw detail::not_implemented_for(error, t);
      return t;
    case kPromoteFloat: return is_floating(t) ? t : default_float();
    case kFloatingOperands:
      if (!is_floating(t)) throw detail::not_implemented_for(error, t);
      return t;
    default: return t;
  }
}

// The node a row records for a number `other` (its CGRAD_BINARY_NUMBER_NODE), else null.
const char* number_node_of(const char* name) {
  struct Entry {
    const char* name;
    const char* node;
  };
  static constexpr Entry kNumberNodes[] = {
#define CGRAD_BINARY_OP(...)
#define CGRAD_BINARY_NUMBER_NODE(name, node) {#name, node},
#include "cgrad/pointwise/binary_ops.def"
      {nullptr, nullptr}};
  for (const Entry& e : kNumberNodes)
    if (e.name && std::strcmp(e.name, name) == 0) return e.node;
  return nullptr;
}

// One row's op: forward, then (for a floating result that needs one) its node, whose
// `backward` maps the incoming gradient to (d self, d other) before broadcasting is undone,
// reading back what `saved` names. A number `other` gets no edge.
template <class F>
Tensor binary_op(BinaryOp op, pointwise::BinaryRule rule, const char* error, const char* name,
                 const char* node_name, pointwise::Saved saved, const Tensor& a, const Tensor& b,
                 F backward) {
  const DType t = checked_compute_dtype(rule, error, a, b);
  const bool predicate = rule == pointwise::kCompare || rule == pointwise::kLogical;
  Tensor out = detail::binary_forward(op, a, b, t, predicate ? DType::Bool : t);
  if (predicate || !node_name || !is_floating(out->dtype) || !any_requires_grad({&a, &b}))
    return out;
  if (std::strcmp(node_name, "torch::autograd::NotImplemented") == 0) {
    detail::record_not_implemented(out, name, a, b);
    return out;
  }
  const bool number_other = b->is_wrapped_number;
  const char* number_node = number_other ? number_node_of(name) : nullptr;
  auto node = make_node(number_node ? number_node : node_name,
                        number_other ? TensorList{a} : TensorList{a, b},
                        [backward](Node& n, TensorList& g) -> TensorList {
                          TensorList grads(n.num_outputs());
                          for (size_t i = 0; i < grads.size(); ++i)
                            if (n.needs_input_grad(i))
                              grads[i] = sum_to(backward(n, g[0], i), n.input_meta()[i].sizes);
                          return grads;
                        });
  using namespace pointwise;
  namespace slot = cgrad::saved;
  const Tensor no_tensor;
  const bool keep_self = saved == kSelfOther || saved == kSelfResult;
  const bool keep_other = saved == kSelfOther || saved == kOtherResult;
  const bool keep_result = saved == kSelfResult || saved == kOtherResult;
  record(node, {out},
         {keep_self ? ToSave(slot::self, a) : ToSave(),
          keep_other ? ToSave(slot::other, number_other ? no_tensor : b) : ToSave(),
          keep_result ? ToSave(slot::result, out) : ToSave()});
  return out;
}

// A comparison written into self (x.eq_(y)): the result in self's dtype, recorded as
// torch's in-place comparisons are, under the row's node (its number node for a number
// `other`, with one edge) with the row's (zero) gradient.
template <class F>
Tensor compare_into(Tensor (*op)(const Tensor&, const Tensor&), const char* name,
                    const char* node_name, const Tensor& self, const Tensor& other, F backward) {
  Tensor out;
  {
    GradModeGuard forward_only(false);
    out = detail::cast(op(self, other), self->dtype);
  }
  if (!any_requires_grad({&self, &other})) return out;
  const bool number_other = other->is_wrapped_number;
  auto node = make_node(number_other ? number_node_of(name) : node_name,
                        number_other ? TensorList{self} : TensorList{self, other},
                        [backward](Node& n, TensorList& g) -> TensorList {
                          TensorList grads(n.num_outputs());
                          for (size_t i = 0; i < grads.size(); ++i)
                            if (n.needs_input_grad(i)) grads[i] = backward(n, g[0], i);
                          return grads;
                        });
  record(node, {out});
  return out;
}

// Zeros in the shape and dtype of the node's input i (torch's zeros_like(self) of the
// comparisons' in-place forms, which save no tensor).
Tensor zeros_of(const Node& n, size_t i) {
  return full(n.input_meta()[i].sizes, 0.0, n.input_meta()[i].dtype);
}

// What a row's backward formulas may name besides `grad`, read from the slots binary_op
// saves them in.
#define CGRAD_READ_kNothing
#define CGRAD_READ_kSelfOther \
  const Tensor self = n.saved(saved::self), other = n.saved(saved::other);
#define CGRAD_READ_kSelfResult \
  const Tensor self = n.saved(saved::self), result = n.saved(saved::result);
#define CGRAD_READ_kOtherResult \
  const Tensor other = n.saved(saved::other), result = n.saved(saved::result);

}  // namespace

// A row's backward: input i's gradient (0: self, 1: other), computed only when asked for.
#define CGRAD_BACKWARD(saved, grad_self, grad_other)                                     \
  []([[maybe_unused]] Node& n, [[maybe_unused]] const Tensor& grad, size_t i) -> Tensor { \
    CGRAD_READ_##saved return i == 0 ? Tensor(grad_self) : Tensor(grad_other);           \
  }
#define CGRAD_DEFINE_kHand(...)
#define CGRAD_DEFINE_OP(Kernel, name, dtype, error, node, saved, grad_self, grad_other)   \
  Tensor name(const Tensor& a, const Tensor& b) {                                         \
    return binary_op(BinaryOp::Kernel, pointwise::dtype, error, #name, node,              \
                     pointwise::saved, a, b, CGRAD_BACKWARD(saved, grad_self, grad_other)); \
  }
#define CGRAD_DEFINE_kCompare(Kernel, name, dtype, error, node, saved, grad_self, grad_other) \
  CGRAD_DEFINE_OP(Kernel, name, dtype, error, nullptr, saved, grad_self, grad_other)           \
  Tensor name##_into(const Tensor& self, const Tensor& other) {                                 \
    return compare_into(&name, #name, node, self, other,                                       \
                        CGRAD_BACKWARD(saved, grad_self, grad_other));                         \
  }
#define CGRAD_DEFINE_kLogical CGRAD_DEFINE_OP
#define CGRAD_DEFINE_kPromote CGRAD_DEFINE_OP
#define CGRAD_DEFINE_kBitwise CGRAD_DEFINE_OP
#define CGRAD_DEFINE_kIntegral CGRAD_DEFINE_OP
#define CGRAD_DEFINE_kPromoteFloat CGRAD_DEFINE_OP
#define CGRAD_DEFINE_kFloatingOperands CGRAD_DEFINE_OP
#define CGRAD_DEFINE_kSameDtype CGRAD_DEFINE_OP
#define CGRAD_BINARY_OP(Kernel, name, dtype, error, types, cost, scalar, node, saved,   \
                        grad_self, grad_other, operands, inplace)                      \
  CGRAD_DEFINE_##dtype(Kernel, name, dtype, error, node, saved, grad_self, grad_other)
#include "cgrad/pointwise/binary_ops.def"

}  // namespace cgrad
