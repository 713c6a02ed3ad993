// Normalization of cgrad.nn.functional: layer_norm, group_norm, rms_norm, batch_norm; and
// cgrad.native_layer_norm.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// torch's F.layer_norm takes a tuple/list/Size of ints only (a bare int is refused).
Shape normalized_shape_arg(py::handle h, const char* op) {
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw TypeError(std::string(op) + "(): argument 'normalized_shape' (position 2) must be "
                    "tuple of ints, not " + type_name(h));
  Shape s;
  for (py::handle item : h) s.push_back(int64_from_py(item));
  return s;
}

}  // namespace

void init_normalization(py::module_& m) {
  py::module_ nn = m.attr("_nn");
  using Opt = std::optional<Tensor>;
  nn.def("layer_norm", [](const Tensor& input, py::handle normalized_shape, Opt weight, Opt bias,
                          double eps) {
    const Shape shape = normalized_shape_arg(normalized_shape, "layer_norm");
    return without_gil_if_large(input->numel(), [&] {
      return layer_norm(input, shape, or_null(weight), or_null(bias), eps);
    });
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(),
     py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
  nn.def("group_norm", [](const Tensor& input, int64_t num_groups, Opt weight, Opt bias,
                          double eps) {
    // torch's Python-level checks first: F.group_norm's rank check, then its batch-size
    // check, whose `C // num_groups` raises ZeroDivisionError for no groups.
    if (input->dim() < 2)
      throw std::runtime_error("Expected at least 2 dimensions for input tensor but received " +
                               std::to_string(input->dim()));
    if (num_groups == 0) {
      PyErr_SetString(PyExc_ZeroDivisionError, "integer division or modulo by zero");
      throw py::error_already_set();
    }
    int64_t per_group = input->sizes[0] * input->sizes[1] / num_groups;
    for (int64_t d = 2; d < input->dim(); ++d) per_group *= input->sizes[d];
    if (per_group == 1) {
      std::string size = "[" + std::to_string(input->sizes[0] * input->sizes[1] / num_groups) +
                         ", " + std::to_string(num_groups);
      for (int64_t d = 2; d < input->dim(); ++d) size += ", " + std::to_string(input->sizes[d]);
      throw ValueError("Expected more than 1 value per channel when training, got input size " +
                       size + "]");
    }
    return without_gil_if_large(input->numel(), [&] {
      return group_norm(input, num_groups, or_null(weight), or_null(bias), eps);
    });
  }, py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(),
     py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
  nn.def("rms_norm", [](const Tensor& input, py::handle normalized_shape, Opt weight,
                        std::optional<double> eps) {
    const Shape shape = normalized_shape_arg(normalized_shape, "rms_norm");
    // torch warns once per process (TORCH_WARN_ONCE).
    static bool warned = false;
    if (weight && *weight && (*weight)->dtype != input->dtype && !warned &&
        is_floating(input->dtype) && is_floating((*weight)->dtype) && (warned = true))
      if (PyErr_WarnEx(PyExc_UserWarning,
                       ("Mismatch dtype between input and weight: input dtype = " +
                        std::string(dtype_cpp_name(input->dtype)) + ", weight dtype = " +
                        dtype_cpp_name((*weight)->dtype) +
                        ", Cannot dispatch to fused implementation.").c_str(), 1) < 0)
        throw py::error_already_set();
    return rms_norm(input, shape, or_null(weight), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(),
     py::arg("eps") = py::none());
  m.def("native_layer_norm", [](const Tensor& input, py::handle normalized_shape, Opt weight,
                                Opt bias, double eps) {
    const Shape shape = normalized_shape_arg(normalized_shape, "native_layer_norm");
    auto [out, mean, rstd] = native_layer_norm(input, shape, or_null(weight), or_null(bias), eps);
    return py::make_tuple(out, mean, rstd);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight"), py::arg("bias"),
     py::arg("eps"));

  nn.def("batch_norm", [](const Tensor& input, Opt running_mean, Opt running_var, Opt weight,
                          Opt bias, bool training, double momentum, double eps) {
    // torch's Python-level check: batch statistics need two values per channel.
    if (training) {
      int64_t per_channel = input->dim() > 0 ? input->sizes[0] : 1;
      for (int64_t d = 2; d < input->dim(); ++d) per_channel *= input->sizes[d];
      if (per_channel == 1)
        throw ValueError("Expected more than 1 value per channel when training, got input size "
                         "cgrad.Size(" + shape_str(input->sizes) + ")");
    }
    return without_gil_if_large(input->numel(), [&] {
      return batch_norm(input, or_null(running_mean), or_null(running_var), or_null(weight),
                        or_null(bias), training, momentum, eps);
    });
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"),
     py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("training") = false,
     py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
}

}  // namespace cgrad::bindings
