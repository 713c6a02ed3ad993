// + - * / ** and negation, then atan2, minimum/maximum, fmod/remainder/floor_divide, lerp
// and clamp. Each op's backward formula sits beside its forward and is written with cgrad
// ops, so create_graph=True differentiates it again.
#include <cmath>

#include "ops/common.h"

namespace cgrad {

using kernels::BinaryOp;
using detail::binary_forward;
using detail::constant;

namespace {
// Shape of forward input i as recorded by the node (valid wherever a grad is needed).
Shape input_sizes(const Node& n, size_t i) { return n.input_meta()[i].sizes; }

// Note [Powers torch computes without pow]: for a number exponent torch's kernel takes
// 0.5, -0.5 and -1 as sqrt(x), 1/sqrt(x) and 1/x, and 2, 3 and -2 as x*x, x*x*x and
// 1/(x*x). These differ from pow(x, e) at signed zeros and -inf (sqrt(-0) = -0,
// sqrt(-inf) = NaN where pow gives +0 and +inf) and in the last bit of the products, so
// cgrad takes the same routes; a tensor exponent (even 0-d) always goes through pow.
// Null for the other exponents.
Tensor pow_by_number_without_pow(const Tensor& base, double e, DType t) {
  using kernels::UnaryOp;
  using detail::unary_forward;
  if (e == 0.5) return unary_forward(UnaryOp::Sqrt, base, t);
  if (e == -0.5) return unary_forward(UnaryOp::Rsqrt, base, t);
  if (e == -1.0) return unary_forward(UnaryOp::Reciprocal, base, t);
  if (e != 2.0 && e != 3.0 && e != -2.0) return Tensor();
  const auto layout = detail::OutputLayout::kTensorInputs;
  Tensor square = binary_forward(BinaryOp::Mul, base, base, t, t, {}, layout);
  if (e == 3.0) return binary_forward(BinaryOp::Mul, square, base, t, t, {}, layout);
  return e == -2.0 ? unary_forward(UnaryOp::Reciprocal, square, t) : square;
}

}  // namespace

// torch refuses `-` whenever either operand (Python scalars included) is bool.
void detail::check_sub_operands(const Tensor& a, const Tensor& b) {
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

using detail::check_sub_operands;

// Note [Absorbing zeros]: torch's backward of sgn on a real tensor returns an "efficient
// zero tensor", a zero that products and quotients keep as zero: Z * inf and Z / 0 are 0,
// not NaN, and Z + Z stays Z; anything else reads it as ordinary zeros. It shows where a
// gradient through sgn meets an infinite factor, as abs's double backward at asin(+-1)
// does (abs's gradient is grad * sgn(self)). cgrad marks such a gradient on its
// TensorImpl; mul, div, add and sub below keep the mark as torch's kernels do, and the
// engine's gradient sums skip it (torch's InputBuffer). Every other op reads it as
// ordinary zeros, views included (torch's views keep it; no formula here needs that). The
// mark lapses once the memory is written (the version moves) or handed out raw, so a zero
// that was overwritten can never absorb.
Tensor detail::absorbing_zeros(const Shape& sizes, DType dtype) {
  return mark_absorbing_zero(empty(sizes, dtype));
}

Tensor detail::mark_absorbing_zero(Tensor t) {
  kernels::fill(*t, Scalar(0.0));
  t->absorbing_zero = true;
  t->absorbing_zero_version = t->version->get();
  return t;
}

namespace {
bool absorbs(const Tensor& t) { return t->is_absorbing_zero(); }
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Add, a, b, t, t);
  if (absorbs(a) && absorbs(b)) detail::mark_absorbing_zero(out);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("AddBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(g[0], input_sizes(n, 0)) : Tensor(),
              n.needs_input_grad(1) ? sum_to(g[0], input_sizes(n, 1)) : Tensor()};
    });
    record(node, {out});
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  check_sub_operands(a, b);
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Sub, a, b, t, t);
  if (absorbs(a) && absorbs(b)) detail::mark_absorbing_zero(out);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("SubBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(g[0], input_sizes(n, 0)) : Tensor(),
              n.needs_input_grad(1) ? sum_to(neg(g[0]), input_sizes(n, 1)) : Tensor()};
    });
    record(node, {out});
  }
  return out;
}

namespace {
// a + alpha * b (or minus): alpha scales b in the result's dtype, then the usual op.
Tensor add_scaled(const Tensor& a, const Tensor& b, const Scalar& alpha, bool subtract) {
  if (subtract) check_sub_operands(a, b);
  const DType t = result_type(a, b);
  if (is_integral(t, /*include_bool=*/true) && alpha.is_floating())
    throw std::runtime_error(
        "For integral input tensors, argument alpha must not be a floating point number.");
  if (alpha.kind() == Scalar::Kind::Bool && t != DType::Bool)
    throw std::runtime_error("Boolean alpha only supported for Boolean results.");
  Tensor scaled = binary_forward(BinaryOp::Mul, b, wrapped_scalar(alpha, t), t, t);
  Tensor out = binary_forward(subtract ? BinaryOp::Sub : BinaryOp::Add, a, scaled, t, t);
  if (absorbs(a) && absorbs(b)) detail::mark_absorbing_zero(out);
  if (any_requires_grad({&a, &b})) {
    const double factor = subtract ? -alpha.to_double() : alpha.to_double();
    auto backward = [factor](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(g[0], input_sizes(n, 0)) : Tensor(),
              n.needs_input_grad(1) ? sum_to(mul(g[0], constant(factor)), input_sizes(n, 1))
                                    : Tensor()};
    };
    auto node = make_node(subtract ? "SubBackward0" : "AddBackward0", {a, b}, backward);
    node->save_value("alpha", saved_scalar(alpha));  // Note [Saved values]
    record(node, {out});
  }
  return out;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return add_scaled(a, b, alpha, /*subtract=*/false);
}

Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return add_scaled(a, b, alpha, /*subtract=*/true);
}

Tensor rsub(const Tensor& a, const Tensor& b) {
  check_sub_operands(a, b);
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Sub, b, a, t, t);
  if (any_requires_grad({&a, &b})) {
    // torch names the tensor-scalar overload RsubBackward1 (one edge, for `a`) and
    // tensor-tensor RsubBackward0.
    const bool scalar = b->is_wrapped_number;
    auto backward = [](Node& n, TensorList& g) -> TensorList {
      TensorList grads{n.needs_input_grad(0) ? sum_to(neg(g[0]), input_sizes(n, 0)) : Tensor()};
      if (n.num_outputs() > 1)
        grads.push_back(n.needs_input_grad(1) ? sum_to(g[0], input_sizes(n, 1)) : Tensor());
      return grads;
    };
    auto node = make_node(scalar ? "RsubBackward1" : "RsubBackward0",
                          scalar ? TensorList{a} : TensorList{a, b}, backward);
    record(node, {out});
  }
  return out;
}

namespace {
// Note [Gradients scaled in place]: in a backward pass without create_graph, MulBackward0
// writes g * other into g itself when nothing else can see g: the engine handed it over
// (use_count 1), it owns its memory (no view, no alias), no post-hook will read the node's
// incoming gradients, and the product keeps g's shape and dtype. A chain of products then
// streams each gradient through one buffer, a read and a write per element, where a fresh
// output costs a read of g, a read of the output's lines before they are written, and the
// write (backward_chain_large: 1M elements, 25 MulBackward0 nodes). The bits are those of
// the out-of-place product: the same kernel, writing where it reads.
Tensor mul_into_grad(const Node& n, Tensor& g, const Tensor& other) {
  if (GradMode::is_enabled() || n.has_post_hooks() || g.use_count() != 1 || g->autograd ||
      g->view_base || !g->is_contiguous() || !g->storage_is_exclusive() ||
      result_type(g, other) != g->dtype || broadcast_shapes(g->sizes, other->sizes) != g->sizes ||
      absorbs(g))  // (mul keeps an absorbing zero: Z * inf is Z, where in place it is NaN)
    return mul(g, other);
  kernels::binary(BinaryOp::Mul, *g, *detail::cast(other, g->dtype), *g);
  return std::move(g);
}
}  // namespace

Tensor mul(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  Tensor out = binary_forward(BinaryOp::Mul, a, b, t, t);
  if (absorbs(a) || absorbs(b)) detail::mark_absorbing_zero(out);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("MulBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      // other's gradient first: self's may reuse g[0]'s memory (Note [Gradients scaled in place]).
      Tensor grad_other =
          n.needs_input_grad(1) ? sum_to(mul(g[0], n.saved(saved::self)), input_sizes(n, 1))
                                : Tensor();
      Tensor grad_self =
          n.needs_input_grad(0)
              ? sum_to(mul_into_grad(n, g[0], n.saved(saved::other)), input_sizes(n, 0))
              : Tensor();
      return {std::move(grad_self), std::move(grad_other)};
    });
    // Each operand is kept only for the other's gradient.
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::other, node->needs_input_grad(0) ? b : Tensor()}});
  }
  return out;
}

namespace {
// d(a / b)/db as torch writes it, -g * ((a / b) / b): never b * b, which overflows to inf
// for a huge b and turns the second derivative into inf / inf.
Tensor divisor_grad(const Tensor& g, const Tensor& a, const Tensor& b) {
  return mul(neg(g), div(div(a, b), b));
}
}  // namespace

Tensor div(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  if (!is_floating(t)) t = default_float();  // true division
  Tensor out = binary_forward(BinaryOp::Div, a, b, t, t);
  if (absorbs(a)) detail::mark_absorbing_zero(out);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("DivBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      Tensor other = n.saved(saved::other);
      Tensor ga, gb;
      if (n.needs_input_grad(0)) ga = sum_to(div(g[0], other), input_sizes(n, 0));
      if (n.needs_input_grad(1))
        gb = sum_to(divisor_grad(g[0], n.saved(saved::self), other), input_sizes(n, 1));
      return {ga, gb};
    });
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::other, b}});
  }
  return out;
}

namespace {
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
// op(a, s): the values (and an absorbing zero's mark) of op with s as a Python scalar;
// only the recorded node differs, holding s rather than a second input. Its gradient,
// op(g, s), is recorded the same way, as torch's.
Tensor with_number(BinaryFn op, const char* node_name, const Tensor& a, double s) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = op(a, constant(s));
  }
  if (any_requires_grad({&a}))
    record(make_node(node_name, {a}, [op, node_name, s](Node&, TensorList& g) -> TensorList {
             return {with_number(op, node_name, g[0], s)};
           }),
           {out});
  return out;
}
}  // namespace

namespace {
// a + s or a - s: the gradient passes through (d/da = 1).
Tensor shifted(const Tensor& a, double s, bool subtract) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = subtract ? sub(a, constant(s)) : add(a, constant(s));
  }
  if (any_requires_grad({&a}))
    record(make_node(subtract ? "SubBackward1" : "AddBackward1", {a},
                     [](Node&, TensorList& g) -> TensorList { return {g[0]}; }),
           {out});
  return out;
}
}  // namespace

Tensor add_scalar(const Tensor& a, double s) { return shifted(a, s, false); }
Tensor sub_scalar(const Tensor& a, double s) { return shifted(a, s, true); }
Tensor mul_scalar(const Tensor& a, double s) { return with_number(mul, "MulBackward1", a, s); }
Tensor div_scalar(const Tensor& a, double s) { return with_number(div, "DivBackward1", a, s); }

Tensor pow(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  if (a->dtype == DType::Bool && b->dtype == DType::Bool && !b->is_wrapped_number) {
    (void)broadcast_shapes(a->sizes, b->sizes);  // torch's iterator sizes the operands first
    throw NotImplementedError("\"pow\" not implemented for 'Bool'");
  }
  // Only a scalar exponent is checked (as torch): per-element checks would cost a pass.
  if (!is_floating(t) && b->is_wrapped_number && item_as_double(*b) < 0)
    throw std::runtime_error("Integers to negative integer powers are not allowed.");
  if (!is_floating(t)) detail::check_scalar_fits(b, t);  // (torch lets float exponents overflow)
  const bool number_base = a->is_wrapped_number && !b->is_wrapped_number;
  const bool number_exponent = b->is_wrapped_number && !a->is_wrapped_number;
  Tensor out;
  if (number_exponent && is_floating(t) && b->dtype != DType::Bool)
    out = pow_by_number_without_pow(a, item_as_double(*b), t);
  if (!out)
    out = binary_forward(BinaryOp::Pow, a, b, t, t, {},
                         number_base ? detail::OutputLayout::kPlain
                                     : detail::OutputLayout::kTensorInputs);
  if (!any_requires_grad({&a, &b})) return out;
  if (b->is_wrapped_number) {  // tensor ** scalar
    double e = item_as_double(*b);
    // torch's pow_backward answers a zero exponent with zeros_like(self), off the graph;
    // a False exponent is no number to it, so takes the formula (a -0.0 that requires grad).
    const bool zero_exponent = e == 0.0 && b->dtype != DType::Bool;
    auto node = make_node("PowBackward0", {a}, [e, zero_exponent](Node& n, TensorList& g) -> TensorList {
      Tensor self = n.saved(saved::self);
      if (zero_exponent) return {full(self->sizes, 0.0, self->dtype)};
      return {mul(g[0], mul(constant(e), pow(self, constant(e - 1.0))))};
    });
    node->save_value("exponent", saved_scalar(item_as_scalar(*b)));  // Note [Saved values]
    record(node, {out}, {{saved::self, a}});
  } else if (a->is_wrapped_number) {  // scalar ** tensor
    double base = item_as_double(*a);
    auto node = make_node("PowBackward2", {b}, [base](Node& n, TensorList& g) -> TensorList {
      Tensor result = n.saved(saved::result);
      if (base == 0.0) {  // d/dy 0**y is 0 where y >= 0 (torch masks the -inf*0)
        Tensor exponent = n.saved(saved::exponent);
        return {mul(g[0], where(ge(exponent, constant(0.0)), constant(0.0),
                                mul(result, constant(-INFINITY))))};
      }
      return {mul(g[0], mul(result, constant(std::log(base))))};
    });
    record(node, {out}, {{saved::result, out}, {saved::exponent, b}});  // exponent: zero base only
  } else {  // tensor ** tensor
    auto node = make_node("PowBackward1", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      Tensor self = n.saved(saved::self), exponent = n.saved(saved::exponent);
      Tensor ga, gb;
      if (n.needs_input_grad(0)) {
        Tensor d = mul(g[0], mul(exponent, pow(self, sub(exponent, constant(1.0)))));
        ga = sum_to(where(eq(exponent, constant(0.0)), constant(0.0), d), input_sizes(n, 0));
      }
      if (n.needs_input_grad(1)) {
        Tensor result = n.saved(saved::result);
        Tensor zero_base = mul(eq(self, constant(0.0)), ge(exponent, constant(0.0)));
        // log in the result's dtype: a float32 base with a float64 exponent gives a
        // float64 gradient at float64 precision.
        Tensor log_self = log(to_dtype(self, result->dtype));
        gb = sum_to(mul(g[0], where(zero_base, constant(0.0), mul(result, log_self))),
                    input_sizes(n, 1));
      }
      return {ga, gb};
    });
    record(node, {out}, {{saved::self, a}, {saved::exponent, b}, {saved::result, out}});
  }
  return out;
}

// ---- atan2, minimum/maximum, fmod/remainder/floor_divide, lerp, clamp ----

namespace {

Tensor zero_where(const Tensor& mask, const Tensor& g) { return where(mask, constant(0.0), g); }
Tensor keep_where(const Tensor& mask, const Tensor& g) { return where(mask, g, constant(0.0)); }

}  // namespace

// Note [Ops without a derivative]: torch records a node named
// "torch::autograd::NotImplemented" for ops that have no derivative formula (floor_divide,
// remainder with a scalar dividend); the forward works, backward through it raises.
// Its edges go to the inputs that require grad only, as torch's: so in an in-place write
// into a view whose own input does not require grad (x[()].floor_divide_(y) with x
// plain), torch's CopySlices takes the node's one edge (y's) for self's and y gets no
// edge at all — backward(inputs=[y]) then never runs the node and does not raise.
// An integer result is not differentiable, so torch records nothing for it, in place or
// not (Note [Only floating outputs get history]). The in-place form's node names its own
// op (aten::floor_divide_).
void detail::record_not_implemented(const Tensor& out, const char* aten_op, const Tensor& a,
                                      const Tensor& b) {
  if (!is_floating(out->dtype)) return;
  TensorList inputs;
  for (const Tensor* t : {&a, &b})
    if (!(*t)->is_wrapped_number && (*t)->requires_grad()) inputs.push_back(*t);
  std::string message = std::string("derivative for aten::") + aten_op +
                        (InplaceHistory::active() ? "_" : "") + " is not implemented";
  auto node = make_node("torch::autograd::NotImplemented", inputs,
                        [message](Node&, TensorList&) -> TensorList {
                          throw std::runtime_error(message);
                        });
  record(node, {out});
}

Tensor atan2(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  if (!is_floating(t)) t = default_float();
  Tensor out = binary_forward(BinaryOp::Atan2, a, b, t, t);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("Atan2Backward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      Tensor self = n.saved(saved::self), other = n.saved(saved::other);
      // 1 / (a^2 + b^2), zero where it overflows (at the origin the gradient is 0, as torch)
      Tensor recip = reciprocal(add(mul(self, self), mul(other, other)));
      recip = zero_where(isinf(recip), recip);
      return {n.needs_input_grad(0) ? sum_to(mul(mul(g[0], other), recip), input_sizes(n, 0))
                                    : Tensor(),
              n.needs_input_grad(1)
                  ? sum_to(mul(mul(g[0], neg(self)), recip), input_sizes(n, 1))
                  : Tensor()};
    });
    record(node, {out}, {{saved::self, a}, {saved::other, b}});
  }
  return out;
}

namespace {
// maximum (is_max) or minimum: the winner takes the gradient, ties split it in half, and
// NaN (no winner) passes it to both.
Tensor min_max(bool is_max, const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  Tensor out = binary_forward(is_max ? BinaryOp::Maximum : BinaryOp::Minimum, a, b, t, t);
  if (any_requires_grad({&a, &b})) {
    auto backward = [is_max](Node& n, TensorList& g) -> TensorList {
      Tensor self = n.saved(saved::self), other = n.saved(saved::other);
      Tensor shared = where(eq(self, other), div(g[0], constant(2.0)), g[0]);
      Tensor ga, gb;
      if (n.needs_input_grad(0))
        ga = sum_to(zero_where(is_max ? lt(self, other) : gt(self, other), shared),
                    input_sizes(n, 0));
      if (n.needs_input_grad(1))
        gb = sum_to(zero_where(is_max ? gt(self, other) : lt(self, other), shared),
                    input_sizes(n, 1));
      return {ga, gb};
    };
    auto node = make_node(is_max ? "MaximumBackward0" : "MinimumBackward0", {a, b}, backward);
    record(node, {out}, {{saved::self, a}, {saved::other, b}});
  }
  return out;
}

// fmod and remainder: d/da = 1, d/db = -q with q the rounded quotient (trunc for fmod,
// floor for remainder). q is piecewise constant, so it is computed off the graph.
Tensor modulo(bool python_sign, const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  const char* name = python_sign ? "remainder" : "fmod";
  broadcast_shapes(a->sizes, b->sizes);  // torch checks shapes before dtypes
  if (t == DType::Bool)
    throw detail::not_implemented_for(python_sign ? "remainder_cpu" : "fmod_cpu", t);
  Tensor out = binary_forward(python_sign ? BinaryOp::Remainder : BinaryOp::Fmod, a, b, t, t);
  if (!any_requires_grad({&a, &b})) return out;
  if (a->is_wrapped_number) {  // remainder(Scalar, Tensor) has no formula in torch
    detail::record_not_implemented(out, name, a, b);
  } else if (b->is_wrapped_number) {
    auto node = make_node(python_sign ? "RemainderBackward0" : "FmodBackward0", {a},
                          [](Node&, TensorList& g) -> TensorList { return {g[0]}; });
    record(node, {out});
  } else {
    auto backward = [python_sign](Node& n, TensorList& g) -> TensorList {
      Tensor ga, gb;
      if (n.needs_input_grad(0)) ga = sum_to(g[0], input_sizes(n, 0));
      if (n.needs_input_grad(1)) {
        // As torch: -g * self.div(other, rounding_mode=floor|trunc), a DivBackward2 node
        // whose gradient is zero, so under create_graph the result requires grad.
        Tensor q = div_mode(n.saved(saved::self), n.saved(saved::other),
                            python_sign ? RoundingMode::Floor : RoundingMode::Trunc);
        gb = sum_to(mul(neg(g[0]), q), input_sizes(n, 1));
      }
      return {ga, gb};
    };
    auto node = make_node(python_sign ? "RemainderBackward1" : "FmodBackward1", {a, b}, backward);
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::other, node->needs_input_grad(1) ? b : Tensor()}});
  }
  return out;
}
}  // namespace

Tensor minimum(const Tensor& a, const Tensor& b) { return min_max(false, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return min_max(true, a, b); }
Tensor fmod(const Tensor& a, const Tensor& b) { return modulo(false, a, b); }
Tensor remainder(const Tensor& a, const Tensor& b) { return modulo(true, a, b); }

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  broadcast_shapes(a->sizes, b->sizes);  // torch checks shapes before dtypes
  if (t == DType::Bool) throw detail::not_implemented_for("div_floor_cpu", t);
  Tensor out = binary_forward(BinaryOp::FloorDivide, a, b, t, t);
  if (any_requires_grad({&a, &b})) detail::record_not_implemented(out, "floor_divide", a, b);
  return out;
}

namespace {
// a / b rounded toward zero; integers are divided exactly (no detour through floats).
Tensor trunc_divide(const Tensor& a, const Tensor& b) {
  const DType t = result_type(a, b);
  broadcast_shapes(a->sizes, b->sizes);  // torch checks shapes before dtypes
  if (t == DType::Bool) throw detail::not_implemented_for("div_trunc_cpu", t);
  if (is_floating(t)) return trunc(div(a, b));
  // Floor division rounds down; it is one too low where the exact quotient is a negative
  // non-integer: fmod (sign of a) is nonzero and its sign differs from b's.
  Tensor m = fmod(a, b);
  Tensor low = logical_and(ne(m, constant(0.0)), ne(lt(m, constant(0.0)), lt(b, constant(0.0))));
  return detail::cast(add(floor_divide(a, b), low), t);
}
}  // namespace

// Note [div with rounding_mode]: torch.div(a, b, rounding_mode=...) is its own overload,
// recorded as DivBackward2 even for rounding_mode=None (true division, with div's
// gradient); trunc and floor are piecewise constant, so their gradient is zero.
Tensor div_mode(const Tensor& a, const Tensor& b, RoundingMode mode) {
  Tensor out;
  {
    GradModeGuard forward_only(false);  // the node recorded below is DivBackward2
    switch (mode) {
      case RoundingMode::True: out = div(a, b); break;
      case RoundingMode::Trunc: out = trunc_divide(a, b); break;
      case RoundingMode::Floor: out = floor_divide(a, b); break;
    }
  }
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("DivBackward2", {a, b}, [mode](Node& n, TensorList& g) -> TensorList {
      TensorList grads(2);
      for (size_t i = 0; i < 2; ++i) {
        if (!n.needs_input_grad(i)) continue;
        if (mode != RoundingMode::True) {
          // torch's formulas read the saved operands for every mode, so a zero gradient
          // still fails when one of them was written in place since
          n.saved(saved::other);
          if (i == 1) n.saved(saved::self);
          grads[i] = full(input_sizes(n, i), Scalar(0.0), n.input_meta()[i].dtype);
        } else if (i == 0) {
          grads[i] = sum_to(div(g[0], n.saved(saved::other)), input_sizes(n, 0));
        } else {
          grads[i] = sum_to(divisor_grad(g[0], n.saved(saved::self), n.saved(saved::other)),
                            input_sizes(n, 1));
        }
      }
      return grads;
    });
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::other, b}});
  }
  return out;
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  auto check_dtype = [&](const Tensor& t, const char* what) {
    if (t->dtype != start->dtype)
      throw std::runtime_error(std::string("expected dtype ") + dtype_cpp_name(start->dtype) +
                               " for `" + what + "` but got dtype " + dtype_cpp_name(t->dtype));
  };
  const bool scalar_weight = weight->is_wrapped_number;
  Shape shape = broadcast_shapes(broadcast_shapes(start->sizes, end->sizes), weight->sizes);
  check_dtype(end, "end");
  if (!scalar_weight && weight->dim() > 0) check_dtype(weight, "weight");  // 0-d: cast
  if (!is_floating(start->dtype))
    throw detail::not_implemented_for(
        scalar_weight ? "lerp_kernel_scalar" : "lerp_kernel_tensor", start->dtype);
  // A 0-d weight tensor takes part in promotion, which only shows when all are 0-d:
  // lerp(float32 0-d, float32 0-d, float64 0-d) is float64, as torch's.
  const DType t = scalar_weight ? start->dtype : result_type({&start, &end, &weight});
  Tensor cs = detail::cast(start, t), ce = detail::cast(end, t), w = detail::cast(weight, t);
  Tensor out = detail::empty_in_input_layout(shape, t,  // (a number weight does not vote)
                                             {cs.get(), ce.get(), scalar_weight ? nullptr : w.get()});
  kernels::ternary(kernels::TernaryOp::Lerp, *cs, *ce, *w, *out);
  if (scalar_weight) {
    if (!any_requires_grad({&start, &end})) return out;
    const double wv = item_as_double(*weight);
    auto backward = [wv](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? sum_to(mul(g[0], constant(1.0 - wv)), input_sizes(n, 0))
                                    : Tensor(),
              n.needs_input_grad(1) ? sum_to(mul(g[0], constant(wv)), input_sizes(n, 1))
                                    : Tensor()};
    };
    auto node = make_node("LerpBackward0", {start, end}, backward);
    record(node, {out});
    return out;
  }
  if (!any_requires_grad({&start, &end, &weight})) return out;
  auto backward = [](Node& n, TensorList& g) -> TensorList {
    Tensor ga, gb, gw;
    Tensor w = n.saved(saved::weight);
    if (n.needs_input_grad(0)) ga = sum_to(mul(g[0], rsub(w, constant(1.0))), input_sizes(n, 0));
    if (n.needs_input_grad(1)) gb = sum_to(mul(g[0], w), input_sizes(n, 1));
    if (n.needs_input_grad(2))
      gw = sum_to(mul(g[0], sub(n.saved(saved::end), n.saved(saved::self))), input_sizes(n, 2));
    return {ga, gb, gw};
  };
  auto node = make_node("LerpBackward1", {start, end, weight}, backward);
  const bool need_ends = weight->requires_grad();
  record(node, {out}, {{saved::self, need_ends ? start : Tensor()},
                       {saved::end, need_ends ? end : Tensor()},
                       {saved::weight, weight}});
  return out;
}

namespace {
// Note [clamp gradients]: the input's gradient passes where min <= x <= max (ties go to
// the input). With tensor bounds, `min` takes it where x < min < max, and `max` where
// x > max or the bounds cross (min > max: the result is max whatever x is, NaN included).
// Equal bounds with x outside them, or a NaN input or bound otherwise, pass no gradient
// (torch's convention, checked case by case against it).
Tensor clamp_input_mask(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  if (lo && hi) return logical_and(ge(x, lo), le(x, hi));
  return lo ? ge(x, lo) : le(x, hi);
}

// clamp (both bound slots recorded, ClampBackward0/1) or clamp_min/clamp_max (one slot).
Tensor clamp_impl(const Tensor& a, const Tensor& lo, const Tensor& hi, const char* scalar_kernel,
                  const char* scalar_node, const char* tensor_node, bool both_slots) {
  if (!lo && !hi)
    throw std::runtime_error("torch.clamp: At least one of 'min' or 'max' must not be None");
  const bool scalar_bounds = (!lo || lo->is_wrapped_number) && (!hi || hi->is_wrapped_number);
  DType t = result_type({&a, &lo, &hi});
  detail::check_scalar_fits(lo, t);
  detail::check_scalar_fits(hi, t);
  // torch checks that tensor bounds broadcast before it picks a kernel by dtype.
  const Shape shape = lo && hi ? broadcast_shapes(broadcast_shapes(a->sizes, lo->sizes), hi->sizes)
                               : Shape{};
  if (t == DType::Bool && (scalar_bounds || (lo && hi)))
    throw detail::not_implemented_for(scalar_bounds ? scalar_kernel : "clamp_cpu", t);
  Tensor out;
  if (lo && hi) {
    Tensor ca = detail::cast(a, t), clo = detail::cast(lo, t), chi = detail::cast(hi, t);
    out = detail::empty_in_input_layout(shape, t,  // (number bounds do not vote)
                                        {ca.get(), lo->is_wrapped_number ? nullptr : clo.get(),
                                         hi->is_wrapped_number ? nullptr : chi.get()});
    kernels::ternary(kernels::TernaryOp::Clamp, *ca, *clo, *chi, *out);
  } else {
    out = binary_forward(lo ? BinaryOp::Maximum : BinaryOp::Minimum, a, lo ? lo : hi, t, t, {},
                         detail::OutputLayout::kTensorInputs);
  }
  if (scalar_bounds) {
    if (!any_requires_grad({&a})) return out;
    auto node = make_node(scalar_node, {a}, [lo, hi](Node& n, TensorList& g) -> TensorList {
      return {keep_where(clamp_input_mask(n.saved(saved::self), lo, hi), g[0])};
    });
    // Note [Saved values]: the bounds as the numbers given; clamp's missing one as None.
    auto bound = [](const Tensor& b) { return b ? saved_scalar(item_as_scalar(*b)) : saved_none(); };
    if (lo || both_slots) node->save_value("min", bound(lo));
    if (hi || both_slots) node->save_value("max", bound(hi));
    record(node, {out}, {{saved::self, a}});
    return out;
  }
  if (!any_requires_grad({&a, &lo, &hi})) return out;
  TensorList inputs{a};
  if (lo || both_slots) inputs.push_back(lo);
  if (hi || both_slots) inputs.push_back(hi);
  const bool has_lo = static_cast<bool>(lo), has_hi = static_cast<bool>(hi);
  auto backward = [has_lo, has_hi](Node& n, TensorList& g) -> TensorList {
    Tensor x = n.saved(saved::self), lo = n.saved(saved::min), hi = n.saved(saved::max);
    TensorList grads(n.num_outputs());
    if (n.needs_input_grad(0))
      grads[0] = sum_to(keep_where(clamp_input_mask(x, lo, hi), g[0]), input_sizes(n, 0));
    const size_t lo_slot = 1, hi_slot = n.num_outputs() - 1;
    if (has_lo && n.needs_input_grad(lo_slot)) {
      Tensor mask = lt(x, lo);
      if (has_hi) mask = logical_and(mask, lt(lo, hi));
      grads[lo_slot] = sum_to(keep_where(mask, g[0]), input_sizes(n, lo_slot));
    }
    if (has_hi && n.needs_input_grad(hi_slot)) {
      Tensor mask = gt(x, hi);
      if (has_lo) mask = logical_or(mask, gt(lo, hi));
      grads[hi_slot] = sum_to(keep_where(mask, g[0]), input_sizes(n, hi_slot));
    }
    return grads;
  };
  auto node = make_node(tensor_node, inputs, backward);
  // torch's ClampMin/MaxBackward1 have no slot for the missing bound.
  record(node, {out}, {{saved::self, a},
                       lo || both_slots ? ToSave(saved::min, lo) : ToSave(),
                       hi || both_slots ? ToSave(saved::max, hi) : ToSave()});
  return out;
}
}  // namespace

Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max) {
  return clamp_impl(a, min, max, min && max ? "clamp_scalar_cpu"
                                 : min      ? "clamp_min_scalar_cpu"
                                            : "clamp_max_scalar_cpu",
                    "ClampBackward1", "ClampBackward0", true);
}

Tensor clamp_min(const Tensor& a, const Tensor& min) {
  return clamp_impl(a, min, Tensor(), "clamp_min_scalar_cpu", "ClampMinBackward0",
                    "ClampMinBackward1", false);
}

Tensor clamp_max(const Tensor& a, const Tensor& max) {
  return clamp_impl(a, Tensor(), max, "clamp_max_scalar_cpu", "ClampMaxBackward0",
                    "ClampMaxBackward1", false);
}

}  // namespace cgrad
