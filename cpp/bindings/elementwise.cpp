// Arithmetic, comparisons and pointwise math: operators, methods and functions.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

void init_elementwise(py::module_& m, TensorClass& cls) {
  cls.def("__add__", forward_op(&add))
      .def("__radd__", forward_op(&add))
      .def("__sub__", forward_op(&sub))
      .def("__rsub__", forward_op(&rsub))
      .def("__mul__", forward_op(&mul))
      .def("__rmul__", forward_op(&mul))
      .def("__truediv__", forward_op(&div))
      .def("__rtruediv__", [](const Tensor& self, py::handle other) -> py::object {
        Tensor o = as_operand(other);  // torch: other / self == self.reciprocal() * other
        if (!o) return not_implemented();
        return py::cast(mul(reciprocal(self), o));
      })
      .def("__pow__", forward_op(&pow))
      .def("__rpow__", reflected_op(&pow))
      .def("__neg__", &neg)
      .def("__abs__", &abs)
      .def("__eq__", forward_op(&eq))
      .def("__ne__", forward_op(&ne))
      .def("__lt__", forward_op(&lt))
      .def("__le__", forward_op(&le))
      .def("__gt__", forward_op(&gt))
      .def("__ge__", forward_op(&ge));

  const std::pair<const char*, BinaryFn> binary[] = {
      {"add", &add}, {"sub", &sub}, {"mul", &mul}, {"div", &div}, {"eq", &eq},
      {"ne", &ne},   {"lt", &lt},   {"le", &le},   {"gt", &gt},   {"ge", &ge}};
  for (auto [name, fn] : binary)
    def_method_and_function(m, cls, name, named_op(fn, name), py::arg("other"));
  // pow alone also takes a number as the base: cgrad.pow(2, x) (PowBackward2).
  cls.def("pow", named_op(&pow, "pow"), py::arg("exponent"));
  m.def("pow", [](py::handle base, py::handle exponent) {
    if (!py::isinstance<TensorImpl>(base) && !py::isinstance<TensorImpl>(exponent))
      throw TypeError("pow(): one of 'input' and 'exponent' must be a Tensor");
    return pow(operand_or_throw(base, "pow"), operand_or_throw(exponent, "pow"));
  }, py::arg("input"), py::arg("exponent"));

  using UnaryFn = Tensor (*)(const Tensor&);
  const std::pair<const char*, UnaryFn> unary[] = {
      {"neg", &neg},         {"reciprocal", &reciprocal}, {"sin", &sin},   {"cos", &cos},
      {"exp", &exp},         {"log", &log},               {"tanh", &tanh}, {"sigmoid", &sigmoid},
      {"relu", &relu},       {"sqrt", &sqrt},             {"abs", &abs},   {"sign", &sign}};
  for (auto [name, fn] : unary) def_method_and_function(m, cls, name, fn);

  m.def("where", [](const Tensor& cond, py::handle a, py::handle b) {
    Tensor ta = as_operand(a), tb = as_operand(b);
    if (!ta || !tb) throw TypeError("where(): arguments must be Tensors or Numbers");
    return where(cond, ta, tb);
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
}

}  // namespace cgrad::bindings
