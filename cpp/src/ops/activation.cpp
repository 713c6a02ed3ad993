// Activations, defined from the rows of activation_ops.def (Note [Activation table]): an
// activation runs through the unary ops' driver, and its first derivative is a fused
// kernel run as an op of its own (gelu_backward & co.), whose backward is in turn written
// with cgrad ops, so gradients of any order work while the common first-order backward
// stays one pass. softmax and log_softmax, which reduce along a dim, are written by hand
// below.
#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "cgrad/activation/table.h"
#include "ops/pointwise_op.h"

namespace cgrad {

using kernels::BinaryOp;
using kernels::UnaryOp;
using detail::constant;
using detail::zeros_like;

namespace {
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluCubic = 0.044715;

// A row's kernel column: the kernel and the constants it reads.
struct UnaryKernel {
  UnaryOp op;
  kernels::OpParams constants;
};
struct BinaryKernel {
  BinaryOp op;
  kernels::OpParams constants;
};
UnaryKernel kernel(UnaryOp op, double p0 = 0.0, double p1 = 0.0) { return {op, {p0, p1}}; }
BinaryKernel kernel(BinaryOp op, double p0 = 0.0, double p1 = 0.0) { return {op, {p0, p1}}; }

// A backward row's op: grad * f'(input) by `value` (a fused kernel, or cgrad ops run
// unrecorded); when grad or input requires grad it records `name`, whose `backward` reads
// grad as `grad_output` (kept only with kSavesGrad: torch keeps no grad_output for a
// piecewise-linear f) and input in `input_slot`, torch's names.
template <class Value, class F>
Tensor activation_backward(const char* name, saved::Slot input_slot, activation::SavedGrad keep,
                           const Tensor& grad, const Tensor& input, Value value, F backward) {
  Tensor out;
  if constexpr (std::is_same_v<decltype(value()), BinaryKernel>) {
    const BinaryKernel k = value();
    out = detail::binary_forward(k.op, grad, input, input->dtype, input->dtype, k.constants);
  } else {
    GradModeGuard no_grad(false);
    out = value();
  }
  if (any_requires_grad({&grad, &input})) {
    auto node = make_node(name, {grad, input}, std::move(backward));
    record(node, {out}, {keep == activation::kSavesGrad ? ToSave(saved::grad_output, grad)
                                                         : ToSave(),
                         {input_slot, input}});
  }
  return out;
}

// silu's backward as torch's formula, sigmoid(x) * (1 + x * (1 - sigmoid(x))).
Tensor silu_grad(const Tensor& grad, const Tensor& x) {
  Tensor s = sigmoid(x);
  Tensor slope = add(mul(x, rsub(s, constant(1.0))), constant(1.0));
  return mul(mul(grad, s), slope);
}

// d/dx of gelu_backward(grad, x): gg * grad * gelu''(x).
Tensor gelu_double_backward(const Tensor& gg, const Tensor& grad, const Tensor& x,
                            GeluApproximation approximate) {
  Tensor x2 = mul(x, x), second;
  if (approximate != GeluApproximation::Tanh) {  // x * Phi(x): phi(x) * (2 - x^2)
    Tensor pdf = mul(exp(mul(x2, constant(-0.5))), constant(kInvSqrt2Pi));
    second = mul(pdf, rsub(x2, constant(2.0)));
  } else {
    // 0.5 x (1 + tanh u), u = k (x + c x^3): (1 - t^2) (u' - x t u'^2 + x u'' / 2)
    const Tensor k = constant(kSqrt2OverPi);
    Tensor t = tanh(mul(add(x, mul(mul(x2, x), constant(kGeluCubic))), k));
    Tensor du = mul(add(mul(x2, constant(3 * kGeluCubic)), constant(1.0)), k);
    Tensor d2u = mul(x, constant(6 * kGeluCubic * kSqrt2OverPi));
    Tensor inner = add(sub(du, mul(mul(x, t), mul(du, du))), mul(mul(x, d2u), constant(0.5)));
    second = mul(rsub(mul(t, t), constant(1.0)), inner);
  }
  return mul(mul(gg, grad), second);
}

// d/dx of softplus_backward(grad, x): d/dx sigmoid(beta x) = beta s (1 - s); 0 where linear.
Tensor softplus_double_backward(const Tensor& gg, const Tensor& grad, const Tensor& x,
                                double beta, double threshold) {
  Tensor bx = mul(x, constant(beta));
  Tensor s = sigmoid(bx);
  Tensor second = mul(mul(s, rsub(s, constant(1.0))), constant(beta));
  return mul(mul(gg, grad), where(gt(bx, constant(threshold)), constant(0.0), second));
}

// d/dx of log_sigmoid_backward(grad, x) = grad * sigmoid(-x): torch's
// log_sigmoid_double_backward, (gg * grad) * (s - 1) * s.
Tensor log_sigmoid_double_backward(const Tensor& gg, const Tensor& grad, const Tensor& x) {
  Tensor s = sigmoid(x);
  return mul(mul(mul(gg, grad), sub(s, constant(1.0))), s);
}

// softshrink's kernel, after torch's check that lambd is in [0, the dtype's max] (a
// dtype without the kernel is refused first, by the table's dtype rule).
UnaryKernel softshrink_kernel(const Tensor& a, double lambd) {
  double max = std::numeric_limits<double>::max();
  if (a->dtype == DType::Float32) max = std::numeric_limits<float>::max();
  if (a->dtype == DType::Float16) max = 65504.0;
  if (a->dtype == DType::BFloat16) max = 3.3895313892515355e+38;
  if (is_floating(a->dtype) && !(lambd >= 0 && lambd <= max)) {
    char message[160];
    std::snprintf(message, sizeof message,
                  "lambda must be in range [0, %g] for input dtype %s, but found %g", max,
                  dtype_torch_name(a->dtype), lambd);
    throw std::runtime_error(message);
  }
  return kernel(UnaryOp::Softshrink, lambd);
}

// hardtanh's kernel, after torch's check: an unsigned input cannot take a negative limit.
UnaryKernel hardtanh_kernel(const Tensor& a, double min_val, double max_val) {
  if (a->dtype == DType::UInt8 && (min_val < 0 || max_val < 0))
    throw std::runtime_error("cannot do hardtanh on an unsigned type with negative limits");
  return kernel(UnaryOp::Hardtanh, min_val, max_val);
}

// The input gradient of a backward op torch has no derivative for: its node raises.
Tensor not_implemented_derivative(const char* op) {
  throw std::runtime_error(std::string("derivative for aten::") + op + " is not implemented");
}

// Note [Saved values]: of the activations' nodes, gelu's shows its `approximate`. torch
// shows leaky_relu's, elu's and softplus's numbers as the Python int or float that was
// given, which their double parameters do not keep, so those show none.
template <class... Params> void show_activation_values(const Tensor&, const Params&...) {}
void show_activation_values(const Tensor& out, GeluApproximation approximate) {
  if (out->autograd && out->autograd->grad_fn)
    out->autograd->grad_fn->save_value(
        "approximate", saved_string(approximate == GeluApproximation::Tanh ? "tanh" : "none"));
}

}  // namespace

// The rows' C++ parameters, and what a backward row's formula may name besides `gg` and
// its input.
#define CGRAD_PARAM(type, name, value) , type name
#define CGRAD_PARAM_ARG(type, name, value) , name
#define CGRAD_BACKWARD_PARAM(type, name) , type name
#define CGRAD_BACKWARD_ARG(type, name) , name
#define CGRAD_READ_kSavesGrad const Tensor grad = n.saved(saved::grad_output);
#define CGRAD_READ_kNoGrad

#define CGRAD_ACTIVATION(name, params, dtype, error, kernel_call, node, saved, backward,       \
                         inplace, doc)                                                         \
  Tensor name(const Tensor& a CGRAD_EACH_PARAM(CGRAD_PARAM, params)) {                         \
    const UnaryKernel k = kernel_call;                                                         \
    Tensor out = detail::pointwise_op(                                                         \
        k.op, pointwise::dtype, error, node, pointwise::saved, a,                              \
        [=](Node& n, TensorList& g) -> TensorList {                                            \
          [[maybe_unused]] const Tensor& grad = g[0];                                          \
          CGRAD_POINTWISE_READ_##saved return {backward};                                      \
        },                                                                                     \
        k.constants);                                                                          \
    show_activation_values(out CGRAD_EACH_PARAM(CGRAD_PARAM_ARG, params));                    \
    return out;                                                                                \
  }
#define CGRAD_ACTIVATION_BACKWARD(name, of, input, params, forward, node, saved_grad, d_input)  \
  Tensor name(const Tensor& grad,                                                              \
              const Tensor& input CGRAD_EACH_BACKWARD_PARAM(CGRAD_BACKWARD_PARAM, params)) {   \
    return activation_backward(                                                                \
        node, saved::input, activation::saved_grad, grad, input, [&] { return forward; },      \
        [=](Node& n, TensorList& g) -> TensorList {                                            \
          const Tensor& gg = g[0];                                                             \
          CGRAD_READ_##saved_grad const Tensor input = n.saved(saved::input);                  \
          Tensor ggrad, ginput;                                                                \
          if (n.needs_input_grad(0))                                                           \
            ggrad = name(gg, input CGRAD_EACH_BACKWARD_PARAM(CGRAD_BACKWARD_ARG, params));     \
          if (n.needs_input_grad(1)) ginput = d_input;                                         \
          return {ggrad, ginput};                                                              \
        });                                                                                    \
  }
#include "cgrad/activation/activation_ops.def"

// Note [In-place activations save the result]: torch's leaky_relu_ and elu_ overwrite
// their input, so their nodes (LeakyReluBackward1, EluBackward1) save the result and
// differentiate from it. That is exact only while the result tells the input's sign, so
// a negative slope or alpha, which flips it, is refused with torch's error when the
// backward runs. For a slope >= 0, result > 0 exactly where the input is, so leaky_relu's
// derivative from the result is leaky_relu_backward itself (and its double backward
// torch's LeakyReluBackwardBackward0). elu's is the table's elu_backward_of_result:
// grad where result > 0 and grad * (result + alpha) elsewhere, torch's formula, whose
// double backward records EluBackwardBackward0 as torch's does.
namespace {
template <class Value, class F>
Tensor saving_result(const char* name, const Tensor& a, Value value, F backward) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = value();
  }
  if (any_requires_grad({&a})) {
    auto node = make_node(name, {a}, std::move(backward));
    record(node, {out}, {ToSave(saved::result, out)});
  }
  return out;
}
}  // namespace

Tensor leaky_relu_saving_result(const Tensor& a, double negative_slope) {
  return saving_result(
      "LeakyReluBackward1", a, [&] { return leaky_relu(a, negative_slope); },
      [negative_slope](Node& n, TensorList& g) -> TensorList {
        if (negative_slope < 0)
          throw std::runtime_error(
              "In-place leakyReLu backward calculation is triggered with a negative slope which "
              "is not supported. This is caused by calling in-place forward function with a "
              "negative slope, please call out-of-place version instead. File an issue at "
              "https://github.com/pytorch/pytorch if you do require supporting in-place "
              "leakRelu backward calculation with negative slope");
        return {leaky_relu_backward(g[0], n.saved(saved::result), negative_slope)};
      });
}

Tensor elu_saving_result(const Tensor& a, double alpha) {
  return saving_result(
      "EluBackward1", a, [&] { return elu(a, alpha); },
      [alpha](Node& n, TensorList& g) -> TensorList {
        if (alpha < 0)
          throw std::runtime_error(
              "In-place elu backward calculation is triggered with a negative slope which is "
              "not supported. This is caused by calling in-place forward function with a "
              "negative slope, please call out-of-place version instead.");
        return {elu_backward_of_result(g[0], n.saved(saved::result), alpha)};
      });
}

#undef CGRAD_READ_kSavesGrad
#undef CGRAD_READ_kNoGrad
#undef CGRAD_PARAM
#undef CGRAD_PARAM_ARG
#undef CGRAD_BACKWARD_PARAM
#undef CGRAD_BACKWARD_ARG

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
    node->save_value("dim", saved_int(dim));  // Note [Saved values]
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
