// Whole-list optimizer steps (cgrad/ops/optim.h): checks, contiguous staging, step
// counters and bias corrections here; the per-element arithmetic in kernels/optim.cpp.
#include "cgrad/ops/optim.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"
#include "cgrad/ops/copy.h"
#include "cgrad/ops/creation.h"
#include "cgrad/ops/inplace.h"
#include "cgrad/parallel.h"
#include "kernels/optim.h"

namespace cgrad {
namespace {

void check_lengths(const char* op, size_t expected, size_t got, const char* what) {
  if (got != expected)
    throw ValueError(std::string(op) + ": expected " + std::to_string(expected) + " " + what +
                     ", got " + std::to_string(got));
}

// Every state tensor must match its parameter in shape and dtype; torch would raise
// from the first in-place op that mixes them.
void check_like(const char* op, const Tensor& param, const Tensor& other, const char* what) {
  if (!other) throw TypeError(std::string(op) + ": " + what + " is None");
  if (other->sizes != param->sizes)
    throw std::runtime_error(std::string(op) + ": " + what + " of shape " +
                             shape_str(other->sizes) + " does not match the parameter of shape " +
                             shape_str(param->sizes));
  if (other->dtype != param->dtype)
    throw std::runtime_error(std::string(op) + ": " + what + " has dtype " +
                             dtype_name(other->dtype) + " but the parameter has dtype " +
                             dtype_name(param->dtype));
}

void check_param(const char* op, const Tensor& param) {
  if (!param) throw TypeError(std::string(op) + ": a parameter is None");
  if (!is_floating(param->dtype))
    throw std::runtime_error(std::string(op) + ": parameters must be floating point, got " +
                             dtype_name(param->dtype));
}

// Note [Staging non-contiguous tensors]: the kernels walk flat buffers. A tensor that is
// not contiguous (a strided view handed in as a parameter, an expanded gradient) is
// copied to a contiguous buffer, updated there, and written back when the staging ends.
class Staged {
 public:
  Staged(const Tensor& t, bool written) : original_(t), written_(written) {
    work_ = t->is_contiguous() ? t : contiguous(t);
  }
  ~Staged() noexcept(false) {
    if (written_ && work_ != original_) {
      Tensor target = original_;
      copy_(target, work_);
    }
  }
  Staged(const Staged&) = delete;
  Staged& operator=(const Staged&) = delete;
  template <class T> T* data() const { return work_->data<T>(); }

 private:
  Tensor original_, work_;
  bool written_;
};

// step += 1 in the counter's own dtype (torch keeps it as a float32 tensor), returning
// the new value as torch's _get_value(step) reads it.
double advance_step(const Tensor& step) {
  if (!step) throw TypeError("optimizer step counter is None");
  double value;
  if (step->dtype == DType::Float32) {
    float* p = step->data<float>();
    *p = *p + 1.0f;
    value = *p;
  } else if (step->dtype == DType::Float64) {
    double* p = step->data<double>();
    *p = *p + 1.0;
    value = *p;
  } else {
    throw std::runtime_error(std::string("optimizer step counter must be a floating tensor, got ") +
                             dtype_name(step->dtype));
  }
  step->version->bump("add_");
  return value;
}

void bump(const Tensor& t, const char* op) {
  if (t) t->version->bump(op);
}

// Note [Reduced-float layouts]: torch's float16/bfloat16 add-with-alpha rounds one way in
// its vectorized loop and another in its scalar loop (Note [Reduced-float optimizer
// steps]). When both operands of the op have one dense layout, torch walks them in memory
// order, vectorized in blocks of 32 elements with a scalar tail; otherwise its loop is
// scalar throughout. Above its grain size (32768 elements) torch splits the walk into one
// equal chunk per thread, each with its own tail; we take cgrad's thread count for
// torch's (both default to the cores). The kernels walk elements in logical order, so
// for each such op we mark the elements whose memory position falls in a vectorized
// part. A gradient computed in the step (grad.add(param)) has the gradient's layout, as
// torch's result takes its first operand's.
class VectorRegions {
 public:
  kernels::VectorRegion of(const Tensor& a, const Tensor& b) {
    if (!a || !b || !is_reduced_float(a->dtype) || !a->is_non_overlapping_and_dense())
      return {};
    for (size_t d = 0; d < a->sizes.size(); ++d)
      if (a->sizes[d] != 1 && a->strides[d] != b->strides[d]) return {};
    const int64_t n = a->numel();
    const int64_t chunk = chunk_size(n);
    if (a->is_contiguous() && chunk == n) return {nullptr, n - n % kBlock};
    // Memory position of each element in logical order, by an odometer over the sizes.
    std::vector<uint8_t>& mask = masks_.emplace_back(static_cast<size_t>(n));
    const size_t dims = a->sizes.size();
    std::vector<int64_t> index(dims, 0);
    int64_t position = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t start = position / chunk * chunk;
      const int64_t length = std::min(chunk, n - start);
      mask[static_cast<size_t>(i)] = position - start < length - length % kBlock;
      for (size_t d = dims; d-- > 0;) {
        if (++index[d] < a->sizes[d]) {
          position += a->strides[d];
          break;
        }
        position -= (a->sizes[d] - 1) * a->strides[d];
        index[d] = 0;
      }
    }
    return {mask.data(), 0};
  }

 private:
  static constexpr int64_t kBlock = 32, kGrain = 32768;
  // The length of each thread's chunk of n elements in torch's parallel walk.
  static int64_t chunk_size(int64_t n) {
    const int64_t threads = get_num_threads();
    if (n <= kGrain || threads <= 1) return std::max<int64_t>(n, 1);
    const int64_t tasks = std::min(threads, (n + kGrain - 1) / kGrain);
    return (n + tasks - 1) / tasks;
  }

  std::deque<std::vector<uint8_t>> masks_;  // a deque: earlier masks never move
};

// Runs body<T> for the parameter's element type (float16 and bfloat16 steps round after
// each op, Note [Reduced-float optimizer steps]).
template <class F> void for_dtype(const Tensor& param, F&& body) {
  if (param->dtype == DType::Float32) body(float{});
  else if (param->dtype == DType::Float64) body(double{});
  else if (param->dtype == DType::Float16) body(Half{});
  else if (param->dtype == DType::BFloat16) body(BFloat16{});
  else throw_not_implemented_for("optimizer step", param->dtype);
}

}  // namespace

void adam_step(const TensorVector& params, const TensorVector& grads,
               const TensorVector& exp_avgs, const TensorVector& exp_avg_sqs,
               const TensorVector& max_exp_avg_sqs, const TensorVector& steps,
               const AdamOptions& o) {
  const char* op = o.decoupled_weight_decay ? "adamw" : "adam";
  const size_t n = params.size();
  check_lengths(op, n, grads.size(), "gradients");
  check_lengths(op, n, exp_avgs.size(), "exp_avg tensors");
  check_lengths(op, n, exp_avg_sqs.size(), "exp_avg_sq tensors");
  check_lengths(op, n, steps.size(), "step counters");
  if (o.amsgrad) check_lengths(op, n, max_exp_avg_sqs.size(), "max_exp_avg_sq tensors");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, params[i]);
    check_like(op, params[i], grads[i], "grad");
    check_like(op, params[i], exp_avgs[i], "exp_avg");
    check_like(op, params[i], exp_avg_sqs[i], "exp_avg_sq");
    if (o.amsgrad) check_like(op, params[i], max_exp_avg_sqs[i], "max_exp_avg_sq");
  }
  GradModeGuard no_grad(false);
  for (size_t i = 0; i < n; ++i) {
    const double step = advance_step(steps[i]);
    kernels::AdamScalars s{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, 0, 0,
                           o.amsgrad, o.maximize, o.decoupled_weight_decay};
    s.step_size = o.lr / (1 - std::pow(o.beta1, step));
    s.bias_correction2_sqrt = std::pow(1 - std::pow(o.beta2, step), 0.5);
    {
      VectorRegions regions;
      s.layout.decay = regions.of(grads[i], params[i]);
      Staged p(params[i], true), g(grads[i], false), m(exp_avgs[i], true),
          v(exp_avg_sqs[i], true);
      std::optional<Staged> vmax;
      if (o.amsgrad) vmax.emplace(max_exp_avg_sqs[i], true);
      for_dtype(params[i], [&](auto zero) {
        using T = decltype(zero);
        kernels::adam_update<T>(p.data<T>(), g.data<T>(), m.data<T>(), v.data<T>(),
                                vmax ? vmax->data<T>() : nullptr, params[i]->numel(), s);
      });
    }
    bump(params[i], "addcdiv_");
    bump(exp_avgs[i], "lerp_");
    bump(exp_avg_sqs[i], "addcmul_");
    if (o.amsgrad) bump(max_exp_avg_sqs[i], "maximum_");
  }
}

OptionalTensorVector sgd_step(const TensorVector& params, const TensorVector& grads,
                              const OptionalTensorVector& momentum_buffers,
                              const SgdOptions& o) {
  const char* op = "sgd";
  const size_t n = params.size();
  check_lengths(op, n, grads.size(), "gradients");
  const bool use_momentum = o.momentum != 0;
  if (use_momentum) check_lengths(op, n, momentum_buffers.size(), "momentum buffers");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, params[i]);
    check_like(op, params[i], grads[i], "grad");
    if (use_momentum && momentum_buffers[i])
      check_like(op, params[i], *momentum_buffers[i], "momentum_buffer");
  }
  GradModeGuard no_grad(false);
  OptionalTensorVector out(n);
  for (size_t i = 0; i < n; ++i) {
    kernels::SgdScalars s{o.lr, o.momentum, o.dampening, o.weight_decay,
                          o.nesterov, o.maximize, false};
    Tensor buffer;
    if (use_momentum) {
      if (momentum_buffers[i]) {
        buffer = *momentum_buffers[i];
      } else {
        // torch's buffer is a clone of the gradient, in the gradient's layout.
        buffer = empty_like(grads[i], params[i]->dtype);
        s.fresh_buffer = true;
      }
      out[i] = buffer;
    }
    {
      VectorRegions regions;
      s.layout.decay = regions.of(grads[i], params[i]);
      s.layout.buffer = regions.of(buffer, grads[i]);
      s.layout.nesterov = regions.of(grads[i], buffer);
      s.layout.update = regions.of(params[i], use_momentum && !o.nesterov ? buffer : grads[i]);
      Staged p(params[i], true), g(grads[i], false);
      std::optional<Staged> b;
      if (buffer) b.emplace(buffer, true);
      for_dtype(params[i], [&](auto zero) {
        using T = decltype(zero);
        kernels::sgd_update<T>(p.data<T>(), g.data<T>(), b ? b->data<T>() : nullptr,
                               params[i]->numel(), s);
      });
    }
    bump(params[i], "add_");
    if (buffer && !s.fresh_buffer) bump(buffer, "add_");
  }
  return out;
}

void rmsprop_step(const TensorVector& params, const TensorVector& grads,
                  const TensorVector& square_avgs, const TensorVector& grad_avgs,
                  const TensorVector& momentum_buffers, const TensorVector& steps,
                  const RmspropOptions& o) {
  const char* op = "rmsprop";
  const size_t n = params.size();
  check_lengths(op, n, grads.size(), "gradients");
  check_lengths(op, n, square_avgs.size(), "square_avg tensors");
  check_lengths(op, n, steps.size(), "step counters");
  if (o.centered) check_lengths(op, n, grad_avgs.size(), "grad_avg tensors");
  if (o.momentum > 0) check_lengths(op, n, momentum_buffers.size(), "momentum buffers");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, params[i]);
    check_like(op, params[i], grads[i], "grad");
    check_like(op, params[i], square_avgs[i], "square_avg");
    if (o.centered) check_like(op, params[i], grad_avgs[i], "grad_avg");
    if (o.momentum > 0) check_like(op, params[i], momentum_buffers[i], "momentum_buffer");
  }
  GradModeGuard no_grad(false);
  kernels::RmspropScalars s{o.lr, o.alpha, o.eps, o.weight_decay, o.momentum,
                            o.centered, o.maximize};
  for (size_t i = 0; i < n; ++i) {
    advance_step(steps[i]);
    {
      VectorRegions regions;
      s.layout.decay = regions.of(grads[i], params[i]);
      if (o.momentum > 0) s.layout.update = regions.of(params[i], momentum_buffers[i]);
      Staged p(params[i], true), g(grads[i], false), sq(square_avgs[i], true);
      std::optional<Staged> ga, b;
      if (o.centered) ga.emplace(grad_avgs[i], true);
      if (o.momentum > 0) b.emplace(momentum_buffers[i], true);
      for_dtype(params[i], [&](auto zero) {
        using T = decltype(zero);
        kernels::rmsprop_update<T>(p.data<T>(), g.data<T>(), sq.data<T>(),
                                   ga ? ga->data<T>() : nullptr, b ? b->data<T>() : nullptr,
                                   params[i]->numel(), s);
      });
    }
    bump(params[i], "add_");
    bump(square_avgs[i], "addcmul_");
    if (o.centered) bump(grad_avgs[i], "lerp_");
    if (o.momentum > 0) bump(momentum_buffers[i], "addcdiv_");
  }
}

void adagrad_step(const TensorVector& params, const TensorVector& grads,
                  const TensorVector& state_sums, const TensorVector& steps,
                  const AdagradOptions& o) {
  const char* op = "adagrad";
  const size_t n = params.size();
  check_lengths(op, n, grads.size(), "gradients");
  check_lengths(op, n, state_sums.size(), "state_sum tensors");
  check_lengths(op, n, steps.size(), "step counters");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, params[i]);
    check_like(op, params[i], grads[i], "grad");
    check_like(op, params[i], state_sums[i], "sum");
  }
  GradModeGuard no_grad(false);
  for (size_t i = 0; i < n; ++i) {
    const double step = advance_step(steps[i]);
    kernels::AdagradScalars s{o.lr / (1 + (step - 1) * o.lr_decay), o.eps,
                              o.weight_decay, o.maximize};
    VectorRegions regions;
    s.layout.decay = regions.of(grads[i], params[i]);
    {
      Staged p(params[i], true), g(grads[i], false), sum(state_sums[i], true);
      for_dtype(params[i], [&](auto zero) {
        using T = decltype(zero);
        kernels::adagrad_update<T>(p.data<T>(), g.data<T>(), sum.data<T>(),
                                   params[i]->numel(), s);
      });
    }
    bump(params[i], "addcdiv_");
    bump(state_sums[i], "addcmul_");
  }
}

}  // namespace cgrad
