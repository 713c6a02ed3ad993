// The math functions beyond the basic pointwise ops: exp2, sinc, square, positive,
// polygamma, logit, logaddexp(2), hypot, xlogy, nan_to_num, isclose/allclose/equal, with
// the in-place functions torch has (exp2_, sinc_, square_, logit_, xlogy_, nan_to_num_;
// the methods come from init_inplace) and the method polygamma_.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
std::optional<double> optional_number(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return h.cast<double>();
}

// torch.exp2_(t, ...) and friends: the method, called on the tensor.
auto inplace_function(const char* method) {
  return [method](py::object self, py::args args, py::kwargs kwargs) {
    if (!py::isinstance<TensorImpl>(self))
      throw TypeError(std::string(method) + "(): argument 'input' (position 1) must be Tensor, not " +
                      type_name(self));
    return self.attr(method)(*args, **kwargs);
  };
}

// polygamma(n, input): n first in the function, the only argument of the methods; the
// in-place method is its own op (PolygammaBackward1), not the function written back.
void def_polygamma(py::module_& m, TensorClass& cls) {
  m.def("polygamma", [](int64_t n, const Tensor& input) {
    return call_op([n](const Tensor& a) { return polygamma(n, a); }, input);
  }, py::arg("n"), py::arg("input"));
  cls.def("polygamma", [](const Tensor& self, int64_t n) {
    return call_op([n](const Tensor& a) { return polygamma(n, a); }, self);
  }, py::arg("n"));
  cls.def("polygamma_", [](py::object self_obj, int64_t n) {
    Tensor self = self_obj.cast<Tensor>();
    check_inplace_overlap(self, {});
    polygamma_(self, n);
    return self_obj;
  }, py::arg("n"));
}
}  // namespace

void init_math_functions(py::module_& m, TensorClass& cls) {
  using UnaryFn = Tensor (*)(const Tensor&);
  for (auto [name, fn] : {std::pair<const char*, UnaryFn>{"exp2", &exp2}, {"sinc", &sinc},
                          {"square", &square}})
    def_method_and_function(m, cls, name, [fn = fn](const Tensor& a) { return call_op(fn, a); });
  for (auto [name, fn] : {std::pair<const char*, BinaryFn>{"logaddexp", &logaddexp},
                          {"logaddexp2", &logaddexp2},
                          {"hypot", &hypot}})
    def_method_and_function(m, cls, name, [fn = fn](const Tensor& a, const Tensor& b) {
      return call_op(fn, a, b);
    }, py::arg("other"));

  // xlogy takes a number on either side (XlogyBackward1 / XlogyBackward2).
  cls.def("xlogy", [](const Tensor& x, py::handle other) {
    return call_op(&xlogy, x, operand_or_throw(other, "xlogy"));
  }, py::arg("other"));
  m.def("xlogy", [](py::handle input, py::handle other) {
    Tensor x = as_operand(input), y = as_operand(other);
    if (!x || !y || (x->is_wrapped_number && y->is_wrapped_number))
      throw TypeError("xlogy(): expected a Tensor for 'input' or 'other', got " +
                      type_name(input) + " and " +
                      type_name(other));
    return call_op(&xlogy, x, y);
  }, py::arg("input"), py::arg("other"));

  def_method_and_function(
      m, cls, "nan_to_num",
      [](const Tensor& a, py::handle nan, py::handle posinf, py::handle neginf) {
        const auto n = optional_number(nan), p = optional_number(posinf), q = optional_number(neginf);
        return without_gil_if_large(a->numel(), [&] { return nan_to_num(a, n, p, q); });
      },
      py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());

  def_method_and_function(
      m, cls, "isclose",
      [](const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
        return without_gil_if_large(std::max(a->numel(), b->numel()),
                                    [&] { return isclose(a, b, rtol, atol, equal_nan); });
      },
      py::arg("other"), py::arg("rtol") = 1e-05, py::arg("atol") = 1e-08,
      py::arg("equal_nan") = false);
  def_method_and_function(
      m, cls, "allclose",
      [](const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
        return without_gil_if_large(std::max(a->numel(), b->numel()),
                                    [&] { return allclose(a, b, rtol, atol, equal_nan); });
      },
      py::arg("other"), py::arg("rtol") = 1e-05, py::arg("atol") = 1e-08,
      py::arg("equal_nan") = false);
  def_method_and_function(m, cls, "equal", [](const Tensor& a, const Tensor& b) {
    return without_gil_if_large(std::max(a->numel(), b->numel()), [&] { return equal(a, b); });
  },
                          py::arg("other"));

  // +x: the input itself (the same object), as torch returns it.
  auto positive = [](const Tensor& a) {
    if (a->dtype == DType::Bool)
      throw std::runtime_error("The `+` operator, on a bool tensor is not supported.");
    return a;
  };
  def_method_and_function(m, cls, "positive", positive);
  cls.def("__pos__", positive);

  def_polygamma(m, cls);
  def_method_and_function(m, cls, "logit", [](const Tensor& a, std::optional<double> eps) {
    return call_op([eps](const Tensor& x) { return logit(x, eps); }, a);
  }, py::arg("eps") = py::none());

  for (const char* name : {"exp2_", "sinc_", "square_", "logit_", "xlogy_", "nan_to_num_"})
    m.def(name, inplace_function(name));
}

}  // namespace cgrad::bindings
