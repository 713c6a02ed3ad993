// Shape changes and copies: reshape, unsqueeze, expand, clone, contiguous.
#include "bindings.h"

namespace cgrad::bindings {

void init_view(py::module_& m, TensorClass& cls) {
  cls.def("reshape", [](const Tensor& t, py::args shape) {
       return reshape(t, sizes_from_args(shape, "reshape"));
     })
      .def("expand", [](const Tensor& t, py::args shape) {
        return expand(t, sizes_from_args(shape, "expand"));
      });
  m.def("reshape", [](const Tensor& t, py::handle shape) {
    return reshape(t, sizes_from_args(py::make_tuple(shape), "reshape"));
  }, py::arg("input"), py::arg("shape"));
  def_method_and_function(m, cls, "unsqueeze", &unsqueeze, py::arg("dim"));
  def_method_and_function(m, cls, "clone", &clone);
  cls.def("contiguous", &contiguous);
}

}  // namespace cgrad::bindings
