// cgrad._C._optim: the whole-list optimizer steps behind cgrad.optim (one call per step).
#include "bindings.h"
#include "cgrad/ops/optim.h"

namespace cgrad::bindings {

namespace {
int64_t total_numel(const TensorVector& params) {
  int64_t total = 0;
  for (const Tensor& p : params)
    if (p) total += p->numel();
  return total;
}
// As Note [GIL release], judged on all the parameters of the step together.
template <class F> auto without_gil_if_large_step(const TensorVector& params, F&& f) {
  return without_gil_if_large(total_numel(params), std::forward<F>(f));
}
}  // namespace

void init_optim(py::module_& m) {
  py::module_ optim = m.def_submodule("_optim", "Fused optimizer steps behind cgrad.optim");
  optim.def(
      "adam_step",
      [](const TensorVector& params, const TensorVector& grads, const TensorVector& exp_avgs,
         const TensorVector& exp_avg_sqs, const TensorVector& max_exp_avg_sqs,
         const TensorVector& steps, double lr, double beta1, double beta2, double eps,
         double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
        const AdamOptions o{lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
                            decoupled_weight_decay};
        without_gil_if_large_step(params, [&] {
          adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, o);
          return 0;
        });
      },
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"),
      py::arg("max_exp_avg_sqs"), py::arg("steps"), py::kw_only(), py::arg("lr"),
      py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
      py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"),
      "One Adam/AdamW step over every parameter, updating params and state in place.");
  optim.def(
      "sgd_step",
      [](const TensorVector& params, const TensorVector& grads,
         const OptionalTensorVector& momentum_buffers, double lr, double momentum,
         double dampening, double weight_decay, bool nesterov, bool maximize) {
        const SgdOptions o{lr, momentum, dampening, weight_decay, nesterov, maximize};
        return without_gil_if_large_step(
            params, [&] { return sgd_step(params, grads, momentum_buffers, o); });
      },
      py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::kw_only(),
      py::arg("lr"), py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"),
      py::arg("nesterov"), py::arg("maximize"),
      "One SGD step; returns the momentum buffers (new ones made from the gradient).");
  optim.def(
      "rmsprop_step",
      [](const TensorVector& params, const TensorVector& grads, const TensorVector& square_avgs,
         const TensorVector& grad_avgs, const TensorVector& momentum_buffers,
         const TensorVector& steps, double lr, double alpha, double eps, double weight_decay,
         double momentum, bool centered, bool maximize) {
        const RmspropOptions o{lr, alpha, eps, weight_decay, momentum, centered, maximize};
        without_gil_if_large_step(params, [&] {
          rmsprop_step(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, o);
          return 0;
        });
      },
      py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("grad_avgs"),
      py::arg("momentum_buffers"), py::arg("steps"), py::kw_only(), py::arg("lr"),
      py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"),
      py::arg("centered"), py::arg("maximize"), "One RMSprop step over every parameter.");
  optim.def(
      "adagrad_step",
      [](const TensorVector& params, const TensorVector& grads, const TensorVector& state_sums,
         const TensorVector& steps, double lr, double lr_decay, double weight_decay, double eps,
         bool maximize) {
        const AdagradOptions o{lr, lr_decay, weight_decay, eps, maximize};
        without_gil_if_large_step(params, [&] {
          adagrad_step(params, grads, state_sums, steps, o);
          return 0;
        });
      },
      py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("steps"),
      py::kw_only(), py::arg("lr"), py::arg("lr_decay"), py::arg("weight_decay"),
      py::arg("eps"), py::arg("maximize"), "One Adagrad step over every parameter.");
}

}  // namespace cgrad::bindings
