// Activations. Each first derivative is a fused kernel run as an op of its own
// (gelu_backward & co.), whose backward is in turn written with cgrad ops, so gradients
// of any order work while the common first-order backward stays one pass.
#include <cmath>

#include "ops/common.h"

namespace cgrad {

using kernels::BinaryOp;
using kernels::UnaryOp;
using detail::constant;

namespace {
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluCubic = 0.044715;

void check_floating(const Tensor& a, const char* kernel) {
  if (!is_floating(a->dtype)) throw detail::not_implemented_for(kernel, a->dtype);
}

// f(a) by `op`; records `name`, whose backward(node, grads) reads the input as `self`.
template <class F>
Tensor activation(const char* name, UnaryOp op, const Tensor& a, kernels::OpParams params,
                  F backward) {
  Tensor out = detail::unary_forward(op, a, a->dtype, params);
  if (any_requires_grad({&a})) {
    auto node = make_node(name, {a}, std::move(backward));
    record(node, {out}, {{saved::self, a}});
  }
  return out;
}

// grad * f'(a) by the fused kernel `op`; under create_graph it records `name`, whose
// backward(node, grads) reads grad as `grad_output` (kept only if `keeps_grad`: torch
// keeps no grad_output for a piecewise-linear f) and a as `input_slot`, torch's names.
template <class F>
Tensor activation_backward(const char* name, BinaryOp op, const Tensor& grad, const Tensor& a,
                           kernels::OpParams params, F backward,
                           saved::Slot input_slot = saved::self, bool keeps_grad = true) {
  Tensor out = detail::binary_forward(op, grad, a, a->dtype, a->dtype, params);
  if (any_requires_grad({&grad, &a})) {
    auto node = make_node(name, {grad, a}, std::move(backward));
    record(node, {out}, {keeps_grad ? ToSave(saved::grad_output, grad) : ToSave(),
                         {input_slot, a}});
  }
  return out;
}

Tensor zeros_like(const Tensor& t) { return full(t->sizes, 0.0, t->dtype); }
}  // namespace

// ---- gelu ----

Tensor gelu(const Tensor& a, GeluApproximation approximate) {
  check_floating(a, "GeluKernelImpl");
  const bool tanh_form = approximate == GeluApproximation::Tanh;
  return activation("GeluBackward0", tanh_form ? UnaryOp::GeluTanh : UnaryOp::Gelu, a, {},
                    [approximate](Node& n, TensorList& g) -> TensorList {
                      return {gelu_backward(g[0], n.saved(saved::self), approximate)};
                    });
}

Tensor gelu_backward(const Tensor& grad, const Tensor& a, GeluApproximation approximate) {
  const bool tanh_form = approximate == GeluApproximation::Tanh;
  return activation_backward(
      "GeluBackwardBackward0", tanh_form ? BinaryOp::GeluTanhBackward : BinaryOp::GeluBackward,
      grad, a, {}, [approximate, tanh_form](Node& n, TensorList& g) -> TensorList {
        Tensor gg = g[0], grad = n.saved(saved::grad_output), x = n.saved(saved::self);
        Tensor ggrad, gx;
        if (n.needs_input_grad(0)) ggrad = gelu_backward(gg, x, approximate);
        if (n.needs_input_grad(1)) {
          Tensor x2 = mul(x, x), second;
          if (!tanh_form) {  // x * Phi(x): second derivative phi(x) * (2 - x^2)
            Tensor pdf = mul(exp(mul(x2, constant(-0.5))), constant(kInvSqrt2Pi));
            second = mul(pdf, rsub(x2, constant(2.0)));
          } else {
            // 0.5 x (1 + tanh u), u = k (x + c x^3): (1 - t^2) (u' - x t u'^2 + x u'' / 2)
            const Tensor k = constant(kSqrt2OverPi);
            Tensor t = tanh(mul(add(x, mul(mul(x2, x), constant(kGeluCubic))), k));
            Tensor du = mul(add(mul(x2, constant(3 * kGeluCubic)), constant(1.0)), k);
            Tensor d2u = mul(x, constant(6 * kGeluCubic * kSqrt2OverPi));
            Tensor inner = add(sub(du, mul(mul(x, t), mul(du, du))),
                               mul(mul(x, d2u), constant(0.5)));
            second = mul(rsub(mul(t, t), constant(1.0)), inner);
          }
          gx = mul(mul(gg, grad), second);
        }
        return {ggrad, gx};
      });
}

// ---- silu: composed like torch's formula, sigmoid(x) * (1 + x * (1 - sigmoid(x))) ----

Tensor silu(const Tensor& a) {
  check_floating(a, "silu_cpu");
  return activation("SiluBackward0", UnaryOp::Silu, a, {},
                    [](Node& n, TensorList& g) -> TensorList {
                      Tensor x = n.saved(saved::self);
                      Tensor s = sigmoid(x);
                      Tensor slope = add(mul(x, rsub(s, constant(1.0))), constant(1.0));
                      return {mul(mul(g[0], s), slope)};
                    });
}

// ---- softplus ----

Tensor softplus(const Tensor& a, double beta, double threshold) {
  check_floating(a, "softplus_cpu");
  return activation("SoftplusBackward0", UnaryOp::Softplus, a, {beta, threshold},
                    [beta, threshold](Node& n, TensorList& g) -> TensorList {
                      return {softplus_backward(g[0], n.saved(saved::self), beta, threshold)};
                    });
}

Tensor softplus_backward(const Tensor& grad, const Tensor& a, double beta, double threshold) {
  return activation_backward(
      "SoftplusBackwardBackward0", BinaryOp::SoftplusBackward, grad, a, {beta, threshold},
      [beta, threshold](Node& n, TensorList& g) -> TensorList {
        Tensor gg = g[0], grad = n.saved(saved::grad_output), x = n.saved(saved::self);
        Tensor ggrad, gx;
        if (n.needs_input_grad(0)) ggrad = softplus_backward(gg, x, beta, threshold);
        if (n.needs_input_grad(1)) {  // d/dx sigmoid(beta x) = beta s (1 - s); 0 where linear
          Tensor bx = mul(x, constant(beta));
          Tensor s = sigmoid(bx);
          Tensor second = mul(mul(s, rsub(s, constant(1.0))), constant(beta));
          gx = mul(mul(gg, grad), where(gt(bx, constant(threshold)), constant(0.0), second));
        }
        return {ggrad, gx};
      });
}

// ---- leaky_relu ----

Tensor leaky_relu(const Tensor& a, double negative_slope) {
  check_floating(a, "leaky_relu_cpu");
  return activation("LeakyReluBackward0", UnaryOp::LeakyRelu, a, {negative_slope, 0.0},
                    [negative_slope](Node& n, TensorList& g) -> TensorList {
                      return {leaky_relu_backward(g[0], n.saved(saved::self), negative_slope)};
                    });
}

Tensor leaky_relu_backward(const Tensor& grad, const Tensor& a, double negative_slope) {
  return activation_backward(
      "LeakyReluBackwardBackward0", BinaryOp::LeakyReluBackward, grad, a, {negative_slope, 0.0},
      [negative_slope](Node& n, TensorList& g) -> TensorList {
        Tensor ggrad, gx;
        Tensor x = n.saved(saved::self);
        if (n.needs_input_grad(0)) ggrad = leaky_relu_backward(g[0], x, negative_slope);
        if (n.needs_input_grad(1)) gx = zeros_like(x);  // piecewise linear
        return {ggrad, gx};
      },
      saved::self, /*keeps_grad=*/false);
}

// ---- elu ----

Tensor elu(const Tensor& a, double alpha) {
  check_floating(a, "elu_cpu");
  return activation("EluBackward0", UnaryOp::Elu, a, {alpha, 0.0},
                    [alpha](Node& n, TensorList& g) -> TensorList {
                      return {elu_backward(g[0], n.saved(saved::self), alpha)};
                    });
}

Tensor elu_backward(const Tensor& grad, const Tensor& a, double alpha) {
  return activation_backward(
      "EluBackwardBackward0", BinaryOp::EluBackward, grad, a, {alpha, 0.0},
      [alpha](Node& n, TensorList& g) -> TensorList {
        Tensor gg = g[0], grad = n.saved(saved::grad_output), x = n.saved(saved::self_or_result);
        Tensor ggrad, gx;
        if (n.needs_input_grad(0)) ggrad = elu_backward(gg, x, alpha);
        // alpha exp(x) for x < 0, 0 from 0 on (torch's choice at the kink: the first
        // derivative takes the x <= 0 branch there, the second the x > 0 one), masked by a
        // product as torch's, so an infinite gradient gives NaN where x >= 0.
        if (n.needs_input_grad(1))
          gx = mul(elu_backward(mul(gg, grad), x, alpha), lt(x, constant(0.0)));
        return {ggrad, gx};
      },
      saved::self_or_result);
}

// ---- sigmoid's backward (sigmoid itself is in the unary table) ----

// Note [sigmoid's double backward]: torch differentiates grad * (1 - s) * s as one op,
// SigmoidBackwardBackward0, whose derivative along s is grad * (1 - 2s), one factor.
// Written as the product of s and 1 - s it would be the sum grad * (1 - s) - grad * s,
// which is inf - inf = NaN where the incoming gradient is infinite.
Tensor sigmoid_backward(const Tensor& grad, const Tensor& result) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = mul(mul(grad, rsub(result, constant(1.0))), result);  // torch's order
  }
  if (any_requires_grad({&grad, &result})) {
    auto node = make_node("SigmoidBackwardBackward0", {grad, result},
                          [](Node& n, TensorList& g) -> TensorList {
      Tensor s = n.saved(saved::output);
      Tensor ggrad, gs;
      if (n.needs_input_grad(0)) ggrad = sigmoid_backward(g[0], s);
      if (n.needs_input_grad(1))
        gs = mul(mul(g[0], n.saved(saved::grad_output)), add(mul(s, constant(-2.0)), constant(1.0)));
      return {ggrad, gs};
    });
    record(node, {out}, {{saved::grad_output, grad}, {saved::output, result}});
  }
  return out;
}

// ---- relu's backward (relu itself is in unary.cpp) ----

Tensor threshold_backward(const Tensor& grad, const Tensor& a, double threshold) {
  return activation_backward(
      "ThresholdBackwardBackward0", BinaryOp::ThresholdBackward, grad, a, {threshold, 0.0},
      [threshold](Node& n, TensorList& g) -> TensorList {
        Tensor ggrad, gx;
        Tensor x = n.saved(saved::self);
        if (n.needs_input_grad(0)) ggrad = threshold_backward(g[0], x, threshold);
        if (n.needs_input_grad(1)) gx = zeros_like(x);  // piecewise constant mask
        return {ggrad, gx};
      },
      saved::self, /*keeps_grad=*/false);
}

// ---- softmax / log_softmax ----

namespace {
// A contiguous tensor with a's values, not recorded (kernels need flat [outer, n, inner]).
Tensor contiguous_values(const Tensor& a) {
  if (a->is_contiguous()) return a;
  Tensor out = empty(a->sizes, a->dtype);
  kernels::copy(*a, *out);
  return out;
}

Tensor softmax_impl(bool log, const Tensor& input, int64_t dim, std::optional<DType> dtype) {
  Tensor a = dtype ? to_dtype(input, *dtype) : input;
  const int64_t d = wrap_dim(dim, a->dim());
  if (!is_floating(a->dtype)) {
    const bool last = d == std::max<int64_t>(a->dim(), 1) - 1;
    std::string kernel = std::string(log ? "log_softmax" : "softmax") +
                         (last ? "_lastdim_kernel_impl" : "_kernel_impl");
    throw detail::not_implemented_for(kernel.c_str(), a->dtype);
  }
  Tensor out = empty(a->sizes, a->dtype);
  if (out->numel() > 0) kernels::softmax(*contiguous_values(a), *out, d, log);
  if (any_requires_grad({&a})) {
    // Both backward formulas read only the output y (see softmax_backward_data).
    auto node = make_node(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {a},
                          [log, d](Node& n, TensorList& g) -> TensorList {
                            return {log ? log_softmax_backward_data(g[0], n.saved(saved::result), d)
                                        : softmax_backward_data(g[0], n.saved(saved::result), d)};
                          });
    record(node, {out}, {{saved::result, out}});
  }
  return out;
}

Tensor softmax_backward_impl(bool log, const Tensor& grad, const Tensor& y, int64_t dim) {
  Tensor g = contiguous_values(detail::cast(grad, y->dtype));
  Tensor out = empty(y->sizes, y->dtype);
  if (out->numel() > 0) kernels::softmax_backward(*g, *contiguous_values(y), *out, dim, log);
  if (!any_requires_grad({&grad, &y})) return out;
  auto backward = [log, dim](Node& n, TensorList& gs) -> TensorList {
    Tensor gg = gs[0], grad = n.saved(saved::grad_output), y = n.saved(saved::output);
    const DimList dims{dim};
    auto total = [&dims](const Tensor& t) { return sum(t, dims, /*keepdim=*/true); };
    Tensor ggrad, gy;
    if (!log) {
      // h = y * (g - sum(g y)) is J g with J = diag(y) - y y^T symmetric, so d/dg is J gg;
      // d/dy = g gg - sum(y g) gg - g sum(y gg), in torch's order of rounding.
      if (n.needs_input_grad(0)) ggrad = softmax_backward_data(gg, y, dim);
      if (n.needs_input_grad(1))
        gy = sub(sub(mul(grad, gg), mul(total(mul(y, grad)), gg)), mul(grad, total(mul(y, gg))));
    } else {
      // h = g - exp(y) * sum(g): d/dg = gg - sum(gg exp(y)), d/dy = -gg exp(y) sum(g).
      Tensor p = exp(y);
      if (n.needs_input_grad(0)) ggrad = sub(gg, total(mul(gg, p)));
      if (n.needs_input_grad(1)) gy = neg(mul(mul(gg, p), total(grad)));
    }
    return {ggrad, gy};
  };
  auto node = make_node(log ? "LogSoftmaxBackwardDataBackward0" : "SoftmaxBackwardDataBackward0",
                        {grad, y}, backward);
  record(node, {out}, {{saved::grad_output, grad}, {saved::output, y}});
  return out;
}
}  // namespace

Tensor softmax(const Tensor& a, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl(false, a, dim, dtype);
}

Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl(true, a, dim, dtype);
}

Tensor softmax_backward_data(const Tensor& grad, const Tensor& output, int64_t dim) {
  return softmax_backward_impl(false, grad, output, wrap_dim(dim, output->dim()));
}

Tensor log_softmax_backward_data(const Tensor& grad, const Tensor& output, int64_t dim) {
  return softmax_backward_impl(true, grad, output, wrap_dim(dim, output->dim()));
}

}  // namespace cgrad
