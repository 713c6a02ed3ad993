#pragma once
// Normalization layers' ops: layer_norm and batch_norm, each one node as in torch
// (NativeLayerNormBackward0, NativeBatchNormBackward0, NativeGroupNormBackward0), and
// rms_norm, composed of ops.
#include <optional>
#include <tuple>

#include "cgrad/tensor.h"

namespace cgrad {

// Normalizes over the trailing dims `normalized_shape`; weight and bias (that shape) may
// be null. Returns (output, mean, rstd), the statistics shaped [*batch, 1, ..., 1].
std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                     const Shape& normalized_shape,
                                                     const Tensor& weight, const Tensor& bias,
                                                     double eps);
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps = 1e-5);

// Normalizes input [N, C, *] over each of num_groups groups of C / num_groups channels (and
// all positions), then scales and shifts per channel by weight and bias ([C]; may be
// null). One node, as torch's: NativeGroupNormBackward0.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight,
                  const Tensor& bias, double eps = 1e-5);

// input / sqrt(mean(input^2) + eps) over the trailing dims `normalized_shape`, times weight
// (that shape; may be null). eps defaults to the machine epsilon of input's dtype. Composed
// of ops as torch's is, so it records their nodes (Note [rms_norm is composed]).
Tensor rms_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                std::optional<double> eps);

// Normalizes each channel (dim 1) of input [N, C, *]: over the batch with its own
// statistics when `training` (then updating running_mean/running_var in place, if given,
// with `momentum` and the unbiased variance), else with the running statistics. Any of
// weight, bias, running_mean, running_var may be null (the running ones not in eval).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps);

}  // namespace cgrad
