#pragma once
// Activations behind cgrad.nn.functional: the rows of cgrad/activation/activation_ops.def
// (Note [Activation table]; definitions in cpp/src/ops/activation.cpp), and softmax and
// log_softmax; relu, sigmoid and tanh are in unary.h. Floating inputs only, as in torch.
#include <optional>

#include "cgrad/activation/table.h"
#include "cgrad/tensor.h"

namespace cgrad {

enum class GeluApproximation { None, Tanh };

// The activations, f(a, params...) (gelu, silu, softplus, leaky_relu, elu), and their
// input gradients as ops of their own (torch's *_backward functions: gelu_backward & co.,
// sigmoid_backward for sigmoid, threshold_backward for relu): grad * f'(input), fused
// kernels for the first derivative that record GeluBackwardBackward0 & co. under
// create_graph=True, so higher derivatives still work.
#define CGRAD_PARAM_WITH_DEFAULT(type, name, value) , type name = value
#define CGRAD_BACKWARD_PARAM(type, name) , type name
#define CGRAD_ACTIVATION(name, params, ...) \
  Tensor name(const Tensor& a CGRAD_EACH_PARAM(CGRAD_PARAM_WITH_DEFAULT, params));
#define CGRAD_ACTIVATION_BACKWARD(name, of, input, params, ...) \
  Tensor name(const Tensor& grad,                              \
              const Tensor& input CGRAD_EACH_BACKWARD_PARAM(CGRAD_BACKWARD_PARAM, params));
#include "cgrad/activation/activation_ops.def"
#undef CGRAD_PARAM_WITH_DEFAULT
#undef CGRAD_BACKWARD_PARAM

// leaky_relu and elu as their in-place forms record them (torch's LeakyReluBackward1,
// EluBackward1): a node that differentiates from the result, which the in-place write then
// makes the input itself (Note [In-place activations save the result]).
Tensor leaky_relu_saving_result(const Tensor& a, double negative_slope = 0.01);
Tensor elu_saving_result(const Tensor& a, double alpha = 1.0);

// Over `dim` (any dim, any strides). With `dtype`, the input is first converted to it.
Tensor softmax(const Tensor& a, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<DType> dtype = std::nullopt);
// From softmax's / log_softmax's output y.
Tensor softmax_backward_data(const Tensor& grad, const Tensor& output, int64_t dim);
Tensor log_softmax_backward_data(const Tensor& grad, const Tensor& output, int64_t dim);

}  // namespace cgrad
