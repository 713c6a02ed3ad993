#pragma once
// Fused optimizer updates: one pass over a parameter and its state per step, on raw
// contiguous buffers of one dtype (float, double, Half or BFloat16). No autograd, no
// Python. Every scalar arrives as a double and is rounded to the tensor's dtype exactly
// where torch rounds it, so a step equals torch's step bit for bit (Note [Optimizer
// rounding]; float16 and bfloat16: Note [Reduced-float optimizer steps]).
#include <cstdint>

namespace cgrad::kernels {

// float16/bfloat16 only: which elements of one add-with-alpha op take torch's vectorized
// rounding, the rest its scalar one (Note [Reduced-float optimizer steps]): mask[i] when
// there is a mask, else i < end.
struct VectorRegion {
  const uint8_t* mask = nullptr;
  int64_t end = 0;
  bool at(int64_t i) const { return mask ? mask[i] != 0 : i < end; }
};
// The add-with-alpha ops of a step: grad.add(param, alpha=weight_decay),
// buf.add_(grad, alpha=1 - dampening), grad.add(buf, alpha=momentum) (nesterov) and
// param.add_(update, alpha=-lr).
struct ReducedFloatLayout {
  VectorRegion decay, buffer, nesterov, update;
};

struct AdamScalars {
  double lr, beta1, beta2, eps, weight_decay;
  double step_size;          // lr / (1 - beta1^step)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^step)
  bool amsgrad, maximize, decoupled_weight_decay;
  ReducedFloatLayout layout{};
};
// max_exp_avg_sq is null unless amsgrad.
template <class T>
void adam_update(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
                 int64_t n, const AdamScalars& s);

struct SgdScalars {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool fresh_buffer;  // the momentum buffer is new: it takes the (decayed) gradient as is
  ReducedFloatLayout layout{};
};
// momentum_buffer is null when momentum == 0.
template <class T>
void sgd_update(T* param, const T* grad, T* momentum_buffer, int64_t n, const SgdScalars& s);

struct RmspropScalars {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
  ReducedFloatLayout layout{};
};
// grad_avg is null unless centered; momentum_buffer null unless momentum > 0.
template <class T>
void rmsprop_update(T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                    int64_t n, const RmspropScalars& s);

struct AdagradScalars {
  double clr;  // lr / (1 + (step - 1) * lr_decay)
  double eps, weight_decay;
  bool maximize;
  ReducedFloatLayout layout{};
};
template <class T>
void adagrad_update(T* param, const T* grad, T* state_sum, int64_t n, const AdagradScalars& s);

// Explicit instantiations, one per element type (optim.cpp, optim_reduced.cpp).
#define CGRAD_OPTIM_INSTANTIATE(T)                                                         \
  template void adam_update<T>(T*, const T*, T*, T*, T*, int64_t, const AdamScalars&);    \
  template void sgd_update<T>(T*, const T*, T*, int64_t, const SgdScalars&);              \
  template void rmsprop_update<T>(T*, const T*, T*, T*, T*, int64_t, const RmspropScalars&); \
  template void adagrad_update<T>(T*, const T*, T*, int64_t, const AdagradScalars&);

}  // namespace cgrad::kernels
