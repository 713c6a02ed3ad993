#pragma once
// Fused optimizer updates: one pass over a parameter and its state per step, on raw
// contiguous buffers of one dtype (float or double). No autograd, no Python. Every
// scalar arrives as a double and is rounded to the tensor's dtype exactly where torch
// rounds it, so a step equals torch's step bit for bit (Note [Optimizer rounding]).
#include <cstdint>

namespace cgrad::kernels {

struct AdamScalars {
  double lr, beta1, beta2, eps, weight_decay;
  double step_size;          // lr / (1 - beta1^step)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^step)
  bool amsgrad, maximize, decoupled_weight_decay;
};
// max_exp_avg_sq is null unless amsgrad.
template <class T>
void adam_update(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
                 int64_t n, const AdamScalars& s);

struct SgdScalars {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool fresh_buffer;  // the momentum buffer is new: it takes the (decayed) gradient as is
};
// momentum_buffer is null when momentum == 0.
template <class T>
void sgd_update(T* param, const T* grad, T* momentum_buffer, int64_t n, const SgdScalars& s);

struct RmspropScalars {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
// grad_avg is null unless centered; momentum_buffer null unless momentum > 0.
template <class T>
void rmsprop_update(T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                    int64_t n, const RmspropScalars& s);

struct AdagradScalars {
  double clr;  // lr / (1 + (step - 1) * lr_decay)
  double eps, weight_decay;
  bool maximize;
};
template <class T>
void adagrad_update(T* param, const T* grad, T* state_sum, int64_t n, const AdagradScalars& s);

}  // namespace cgrad::kernels
