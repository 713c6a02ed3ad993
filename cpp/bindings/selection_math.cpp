// take, take_along_dim, masked_select, diff, kron, inner, tensordot, pairwise_distance and
// cdist (methods where torch has them, and functions).
#include <cmath>
#include <string>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// A diff prepend= / append= argument: None or a tensor.
Tensor optional_tensor(py::handle h, const char* arg) {
  if (h.is_none()) return nullptr;
  if (!py::isinstance<TensorImpl>(h))
    throw TypeError(std::string("diff(): argument '") + arg + "' must be Tensor, not " + type_name(h));
  return h.cast<Tensor>();
}

[[noreturn]] void bad_tensordot_dims(py::handle dims) {
  throw std::runtime_error(
      "tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
      "containing two lists, but got dims=" + std::string(py::str(dims)));
}

// One of tensordot's two dim lists: a sequence of ints (or one int).
DimList tensordot_dim_list(py::handle h, py::handle dims) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return {unpack_int64(h)};
  if (!PySequence_Check(h.ptr()) || py::isinstance<py::str>(h)) bad_tensordot_dims(dims);
  DimList out;
  for (py::handle d : h) {
    if (!PyLong_Check(d.ptr()) || PyBool_Check(d.ptr())) bad_tensordot_dims(dims);
    out.push_back(unpack_int64(d));
  }
  return out;
}

Tensor tensordot_any(const Tensor& a, const Tensor& b, py::handle dims) {
  py::object spec = py::reinterpret_borrow<py::object>(dims);
  if (py::isinstance<TensorImpl>(dims)) spec = dims.attr("tolist")();  // a 0-d count or two rows
  if (PyLong_Check(spec.ptr()) && !PyBool_Check(spec.ptr()))
    return tensordot(a, b, unpack_int64(spec));
  if ((py::isinstance<py::tuple>(spec) || py::isinstance<py::list>(spec)) && py::len(spec) == 2)
    return tensordot(a, b, tensordot_dim_list(spec[py::int_(0)], dims),
                     tensordot_dim_list(spec[py::int_(1)], dims));
  bad_tensordot_dims(dims);
}

CdistMode cdist_mode(py::handle mode) {
  if (mode.is_none()) return CdistMode::MmIfNecessary;
  const std::string name = py::str(mode);
  if (name == "use_mm_for_euclid_dist_if_necessary") return CdistMode::MmIfNecessary;
  if (name == "use_mm_for_euclid_dist") return CdistMode::AlwaysMm;
  if (name == "donot_use_mm_for_euclid_dist") return CdistMode::NeverMm;
  throw ValueError(name + " is not a valid value for compute_mode");
}

}  // namespace

void init_selection_math(py::module_& m, TensorClass& cls) {
  def_method_and_function(m, cls, "take", [](const Tensor& t, const Tensor& index) {
    return take(t, index);
  }, py::arg("index"));
  def_method_and_function(m, cls, "take_along_dim",
                          [](const Tensor& t, const Tensor& indices, std::optional<int64_t> dim) {
    return take_along_dim(t, indices, dim);
  }, py::arg("indices"), py::arg("dim") = py::none());
  def_method_and_function(m, cls, "masked_select", [](const Tensor& t, const Tensor& mask) {
    return call_op(&masked_select, t, mask);
  }, py::arg("mask"));

  def_method_and_function(m, cls, "diff", [](const Tensor& t, int64_t n, int64_t dim,
                                             py::handle prepend, py::handle append) {
    return diff(t, n, dim, optional_tensor(prepend, "prepend"), optional_tensor(append, "append"));
  }, py::arg("n") = 1, py::arg("dim") = -1, py::arg("prepend") = py::none(),
     py::arg("append") = py::none());

  def_method_and_function(m, cls, "kron", [](const Tensor& a, const Tensor& b) {
    return call_op(&kron, a, b);
  }, py::arg("other"));
  def_method_and_function(m, cls, "inner", [](const Tensor& a, const Tensor& b) {
    return call_op(&inner, a, b);
  }, py::arg("other"));
  m.def("tensordot", [](const Tensor& a, const Tensor& b, py::handle dims) {
    return tensordot_any(a, b, dims);
  }, py::arg("a"), py::arg("b"), py::arg("dims") = 2);

  m.def("pairwise_distance", [](const Tensor& x1, const Tensor& x2, double p, double eps,
                                bool keepdim) { return pairwise_distance(x1, x2, p, eps, keepdim); },
        py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0, py::arg("eps") = 1e-6,
        py::arg("keepdim") = false);
  m.def("cdist", [](const Tensor& x1, const Tensor& x2, double p, py::handle mode) {
    const CdistMode how = cdist_mode(mode);
    return without_gil_if_large(std::max(x1->numel(), x2->numel()),
                                [&] { return cdist(x1, x2, p, how); });
  }, py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0,
     py::arg("compute_mode") = "use_mm_for_euclid_dist_if_necessary");
}

}  // namespace cgrad::bindings
