// Optimizer updates on float16 and bfloat16 parameters (kernels/optim.h).
//
// Note [Reduced-float optimizer steps]: torch's CPU optimizers run their single-tensor
// loop for half parameters too, one in-place op after another; each op reads its
// operands as float, computes in float and rounds its result to the parameter's dtype.
// What the scalars become differs by op, measured against torch 2.13:
//   add(x, alpha)    = fma(other, T(alpha), x) in torch's vectorized loop, but
//                      x + T(T(alpha) * other) in its scalar loop (c10::Half arithmetic
//                      rounds the product); which elements each loop takes depends on
//                      the operands' layouts (Note [Reduced-float layouts] in
//                      ops/optim.cpp; ReducedFloatLayout says)
//   mul / div / add by a scalar: float(scalar), one rounding of the float result
//   lerp(end, w)     = fma(w, end - self, self)  for |w| < 0.5, else fma(w - 1, end - self, end)
//   addcmul(a, b, v) = fma(v * a, b, self);  addcdiv(a, b, v) = self + (v * a) / b
//   sqrt             = the float square root, rounded (correctly rounded, as torch's)
// So a step here is the same sequence, with round() after each op, and agrees with
// torch bit for bit. Built with -ffp-contract=off (CMakeLists.txt), as optim.cpp.
#include "kernels/optim.h"

#include <cmath>

#include "cgrad/small_floats.h"

namespace cgrad::kernels {
namespace {

// The value an op writes: its float result rounded to T, read back as float.
template <class T> inline float round_to(float x) { return static_cast<float>(T(x)); }

inline float lerp_toward(float self, float end, float weight) {
  const float diff = end - self;
  return std::abs(weight) < 0.5f ? std::fma(weight, diff, self)
                                 : std::fma(weight - 1.0f, diff, end);
}

// torch.maximum: NaN wins.
inline float maximum(float a, float b) {
  if (a != a || b != b) return a + b;
  return a > b ? a : b;
}

// self.add(other, alpha=alpha) with alpha already rounded to T, in torch's vectorized
// or scalar loop.
template <class T>
inline float add_scaled(float self, float other, float alpha, bool vectorized) {
  if (vectorized) return round_to<T>(std::fma(other, alpha, self));
  return round_to<T>(self + round_to<T>(alpha * other));
}

// grad.add(param, alpha=weight_decay).
template <class T>
inline float decayed(float g, float p, double weight_decay, bool vectorized) {
  if (weight_decay == 0) return g;
  return add_scaled<T>(g, p, round_to<T>(float(weight_decay)), vectorized);
}

}  // namespace

template <class T>
void adam_update(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
                 int64_t n, const AdamScalars& s) {
  const bool decay_param = s.weight_decay != 0 && s.decoupled_weight_decay;
  const float param_factor = float(1 - s.lr * s.weight_decay);
  const float one_minus_beta1 = float(1 - s.beta1), beta2 = float(s.beta2);
  const float one_minus_beta2 = float(1 - s.beta2);
  const float bias_correction2_sqrt = float(s.bias_correction2_sqrt), eps = float(s.eps);
  const float neg_step_size = float(-s.step_size);
  for (int64_t i = 0; i < n; ++i) {
    float g = s.maximize ? -float(grad[i]) : float(grad[i]);
    float p = param[i];
    if (decay_param) p = round_to<T>(p * param_factor);
    if (!s.decoupled_weight_decay) g = decayed<T>(g, p, s.weight_decay, s.layout.decay.at(i));
    const float m = round_to<T>(lerp_toward(exp_avg[i], g, one_minus_beta1));
    const float v_scaled = round_to<T>(float(exp_avg_sq[i]) * beta2);
    const float v = round_to<T>(std::fma(one_minus_beta2 * g, g, v_scaled));
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    float v_used = v;
    if (s.amsgrad) {
      v_used = maximum(max_exp_avg_sq[i], v);
      max_exp_avg_sq[i] = v_used;
    }
    const float root = round_to<T>(std::sqrt(v_used));
    const float denom = round_to<T>(round_to<T>(root / bias_correction2_sqrt) + eps);
    param[i] = p + (neg_step_size * m) / denom;
  }
}

template <class T>
void sgd_update(T* param, const T* grad, T* buffer, int64_t n, const SgdScalars& s) {
  const float momentum = float(s.momentum);
  const float momentum_alpha = round_to<T>(float(s.momentum));
  const float one_minus_dampening = round_to<T>(float(1 - s.dampening));
  const float neg_lr = round_to<T>(float(-s.lr));
  const bool use_momentum = s.momentum != 0;
  for (int64_t i = 0; i < n; ++i) {
    float g = s.maximize ? -float(grad[i]) : float(grad[i]);
    const float p = param[i];
    g = decayed<T>(g, p, s.weight_decay, s.layout.decay.at(i));
    if (use_momentum) {
      const float b = s.fresh_buffer
          ? g
          : add_scaled<T>(round_to<T>(float(buffer[i]) * momentum), g, one_minus_dampening,
                          s.layout.buffer.at(i));
      buffer[i] = b;
      g = s.nesterov ? add_scaled<T>(g, b, momentum_alpha, s.layout.nesterov.at(i)) : b;
    }
    param[i] = add_scaled<T>(p, g, neg_lr, s.layout.update.at(i));
  }
}

template <class T>
void rmsprop_update(T* param, const T* grad, T* square_avg, T* grad_avg, T* buffer,
                    int64_t n, const RmspropScalars& s) {
  const float alpha = float(s.alpha), one_minus_alpha = float(1 - s.alpha);
  const float eps = float(s.eps), momentum = float(s.momentum);
  const float neg_lr = float(-s.lr), neg_lr_alpha = round_to<T>(float(-s.lr));
  for (int64_t i = 0; i < n; ++i) {
    float g = s.maximize ? -float(grad[i]) : float(grad[i]);
    const float p = param[i];
    g = decayed<T>(g, p, s.weight_decay, s.layout.decay.at(i));
    const float sq_scaled = round_to<T>(float(square_avg[i]) * alpha);
    const float sq = round_to<T>(std::fma(one_minus_alpha * g, g, sq_scaled));
    square_avg[i] = sq;
    float avg;
    if (s.centered) {
      const float ga = round_to<T>(lerp_toward(grad_avg[i], g, one_minus_alpha));
      grad_avg[i] = ga;
      avg = round_to<T>(std::sqrt(round_to<T>(std::fma(-1.0f * ga, ga, sq))));
    } else {
      avg = round_to<T>(std::sqrt(sq));
    }
    avg = round_to<T>(avg + eps);
    if (s.momentum > 0) {
      const float b_scaled = round_to<T>(float(buffer[i]) * momentum);
      const float b = round_to<T>(b_scaled + (1.0f * g) / avg);
      buffer[i] = b;
      param[i] = add_scaled<T>(p, b, neg_lr_alpha, s.layout.update.at(i));
    } else {
      param[i] = p + (neg_lr * g) / avg;
    }
  }
}

template <class T>
void adagrad_update(T* param, const T* grad, T* state_sum, int64_t n, const AdagradScalars& s) {
  const float eps = float(s.eps), neg_clr = float(-s.clr);
  for (int64_t i = 0; i < n; ++i) {
    float g = s.maximize ? -float(grad[i]) : float(grad[i]);
    const float p = param[i];
    g = decayed<T>(g, p, s.weight_decay, s.layout.decay.at(i));
    const float sum = round_to<T>(std::fma(1.0f * g, g, float(state_sum[i])));
    state_sum[i] = sum;
    const float std_dev = round_to<T>(round_to<T>(std::sqrt(sum)) + eps);
    param[i] = p + (neg_clr * g) / std_dev;
  }
}

CGRAD_OPTIM_INSTANTIATE(Half)
CGRAD_OPTIM_INSTANTIATE(BFloat16)

}  // namespace cgrad::kernels
