// Reductions: sum, mean, norm — as methods and functions.
#include "bindings.h"

namespace cgrad::bindings {

void init_reduction(py::module_& m, TensorClass& cls) {
  def_method_and_function(
      m, cls, "sum",
      [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
        return sum(t, dims_from_py(dim), keepdim, optional_dtype(dtype));
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
      py::arg("dtype") = py::none());
  def_method_and_function(
      m, cls, "mean",
      [](const Tensor& t, py::object dim, bool keepdim, py::object dtype) {
        return mean(t, dims_from_py(dim), keepdim, optional_dtype(dtype));
      },
      py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
      py::arg("dtype") = py::none());
  def_method_and_function(
      m, cls, "norm",
      [](const Tensor& t, py::object p, py::object dim, bool keepdim) {
        return norm(t, norm_order(p), dims_from_py(dim), keepdim);
      },
      py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false);
}

}  // namespace cgrad::bindings
