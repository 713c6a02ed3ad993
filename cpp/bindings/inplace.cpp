// In-place methods and operators (x.add_(y), x += y): they return self.
#include "bindings.h"

namespace cgrad::bindings {

namespace {
using InplaceFn = Tensor& (*)(Tensor&, const Tensor&);

// For `x += y`: NotImplemented on a foreign operand lets Python raise TypeError.
auto inplace_operator(InplaceFn f) {
  return [f](py::object self_obj, py::handle other) -> py::object {
    Tensor o = as_operand(other);
    if (!o) return not_implemented();
    Tensor self = self_obj.cast<Tensor>();
    f(self, o);
    return self_obj;
  };
}

auto inplace_method(InplaceFn f, const char* name) {
  return [f, name](py::object self_obj, py::handle other) {
    Tensor self = self_obj.cast<Tensor>();
    f(self, operand_or_throw(other, name));
    return self_obj;
  };
}
}  // namespace

void init_inplace(py::module_& m, TensorClass& cls) {
  const std::pair<const char*, InplaceFn> ops[] = {
      {"add_", &add_}, {"sub_", &sub_}, {"mul_", &mul_}, {"div_", &div_}};
  for (auto [name, fn] : ops) cls.def(name, inplace_method(fn, name), py::arg("other"));
  cls.def("__iadd__", inplace_operator(&add_))
      .def("__isub__", inplace_operator(&sub_))
      .def("__imul__", inplace_operator(&mul_))
      .def("__itruediv__", inplace_operator(&div_))
      .def("zero_", [](py::object self) {
        Tensor t = self.cast<Tensor>();
        zero_(t);
        return self;
      })
      .def("fill_", [](py::object self, double v) {
        Tensor t = self.cast<Tensor>();
        fill_(t, v);
        return self;
      }, py::arg("value"));
}

}  // namespace cgrad::bindings
