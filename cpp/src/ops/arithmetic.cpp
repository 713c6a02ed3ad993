// + - * / ** and negation. Each op's backward formula sits beside its forward and is
// written with cgrad ops, so create_graph=True differentiates it again.
#include <cmath>

#include "ops/common.h"

namespace cgrad {

using kernels::BinaryOp;
using detail::binary_forward;
using detail::constant;

namespace {
// Shape of forward input i as recorded by the node (valid wherever a grad is needed).
const Shape& input_sizes(const Node& n, size_t i) { return n.input_meta()[i].sizes; }

// torch refuses `-` whenever either operand (Python scalars included) is bool.
void check_sub_operands(const Tensor& a, const Tensor& b) {
  const bool ab = a->dtype == DType::Bool, bb = b->dtype == DType::Bool;
  if (ab && bb)
    throw std::runtime_error(
        "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
        "`logical_xor()` operator instead.");
  if (ab || bb)
    throw std::runtime_error(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
        "to invert a mask, use the `~` or `logical_not()` operator instead.");
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Add, a, b, t, t);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("AddBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(g[0], input_sizes(n, 0)) : Tensor(),
              n.needs_input_grad(1) ? sum_to(g[0], input_sizes(n, 1)) : Tensor()};
    });
    set_history({out}, node);
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  check_sub_operands(a, b);
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Sub, a, b, t, t);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("SubBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(g[0], input_sizes(n, 0)) : Tensor(),
              n.needs_input_grad(1) ? sum_to(neg(g[0]), input_sizes(n, 1)) : Tensor()};
    });
    set_history({out}, node);
  }
  return out;
}

Tensor rsub(const Tensor& a, const Tensor& b) {
  check_sub_operands(a, b);
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Sub, b, a, t, t);
  if (any_requires_grad({&a, &b})) {
    // torch names the tensor-scalar overload RsubBackward1, tensor-tensor RsubBackward0.
    const char* name = b->is_wrapped_number ? "RsubBackward1" : "RsubBackward0";
    auto node = make_node(name, {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(neg(g[0]), input_sizes(n, 0)) : Tensor(),
              n.needs_input_grad(1) ? sum_to(g[0], input_sizes(n, 1)) : Tensor()};
    });
    set_history({out}, node);
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Mul, a, b, t, t);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("MulBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(mul(g[0], n.saved(1)), input_sizes(n, 0)) : Tensor(),
              n.needs_input_grad(1) ? sum_to(mul(g[0], n.saved(0)), input_sizes(n, 1)) : Tensor()};
    });
    node->save(b->requires_grad() ? a : Tensor());  // saved(0): a, needed for b's grad
    node->save(a->requires_grad() ? b : Tensor());  // saved(1): b, needed for a's grad
    set_history({out}, node);
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  if (!is_floating(t)) t = kDefaultFloat;  // true division
  Tensor out = binary_forward(BinaryOp::Div, a, b, t, t);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("DivBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      Tensor other = n.saved(1);
      Tensor ga, gb;
      if (n.needs_input_grad(0)) ga = sum_to(div(g[0], other), input_sizes(n, 0));
      if (n.needs_input_grad(1))
        gb = sum_to(div(mul(neg(g[0]), n.saved(0)), mul(other, other)), input_sizes(n, 1));
      return {ga, gb};
    });
    node->save(b->requires_grad() ? a : Tensor());
    node->save(b);
    set_history({out}, node);
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  if (a->dtype == DType::Bool && b->dtype == DType::Bool && !b->is_wrapped_number)
    throw NotImplementedError("\"pow\" not implemented for 'Bool'");
  // Only a scalar exponent is checked (as torch): per-element checks would cost a pass.
  if (!is_floating(t) && b->is_wrapped_number && item_as_double(*b) < 0)
    throw std::runtime_error("Integers to negative integer powers are not allowed.");
  Tensor out = binary_forward(BinaryOp::Pow, a, b, t, t);
  if (!any_requires_grad({&a, &b})) return out;
  if (b->is_wrapped_number) {  // tensor ** scalar
    double e = item_as_double(*b);
    auto node = make_node("PowBackward0", {a}, [e](Node& n, TensorList& g) -> TensorList {
      Tensor self = n.saved(0);
      if (e == 0.0) return {mul(g[0], constant(0.0))};
      return {mul(g[0], mul(constant(e), pow(self, constant(e - 1.0))))};
    });
    node->save(a);
    set_history({out}, node);
  } else if (a->is_wrapped_number) {  // scalar ** tensor
    double base = item_as_double(*a);
    auto node = make_node("PowBackward2", {b}, [base](Node& n, TensorList& g) -> TensorList {
      Tensor result = n.saved(0);
      if (base == 0.0) {  // d/dy 0**y is 0 where y >= 0 (torch masks the -inf*0)
        Tensor exponent = n.saved(1);
        return {mul(g[0], where(ge(exponent, constant(0.0)), constant(0.0),
                                mul(result, constant(-INFINITY))))};
      }
      return {mul(g[0], mul(result, constant(std::log(base))))};
    });
    set_history({out}, node);  // before saving `out`: see Note [Saved outputs]
    node->save(out, /*is_output=*/true);
    node->save(base == 0.0 ? b : Tensor());
  } else {  // tensor ** tensor
    auto node = make_node("PowBackward1", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      Tensor self = n.saved(0), exponent = n.saved(1);
      Tensor ga, gb;
      if (n.needs_input_grad(0)) {
        Tensor d = mul(g[0], mul(exponent, pow(self, sub(exponent, constant(1.0)))));
        ga = sum_to(where(eq(exponent, constant(0.0)), constant(0.0), d), input_sizes(n, 0));
      }
      if (n.needs_input_grad(1)) {
        Tensor result = n.saved(2);
        Tensor zero_base = mul(eq(self, constant(0.0)), ge(exponent, constant(0.0)));
        // log in the result's dtype: a float32 base with a float64 exponent gives a
        // float64 gradient at float64 precision.
        Tensor log_self = log(to_dtype(self, result->dtype));
        gb = sum_to(mul(g[0], where(zero_base, constant(0.0), mul(result, log_self))),
                    input_sizes(n, 1));
      }
      return {ga, gb};
    });
    node->save(a);
    node->save(b);
    set_history({out}, node);
    node->save(b->requires_grad() ? out : Tensor(), /*is_output=*/true);
  }
  return out;
}

Tensor neg(const Tensor& a) {
  if (a->dtype == DType::Bool)
    throw std::runtime_error(
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = detail::unary_forward(kernels::UnaryOp::Neg, a, a->dtype);
  if (any_requires_grad({&a})) {
    auto node = make_node("NegBackward0", {a},
                          [](Node&, TensorList& g) -> TensorList { return {neg(g[0])}; });
    set_history({out}, node);
  }
  return out;
}

Tensor reciprocal(const Tensor& a) {
  DType t = is_floating(a->dtype) ? a->dtype : kDefaultFloat;
  Tensor out = detail::unary_forward(kernels::UnaryOp::Reciprocal, a, t);
  if (any_requires_grad({&a})) {
    auto node = make_node("ReciprocalBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      Tensor r = n.saved(0);
      return {mul(neg(g[0]), mul(r, r))};
    });
    set_history({out}, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

}  // namespace cgrad
