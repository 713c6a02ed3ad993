#pragma once
// Optimizer steps over a whole list of parameters in one call (definitions in
// cpp/src/ops/optim.cpp). Like torch's foreach/fused steps: Python hands over every
// parameter, gradient and state tensor at once and the update runs without returning to
// Python. They update in place, outside autograd, bumping each tensor's version.
#include <optional>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad {

using TensorVector = std::vector<Tensor>;
using OptionalTensorVector = std::vector<std::optional<Tensor>>;

struct AdamOptions {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled_weight_decay;
};
// `steps` are the per-parameter step counters (0-d float tensors), incremented here.
// max_exp_avg_sqs is empty unless amsgrad.
void adam_step(const TensorVector& params, const TensorVector& grads,
               const TensorVector& exp_avgs, const TensorVector& exp_avg_sqs,
               const TensorVector& max_exp_avg_sqs, const TensorVector& steps,
               const AdamOptions& options);

struct SgdOptions {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};
// Missing momentum buffers (nullopt) are created from the gradient, as torch does;
// returns the buffers (all nullopt when momentum == 0).
OptionalTensorVector sgd_step(const TensorVector& params, const TensorVector& grads,
                              const OptionalTensorVector& momentum_buffers,
                              const SgdOptions& options);

struct RmspropOptions {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
// grad_avgs empty unless centered, momentum_buffers empty unless momentum > 0.
void rmsprop_step(const TensorVector& params, const TensorVector& grads,
                  const TensorVector& square_avgs, const TensorVector& grad_avgs,
                  const TensorVector& momentum_buffers, const TensorVector& steps,
                  const RmspropOptions& options);

struct AdagradOptions {
  double lr, lr_decay, weight_decay, eps;
  bool maximize;
};
void adagrad_step(const TensorVector& params, const TensorVector& grads,
                  const TensorVector& state_sums, const TensorVector& steps,
                  const AdagradOptions& options);

}  // namespace cgrad
