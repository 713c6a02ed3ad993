// Losses of cgrad.nn.functional: mse_loss, l1_loss, nll_loss, cross_entropy,
// binary_cross_entropy, binary_cross_entropy_with_logits; and the Scalar-overload arithmetic
// the losses composed in Python record.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// `reduction`, or the deprecated size_average/reduce pair when either is given.
LossReduction reduction_of(py::handle size_average, py::handle reduce, const std::string& reduction) {
  if (!size_average.is_none() || !reduce.is_none()) {
    // Read by truth value, as torch's Python code reads them.
    const bool average = size_average.is_none() || PyObject_IsTrue(size_average.ptr()) == 1;
    const bool reduced = reduce.is_none() || PyObject_IsTrue(reduce.ptr()) == 1;
    return !reduced ? LossReduction::None : (average ? LossReduction::Mean : LossReduction::Sum);
  }
  if (reduction == "mean") return LossReduction::Mean;
  if (reduction == "sum") return LossReduction::Sum;
  if (reduction == "none") return LossReduction::None;
  throw ValueError(reduction + " is not a valid value for reduction");
}

// torch warns when a regression target broadcasts against the input.
void warn_if_broadcasting(const Tensor& input, const Tensor& target) {
  if (input->sizes == target->sizes) return;
  std::string msg = "Using a target size (cgrad.Size(" + shape_str(target->sizes) +
                    ")) that is different to the input size (cgrad.Size(" +
                    shape_str(input->sizes) +
                    ")). This will likely lead to incorrect results due to broadcasting. "
                    "Please ensure they have the same size.";
  if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
}

}  // namespace

void init_loss(py::module_& m) {
  py::module_ nn = m.attr("_nn");
  using Opt = std::optional<Tensor>;
  // The Scalar overloads torch's C++ composites record (AddBackward1, SubBackward1,
  // MulBackward1), for the losses nn.functional composes in Python.
  nn.def("_add_scalar", &add_scalar, py::arg("input"), py::arg("other"));
  nn.def("_sub_scalar", &sub_scalar, py::arg("input"), py::arg("other"));
  nn.def("_mul_scalar", &mul_scalar, py::arg("input"), py::arg("other"));
  for (auto [name, fn] : {std::pair{"mse_loss", &mse_loss}, std::pair{"l1_loss", &l1_loss}})
    nn.def(name, [fn = fn](const Tensor& input, const Tensor& target, py::object size_average,
                           py::object reduce, const std::string& reduction) {
      warn_if_broadcasting(input, target);
      const LossReduction r = reduction_of(size_average, reduce, reduction);
      return without_gil_if_large(input->numel(), [&] { return fn(input, target, r); });
    }, py::arg("input"), py::arg("target"), py::arg("size_average") = py::none(),
       py::arg("reduce") = py::none(), py::arg("reduction") = "mean");
  nn.def("smooth_l1_loss", [](const Tensor& input, const Tensor& target, py::object size_average,
                             py::object reduce, const std::string& reduction, double beta) {
    warn_if_broadcasting(input, target);
    const LossReduction r = reduction_of(size_average, reduce, reduction);
    return without_gil_if_large(input->numel(), [&] {
      return smooth_l1_loss(input, target, r, beta);
    });
  }, py::arg("input"), py::arg("target"), py::arg("size_average") = py::none(),
     py::arg("reduce") = py::none(), py::arg("reduction") = "mean", py::arg("beta") = 1.0);
  nn.def("huber_loss", [](const Tensor& input, const Tensor& target, const std::string& reduction,
                         double delta) {
    warn_if_broadcasting(input, target);
    const LossReduction r = reduction_of(py::none(), py::none(), reduction);
    return without_gil_if_large(input->numel(), [&] {
      return huber_loss(input, target, r, delta);
    });
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("delta") = 1.0);
  nn.def("nll_loss", [](const Tensor& input, const Tensor& target, Opt weight, py::object size_average,
                        int64_t ignore_index, py::object reduce, const std::string& reduction) {
    const LossReduction r = reduction_of(size_average, reduce, reduction);
    return without_gil_if_large(input->numel(), [&] {
      return nll_loss(input, target, or_null(weight), r, ignore_index);
    });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
     py::arg("size_average") = py::none(), py::arg("ignore_index") = -100,
     py::arg("reduce") = py::none(), py::arg("reduction") = "mean");
  nn.def("cross_entropy", [](const Tensor& input, const Tensor& target, Opt weight,
                             py::object size_average, int64_t ignore_index, py::object reduce,
                             const std::string& reduction, double label_smoothing) {
    const LossReduction r = reduction_of(size_average, reduce, reduction);
    return without_gil_if_large(input->numel(), [&] {
      return cross_entropy(input, target, or_null(weight), r, ignore_index, label_smoothing);
    });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
     py::arg("size_average") = py::none(), py::arg("ignore_index") = -100,
     py::arg("reduce") = py::none(), py::arg("reduction") = "mean", py::arg("label_smoothing") = 0.0);
  nn.def("binary_cross_entropy", [](const Tensor& input, const Tensor& target, Opt weight,
                                    py::object size_average, py::object reduce,
                                    const std::string& reduction) {
    const LossReduction r = reduction_of(size_average, reduce, reduction);
    return without_gil_if_large(input->numel(), [&] {
      return binary_cross_entropy(input, target, or_null(weight), r);
    });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
     py::arg("size_average") = py::none(), py::arg("reduce") = py::none(),
     py::arg("reduction") = "mean");
  nn.def("binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target, Opt weight,
                                                py::object size_average, py::object reduce,
                                                const std::string& reduction, Opt pos_weight) {
    const LossReduction r = reduction_of(size_average, reduce, reduction);
    return without_gil_if_large(input->numel(), [&] {
      return binary_cross_entropy_with_logits(input, target, or_null(weight), or_null(pos_weight), r);
    });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
     py::arg("size_average") = py::none(), py::arg("reduce") = py::none(),
     py::arg("reduction") = "mean", py::arg("pos_weight") = py::none());
}

}  // namespace cgrad::bindings
