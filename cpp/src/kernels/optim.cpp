// Fused optimizer loops (kernels/optim.h).
//
// Note [Optimizer rounding]: torch's CPU optimizers run one in-place op after another
// (grad.add(param, alpha=wd), exp_avg.lerp_(grad, 1 - beta1), exp_avg_sq.mul_(beta2)
// .addcmul_(grad, grad, value=1 - beta2), ...), each rounding to the tensor's dtype. We
// do the same arithmetic per element in one pass, with the same roundings, so the
// trajectories agree bit for bit. Measured against torch 2.13 (x86-64, AVX-512):
//   add(x, alpha)      = fma(x, alpha, self)
//   lerp(end, w)       = fma(w, end - self, self)  for |w| < 0.5, else fma(w - 1, end - self, end)
//   addcmul(a, b, v)   = fma(v * a, b, self)
//   addcdiv(a, b, v)   = self + (v * a) / b
//   mul / div / add by a scalar: one rounding, the scalar first rounded to the dtype.
// This file is built with -ffp-contract=off (CMakeLists.txt) so the compiler fuses
// nothing that torch does not, and every fma here is written out.
// One exception we do not follow: torch's sqrt (MKL vector math) is not correctly
// rounded (about 1 float32 result in 6 is one ulp off); ours is. SGD, which takes no
// square root, agrees bit for bit; Adam, RMSprop and Adagrad agree to float rounding.
#include "kernels/optim.h"

#include <cmath>

namespace cgrad::kernels {
namespace {

#define CGRAD_INLINE inline __attribute__((always_inline))

template <class T> CGRAD_INLINE T lerp_toward(T self, T end, T weight) {
  const T diff = end - self;
  return std::abs(weight) < T(0.5) ? std::fma(weight, diff, self)
                                   : std::fma(weight - T(1), diff, end);
}

// torch.maximum: NaN wins.
template <class T> CGRAD_INLINE T maximum(T a, T b) {
  if (a != a || b != b) return a + b;
  return a > b ? a : b;
}

template <class T>
CGRAD_INLINE void adam_loop(T* __restrict param, const T* __restrict grad,
                            T* __restrict exp_avg, T* __restrict exp_avg_sq,
                            T* __restrict max_exp_avg_sq, int64_t n, const AdamScalars& s) {
  const bool decay_grad = s.weight_decay != 0 && !s.decoupled_weight_decay;
  const bool decay_param = s.weight_decay != 0 && s.decoupled_weight_decay;
  const T param_factor = T(1 - s.lr * s.weight_decay);
  const T weight_decay = T(s.weight_decay);
  const T one_minus_beta1 = T(1 - s.beta1);
  const T beta2 = T(s.beta2);
  const T one_minus_beta2 = T(1 - s.beta2);
  const T bias_correction2_sqrt = T(s.bias_correction2_sqrt);
  const T eps = T(s.eps);
  const T neg_step_size = T(-s.step_size);
  for (int64_t i = 0; i < n; ++i) {
    T g = s.maximize ? -grad[i] : grad[i];
    T p = param[i];
    if (decay_param) p = p * param_factor;
    if (decay_grad) g = std::fma(p, weight_decay, g);
    const T m = lerp_toward(exp_avg[i], g, one_minus_beta1);
    const T v = std::fma(one_minus_beta2 * g, g, exp_avg_sq[i] * beta2);
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    T v_used = v;
    if (s.amsgrad) v_used = max_exp_avg_sq[i] = maximum(max_exp_avg_sq[i], v);
    const T denom = std::sqrt(v_used) / bias_correction2_sqrt + eps;
    param[i] = p + (neg_step_size * m) / denom;
  }
}

template <class T>
CGRAD_INLINE void sgd_loop(T* __restrict param, const T* __restrict grad,
                           T* __restrict buffer, int64_t n, const SgdScalars& s) {
  const T weight_decay = T(s.weight_decay);
  const T momentum = T(s.momentum);
  const T one_minus_dampening = T(1 - s.dampening);
  const T neg_lr = T(-s.lr);
  const bool use_momentum = s.momentum != 0;
  for (int64_t i = 0; i < n; ++i) {
    T g = s.maximize ? -grad[i] : grad[i];
    const T p = param[i];
    if (s.weight_decay != 0) g = std::fma(p, weight_decay, g);
    if (use_momentum) {
      const T b = s.fresh_buffer ? g : std::fma(g, one_minus_dampening, buffer[i] * momentum);
      buffer[i] = b;
      g = s.nesterov ? std::fma(b, momentum, g) : b;
    }
    param[i] = std::fma(g, neg_lr, p);
  }
}

template <class T>
CGRAD_INLINE void rmsprop_loop(T* __restrict param, const T* __restrict grad,
                               T* __restrict square_avg, T* __restrict grad_avg,
                               T* __restrict buffer, int64_t n, const RmspropScalars& s) {
  const T weight_decay = T(s.weight_decay);
  const T alpha = T(s.alpha);
  const T one_minus_alpha = T(1 - s.alpha);
  const T eps = T(s.eps);
  const T momentum = T(s.momentum);
  const T neg_lr = T(-s.lr);
  for (int64_t i = 0; i < n; ++i) {
    T g = s.maximize ? -grad[i] : grad[i];
    const T p = param[i];
    if (s.weight_decay != 0) g = std::fma(p, weight_decay, g);
    const T sq = std::fma(one_minus_alpha * g, g, square_avg[i] * alpha);
    square_avg[i] = sq;
    T avg;
    if (s.centered) {
      const T ga = lerp_toward(grad_avg[i], g, one_minus_alpha);
      grad_avg[i] = ga;
      avg = std::sqrt(std::fma(T(-1) * ga, ga, sq));
    } else {
      avg = std::sqrt(sq);
    }
    avg = avg + eps;
    if (s.momentum > 0) {
      const T b = buffer[i] * momentum + (T(1) * g) / avg;
      buffer[i] = b;
      param[i] = std::fma(b, neg_lr, p);
    } else {
      param[i] = p + (neg_lr * g) / avg;
    }
  }
}

template <class T>
CGRAD_INLINE void adagrad_loop(T* __restrict param, const T* __restrict grad,
                               T* __restrict state_sum, int64_t n, const AdagradScalars& s) {
  const T weight_decay = T(s.weight_decay);
  const T eps = T(s.eps);
  const T neg_clr = T(-s.clr);
  for (int64_t i = 0; i < n; ++i) {
    T g = s.maximize ? -grad[i] : grad[i];
    const T p = param[i];
    if (s.weight_decay != 0) g = std::fma(p, weight_decay, g);
    const T sum = std::fma(T(1) * g, g, state_sum[i]);
    state_sum[i] = sum;
    param[i] = p + (neg_clr * g) / (std::sqrt(sum) + eps);
  }
}

// Note [Optimizer dispatch]: the loops need a hardware fma to be fast (without one,
// std::fma is a library call, still exact). Each is compiled twice, for AVX2+FMA and
// for the baseline, and picked at run time, so wheels stay portable.
#if defined(__x86_64__) && defined(__GNUC__)
inline bool has_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#define CGRAD_OPTIM_VARIANTS(NAME, LOOP, PARAMS, ARGS)                              \
  template <class T> __attribute__((target("avx2,fma"))) void NAME##_fma PARAMS {   \
    LOOP<T> ARGS;                                                                    \
  }                                                                                  \
  template <class T> void NAME##_base PARAMS { LOOP<T> ARGS; }                       \
  template <class T> void NAME PARAMS {                                              \
    if (has_fma()) NAME##_fma<T> ARGS;                                               \
    else NAME##_base<T> ARGS;                                                        \
  }
#else
#define CGRAD_OPTIM_VARIANTS(NAME, LOOP, PARAMS, ARGS) \
  template <class T> void NAME PARAMS { LOOP<T> ARGS; }
#endif

CGRAD_OPTIM_VARIANTS(adam_dispatch, adam_loop,
                     (T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamScalars& s),
                     (p, g, m, v, vmax, n, s))
CGRAD_OPTIM_VARIANTS(sgd_dispatch, sgd_loop,
                     (T* p, const T* g, T* b, int64_t n, const SgdScalars& s),
                     (p, g, b, n, s))
CGRAD_OPTIM_VARIANTS(rmsprop_dispatch, rmsprop_loop,
                     (T* p, const T* g, T* sq, T* ga, T* b, int64_t n, const RmspropScalars& s),
                     (p, g, sq, ga, b, n, s))
CGRAD_OPTIM_VARIANTS(adagrad_dispatch, adagrad_loop,
                     (T* p, const T* g, T* sum, int64_t n, const AdagradScalars& s),
                     (p, g, sum, n, s))

}  // namespace

template <class T>
void adam_update(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
                 int64_t n, const AdamScalars& s) {
  adam_dispatch<T>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, s);
}
template <class T>
void sgd_update(T* param, const T* grad, T* momentum_buffer, int64_t n, const SgdScalars& s) {
  sgd_dispatch<T>(param, grad, momentum_buffer, n, s);
}
template <class T>
void rmsprop_update(T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                    int64_t n, const RmspropScalars& s) {
  rmsprop_dispatch<T>(param, grad, square_avg, grad_avg, momentum_buffer, n, s);
}
template <class T>
void adagrad_update(T* param, const T* grad, T* state_sum, int64_t n, const AdagradScalars& s) {
  adagrad_dispatch<T>(param, grad, state_sum, n, s);
}

CGRAD_OPTIM_INSTANTIATE(float)
CGRAD_OPTIM_INSTANTIATE(double)

}  // namespace cgrad::kernels
