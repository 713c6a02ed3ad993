#pragma once
// Activations behind cgrad.nn.functional (definitions in cpp/src/ops/activation.cpp);
// relu, sigmoid and tanh are in unary.h. Floating inputs only, as in torch.
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

enum class GeluApproximation { None, Tanh };

Tensor gelu(const Tensor& a, GeluApproximation approximate = GeluApproximation::None);
Tensor silu(const Tensor& a);  // a * sigmoid(a)
// log(1 + exp(beta * a)) / beta, and `a` itself where beta * a > threshold.
Tensor softplus(const Tensor& a, double beta = 1.0, double threshold = 20.0);
Tensor leaky_relu(const Tensor& a, double negative_slope = 0.01);
Tensor elu(const Tensor& a, double alpha = 1.0);
// Over `dim` (any dim, any strides). With `dtype`, the input is first converted to it.
Tensor softmax(const Tensor& a, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<DType> dtype = std::nullopt);

// Each activation's input gradient as an op of its own (torch's *_backward functions):
// fused kernels for the first derivative that record GeluBackwardBackward0 & co. under
// create_graph=True, so higher derivatives still work.
Tensor gelu_backward(const Tensor& grad, const Tensor& a, GeluApproximation approximate);
Tensor softplus_backward(const Tensor& grad, const Tensor& a, double beta, double threshold);
Tensor leaky_relu_backward(const Tensor& grad, const Tensor& a, double negative_slope);
Tensor elu_backward(const Tensor& grad, const Tensor& a, double alpha);
// sigmoid's: grad * (1 - s) * s from its output s (Note [sigmoid's double backward]).
Tensor sigmoid_backward(const Tensor& grad, const Tensor& result);
// relu's: grad where a > threshold, else 0 (`a` is relu's output, as torch saves it).
Tensor threshold_backward(const Tensor& grad, const Tensor& a, double threshold);
// From softmax's / log_softmax's output y.
Tensor softmax_backward_data(const Tensor& grad, const Tensor& output, int64_t dim);
Tensor log_softmax_backward_data(const Tensor& grad, const Tensor& output, int64_t dim);

}  // namespace cgrad
