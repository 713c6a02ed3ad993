#pragma once
// Losses, as torch.nn.functional (definitions in cpp/src/ops/loss.cpp). Optional tensors
// (weight, pos_weight) are null when absent; weights are never differentiated (as torch).
#include "cgrad/tensor.h"

namespace cgrad {

enum class LossReduction { None, Mean, Sum };

// (input - target)^2 (MseLossBackward0); input and target broadcast against each other.
Tensor mse_loss(const Tensor& input, const Tensor& target, LossReduction reduction);
// |input - target|, as torch composes it (AbsBackward0 / MeanBackward0 / SumBackward0).
Tensor l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction);
// |d| < beta ? 0.5 d^2 / beta : |d| - 0.5 beta for d = input - target
// (SmoothL1LossBackward0); beta == 0 is l1_loss, beta < 0 an error, as torch.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction,
                      double beta);
// |d| < delta ? 0.5 d^2 : delta (|d| - 0.5 delta) (HuberLossBackward0); delta must be > 0.
Tensor huber_loss(const Tensor& input, const Tensor& target, LossReduction reduction,
                  double delta);
// -weight[t] * input[n, t, ...] for class indices t (NllLossBackward0 / NllLoss2DBackward0);
// 'mean' divides by the summed weight of the targets not equal to ignore_index.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                LossReduction reduction, int64_t ignore_index);
// nll_loss of log_softmax(input) for class indices; for class probabilities (target shaped
// like input) -sum(target * log_softmax(input)). label_smoothing mixes in the uniform
// distribution.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     LossReduction reduction, int64_t ignore_index, double label_smoothing);
// weight * ((t - 1) log(1 - x) - t log x), logs clamped at -100
// (BinaryCrossEntropyBackward0).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            LossReduction reduction);
// The same on logits, computed stably; pos_weight scales the positive term
// (BinaryCrossEntropyWithLogitsBackward0).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        LossReduction reduction);

}  // namespace cgrad
