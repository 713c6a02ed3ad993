// Activations: cgrad.nn.functional's functions (the `_nn` submodule, re-exported by
// python/cgrad/nn/functional.py) and softmax/log_softmax as methods and cgrad functions.
#include <algorithm>
#include <functional>
#include <string>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
using UnaryFn = Tensor (*)(const Tensor&);

// Note [Functional inplace=True]: writing an activation back into its input goes through
// apply_inplace (cgrad/ops/inplace.h), which records the out-of-place op's node. For relu
// and silu that is the node torch records too; torch's leaky_relu_/elu_ record other
// nodes (LeakyReluBackward1 / EluBackward1, saving the result), which we don't have, so
// those are refused while a graph is being recorded.
Tensor run_maybe_inplace(const Tensor& input, bool inplace, const char* name,
                         const std::function<Tensor(const Tensor&)>& f, bool same_node) {
  if (!inplace) return without_gil_if_large(input->numel(), [&] { return f(input); });
  if (!same_node && GradMode::records() && input->requires_grad())
    throw NotImplementedError(std::string(name) + " (inplace=True) on a tensor that requires "
                              "grad is not supported yet; use inplace=False");
  Tensor self = input;
  check_inplace_overlap(self, {});
  apply_inplace(self, name, [&] { return f(self); });
  return self;
}

GeluApproximation gelu_approximation(const std::string& approximate) {
  if (approximate == "none") return GeluApproximation::None;
  if (approximate == "tanh") return GeluApproximation::Tanh;
  throw std::runtime_error("approximate argument must be either none or tanh.");
}

// nn.functional.softmax's legacy dim=None: torch picks 0 for 0-, 1- and 3-d inputs, else 1,
// and warns that the implicit choice is deprecated. torch's `_stacklevel` counts two
// Python frames of its own (softmax and its helper) that we don't have.
int64_t softmax_dim(py::handle dim, const Tensor& input, const char* name, int stacklevel) {
  if (!dim.is_none()) return dim_from_py(dim);
  stacklevel = std::max(stacklevel - 2, 1);
  std::string message = std::string("Implicit dimension choice for ") + name +
                        " has been deprecated. Change the call to include dim=X as an "
                        "argument.";
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), stacklevel) != 0)
    throw py::error_already_set();
  const int64_t nd = input->dim();
  return (nd == 0 || nd == 1 || nd == 3) ? 0 : 1;
}
}  // namespace

void init_activation(py::module_& m, TensorClass& cls) {
  py::module_ nn = m.def_submodule("_nn");

  nn.def("relu", [](const Tensor& input, bool inplace) {
    return run_maybe_inplace(input, inplace, "relu_", relu, true);
  }, py::arg("input"), py::arg("inplace") = false);
  nn.def("silu", [](const Tensor& input, bool inplace) {
    return run_maybe_inplace(input, inplace, "silu_", silu, true);
  }, py::arg("input"), py::arg("inplace") = false);
  nn.def("leaky_relu", [](const Tensor& input, double negative_slope, bool inplace) {
    return run_maybe_inplace(input, inplace, "leaky_relu_",
                             [=](const Tensor& x) { return leaky_relu(x, negative_slope); }, false);
  }, py::arg("input"), py::arg("negative_slope") = 0.01, py::arg("inplace") = false);
  nn.def("elu", [](const Tensor& input, double alpha, bool inplace) {
    return run_maybe_inplace(input, inplace, "elu_",
                             [=](const Tensor& x) { return elu(x, alpha); }, false);
  }, py::arg("input"), py::arg("alpha") = 1.0, py::arg("inplace") = false);
  nn.def("gelu", [](const Tensor& input, const std::string& approximate) {
    const GeluApproximation approx = gelu_approximation(approximate);
    return without_gil_if_large(input->numel(), [&] { return gelu(input, approx); });
  }, py::arg("input"), py::arg("approximate") = "none");
  nn.def("softplus", [](const Tensor& input, double beta, double threshold) {
    return without_gil_if_large(input->numel(), [&] { return softplus(input, beta, threshold); });
  }, py::arg("input"), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  nn.def("sigmoid", [](const Tensor& input) { return call_op(&sigmoid, input); },
         py::arg("input"));
  nn.def("tanh", [](const Tensor& input) { return call_op(static_cast<UnaryFn>(&tanh), input); },
         py::arg("input"));

  using SoftmaxFn = Tensor (*)(const Tensor&, int64_t, std::optional<DType>);
  const std::pair<const char*, SoftmaxFn> softmaxes[] = {{"softmax", &softmax},
                                                         {"log_softmax", &log_softmax}};
  for (auto [name, fn] : softmaxes) {
    nn.def(name, [fn = fn, name = name](const Tensor& input, py::handle dim, int stacklevel,
                                        py::handle dtype) {
      const int64_t d = softmax_dim(dim, input, name, stacklevel);
      const auto dt = optional_dtype(dtype);
      return without_gil_if_large(input->numel(), [&] { return fn(input, d, dt); });
    }, py::arg("input"), py::arg("dim") = py::none(), py::arg("_stacklevel") = 3,
       py::arg("dtype") = py::none());
    // Tensor.softmax(dim) / cgrad.softmax(input, dim): dim required, dtype keyword-only.
    def_method_and_function(m, cls, name, [fn = fn](const Tensor& input, py::handle dim,
                                                    py::handle dtype) {
      const int64_t d = dim_from_py(dim);
      const auto dt = optional_dtype(dtype);
      return without_gil_if_large(input->numel(), [&] { return fn(input, d, dt); });
    }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  }
}

}  // namespace cgrad::bindings
