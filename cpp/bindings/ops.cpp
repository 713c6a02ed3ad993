// Module-level functions: cgrad.sin(x), cgrad.sum(x, dim), cgrad.add(a, b), ...
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

// cgrad.add(a, b) where either side may be a Python scalar.
auto binary_function(BinaryFn f, const char* name) {
  return [f, name](py::handle a, py::handle b) {
    Tensor ta = as_operand(a), tb = as_operand(b);
    if (!ta || !tb || !py::isinstance<TensorImpl>(py::isinstance<TensorImpl>(a) ? a : b))
      throw TypeError(std::string(name) + "(): arguments must be a Tensor and a Tensor or Number");
    return f(ta, tb);
  };
}
}  // namespace

void init_ops(py::module_& m) {
  m.def("add", binary_function(&add, "add"));
  m.def("sub", binary_function(&sub, "sub"));
  m.def("mul", binary_function(&mul, "mul"));
  m.def("div", binary_function(&div, "div"));
  m.def("pow", binary_function(&pow, "pow"));
  m.def("eq", binary_function(&eq, "eq"));
  m.def("ne", binary_function(&ne, "ne"));
  m.def("lt", binary_function(&lt, "lt"));
  m.def("le", binary_function(&le, "le"));
  m.def("gt", binary_function(&gt, "gt"));
  m.def("ge", binary_function(&ge, "ge"));
  m.def("neg", &neg);
  m.def("reciprocal", &reciprocal);
  m.def("sin", &sin, "Elementwise sine.");
  m.def("cos", &cos, "Elementwise cosine.");
  m.def("exp", &exp, "Elementwise e**x.");
  m.def("log", &log, "Elementwise natural logarithm.");
  m.def("tanh", &tanh, "Elementwise hyperbolic tangent.");
  m.def("sigmoid", &sigmoid, "Elementwise 1 / (1 + e**-x).");
  m.def("relu", &relu, "Elementwise max(x, 0).");
  m.def("sqrt", &sqrt, "Elementwise square root.");
  m.def("abs", &abs, "Elementwise absolute value.");
  m.def("sign", &sign, "Elementwise sign (-1, 0 or 1).");
  m.def("where", [](const Tensor& cond, py::handle a, py::handle b) {
    Tensor ta = as_operand(a), tb = as_operand(b);
    if (!ta || !tb) throw TypeError("where(): arguments must be Tensors or Numbers");
    return where(cond, ta, tb);
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
  m.def("sum", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
    return sum(t, dims_from_py(dim), keepdim, optional_dtype(dtype));
  }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none(), "Sum over all elements, or over dim(s).");
  m.def("mean", [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
    return mean(t, dims_from_py(dim), keepdim, optional_dtype(dtype));
  }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none(), "Mean over all elements, or over dim(s).");
  m.def("norm", [](const Tensor& t, py::object p, py::object dim, bool keepdim) {
    return norm(t, norm_order(p), dims_from_py(dim), keepdim);
  }, py::arg("input"), py::arg("p") = "fro", py::arg("dim") = py::none(),
     py::arg("keepdim") = false, "The p-norm over all elements, or over dim(s).");
}

}  // namespace cgrad::bindings
