// Arithmetic, comparisons, logical/bitwise ops and pointwise math: operators, methods and
// functions.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

// For ops whose `other` must be a Tensor (torch has no Scalar overload): minimum, atan2...
Tensor tensor_arg(py::handle h, const char* op, const char* arg) {
  if (!py::isinstance<TensorImpl>(h))
    throw TypeError(std::string(op) + "(): argument '" + arg + "' must be Tensor, not " +
                    type_name(h));
  return h.cast<Tensor>();
}
auto tensor_op(BinaryFn f, const char* name) {
  return [f, name](const Tensor& self, py::handle other) {
    return f(self, tensor_arg(other, name, "other"));
  };
}
// Functions that also take a number as the first operand (cgrad.remainder(2, x)).
auto scalar_first_function(BinaryFn f, const char* name) {
  return [f, name](py::handle input, py::handle other) {
    if (!py::isinstance<TensorImpl>(input) && !py::isinstance<TensorImpl>(other))
      throw TypeError(std::string(name) + "(): one of 'input' and 'other' must be a Tensor");
    return f(operand_or_throw(input, name, "input"), operand_or_throw(other, name));
  };
}

// torch.add(1, x): torch's parser takes a number for `input` too (a wrapped scalar, as for
// `other`), so the Tensor-first functions accept one.
Tensor input_operand(py::handle input, const char* op) {
  if (py::isinstance<TensorImpl>(input)) return input.cast<Tensor>();
  return operand_or_throw(input, op, "input");
}

// A clamp bound: None, a number, or a tensor. When the bounds mix numbers and tensors,
// torch takes its Scalar overload, which accepts a 0-d tensor as a number.
Tensor clamp_bound(py::handle h, bool as_scalar, const char* op) {
  if (h.is_none()) return nullptr;
  if (py::isinstance<TensorImpl>(h)) {
    Tensor t = h.cast<Tensor>();
    if (!as_scalar) return t;
    if (t->dim() != 0 || t->requires_grad())  // torch reads only such tensors as numbers
      throw TypeError(std::string(op) + "(): received an invalid combination of arguments: "
                      "min and max must both be Tensors or both be Numbers");
    return wrapped_scalar(item_as_scalar(*t), t->dtype);
  }
  return operand_or_throw(h, op);
}

Tensor clamp_args(const Tensor& self, py::handle min, py::handle max, const char* op) {
  const bool mixed = (py::isinstance<TensorImpl>(min) && !max.is_none() &&
                      !py::isinstance<TensorImpl>(max)) ||
                     (py::isinstance<TensorImpl>(max) && !min.is_none() &&
                      !py::isinstance<TensorImpl>(min));
  return clamp(self, clamp_bound(min, mixed, op), clamp_bound(max, mixed, op));
}

bool is_max_bound(const char* clamp_name) { return std::string(clamp_name) == "clamp_max"; }

// clamp_min(x, m) / clamp_max(x, m): m is a number or a tensor, never None.
auto one_sided_clamp(BinaryFn f, const char* name) {
  return [f, name](const Tensor& self, py::handle bound) {
    if (bound.is_none())
      throw TypeError(std::string(name) + "(): argument must be Tensor or Number, not NoneType");
    return f(self, operand_or_throw(bound, name, is_max_bound(name) ? "max" : "min"));
  };
}
}  // namespace

// rounding_mode=: None (true division, but DivBackward2), 'trunc' or 'floor'
// (Note [div with rounding_mode]).
static RoundingMode rounding_mode_from_py(py::handle mode) {
  if (mode.is_none()) return RoundingMode::True;
  if (!PyUnicode_Check(mode.ptr()))
    throw TypeError("div(): argument 'rounding_mode' must be str, not " + type_name(mode));
  const std::string m = mode.cast<std::string>();
  if (m == "trunc") return RoundingMode::Trunc;
  if (m == "floor") return RoundingMode::Floor;
  throw std::runtime_error(
      "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" + m + "'");
}

py::handle no_rounding_mode() {
  static PyObject* marker = py::module_::import("builtins").attr("object")().release().ptr();
  return marker;
}

Tensor div_any(const Tensor& input, py::handle other, py::handle mode, const char* op) {
  Tensor o = operand_or_throw(other, op);
  if (mode.ptr() == no_rounding_mode().ptr()) return call_op(&div, input, o);
  const RoundingMode m = rounding_mode_from_py(mode);
  return without_gil_if_large(std::max(input->numel(), o->numel()),
                              [&] { return div_mode(input, o, m); });
}

void init_elementwise(py::module_& m, TensorClass& cls) {
  cls.def("__add__", forward_op(&add))
      .def("__radd__", forward_op(&add))
      .def("__sub__", forward_op(&sub))
      .def("__rsub__", forward_op(&rsub))
      .def("__mul__", forward_op(&mul))
      .def("__rmul__", forward_op(&mul))
      .def("__truediv__", forward_op(&div))
      .def("__rtruediv__", forward_op(&reflected_div))
      .def("__pow__", forward_op(&pow))
      .def("__rpow__", reflected_op(&pow))
      .def("__neg__", [](const Tensor& self) { return call_op(&neg, self); })
      .def("__abs__", [](const Tensor& self) { return call_op(&abs, self); })
      .def("__eq__", forward_op(&eq))
      .def("__ne__", forward_op(&ne))
      .def("__lt__", forward_op(&lt))
      .def("__le__", forward_op(&le))
      .def("__gt__", forward_op(&gt))
      .def("__ge__", forward_op(&ge))
      .def("__floordiv__", forward_op(&floor_divide))
      .def("__rfloordiv__", reflected_op(&floor_divide))
      .def("__mod__", forward_op(&remainder))
      .def("__rmod__", reflected_op(&remainder))
      .def("__and__", forward_op(&bitwise_and))
      .def("__rand__", reflected_op(&bitwise_and))
      .def("__or__", forward_op(&bitwise_or))
      .def("__ror__", reflected_op(&bitwise_or))
      .def("__xor__", forward_op(&bitwise_xor))
      .def("__rxor__", reflected_op(&bitwise_xor))
      .def("__invert__", [](const Tensor& self) {
        if (is_floating(self->dtype))
          throw TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                          "tensors");
        return bitwise_not(self);
      });

  // add/sub(other, *, alpha=1): input + alpha * other.
  using ScaledFn = Tensor (*)(const Tensor&, const Tensor&, const Scalar&);
  const std::tuple<const char*, BinaryFn, ScaledFn> scaled[] = {
      {"add", &add, &add}, {"sub", &sub, &sub}};
  for (auto [name, plain, with_alpha] : scaled) {
    auto scaled_op = [name = name, plain = plain, with_alpha = with_alpha](
                         const Tensor& self, py::handle other, py::handle alpha) {
      Tensor o = operand_or_throw(other, name);
      if (PyLong_CheckExact(alpha.ptr()) && PyLong_AsLong(alpha.ptr()) == 1)
        return call_op(plain, self, o);
      const Scalar a = number_from_py(alpha, name, "alpha");
      return without_gil_if_large(std::max(self->numel(), o->numel()),
                                  [&] { return with_alpha(self, o, a); });
    };
    cls.def(name, scaled_op, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
    m.def(name, [name = name, scaled_op](py::handle input, py::handle other, py::handle alpha) {
      return scaled_op(input_operand(input, name), other, alpha);
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  }
  cls.def("mul", named_op(&mul, "mul"), py::arg("other"));
  m.def("mul", [](py::handle input, py::handle other) {
    return call_op(&mul, input_operand(input, "mul"), operand_or_throw(other, "mul"));
  }, py::arg("input"), py::arg("other"));
  cls.def("div", [](const Tensor& self, py::handle other, py::handle mode) {
    return div_any(self, other, mode, "div");
  }, py::arg("other"), py::kw_only(), py::arg_v("rounding_mode", no_rounding_mode(), "None"));
  m.def("div", [](py::handle input, py::handle other, py::handle mode) {
    return div_any(input_operand(input, "div"), other, mode, "div");
  }, py::arg("input"), py::arg("other"), py::kw_only(),
        py::arg_v("rounding_mode", no_rounding_mode(), "None"));
  const std::pair<const char*, BinaryFn> comparisons[] = {
      {"eq", &eq}, {"ne", &ne}, {"lt", &lt}, {"le", &le}, {"gt", &gt}, {"ge", &ge}};
  for (auto [name, fn] : comparisons)
    def_method_and_function(m, cls, name, named_op(fn, name), py::arg("other"));

  // Number or tensor `other`; all but fmod also take a number first.
  def_method_and_function(m, cls, "fmod", named_op(&fmod, "fmod"), py::arg("other"));
  for (auto [name, fn] : {std::pair<const char*, BinaryFn>{"remainder", &remainder},
                          {"floor_divide", &floor_divide},
                          {"bitwise_and", &bitwise_and},
                          {"bitwise_or", &bitwise_or},
                          {"bitwise_xor", &bitwise_xor}}) {
    cls.def(name, named_op(fn, name), py::arg("other"));
    m.def(name, scalar_first_function(fn, name), py::arg("input"), py::arg("other"));
  }
  // Tensor `other` only.
  const std::pair<const char*, BinaryFn> tensor_only[] = {
      {"atan2", &atan2},           {"arctan2", &atan2},           {"minimum", &minimum},
      {"maximum", &maximum},       {"logical_and", &logical_and}, {"logical_or", &logical_or},
      {"logical_xor", &logical_xor}};
  for (auto [name, fn] : tensor_only) {
    cls.def(name, tensor_op(fn, name), py::arg("other"));
    m.def(name, [fn = fn, name = name](py::handle input, py::handle other) {
      return fn(tensor_arg(input, name, "input"), tensor_arg(other, name, "other"));
    }, py::arg("input"), py::arg("other"));
  }

  auto lerp_fn = [](const Tensor& self, py::handle end, py::handle weight) {
    return lerp(self, tensor_arg(end, "lerp", "end"), operand_or_throw(weight, "lerp", "weight"));
  };
  def_method_and_function(m, cls, "lerp", lerp_fn, py::arg("end"), py::arg("weight"));

  for (const char* name : {"clamp", "clip"}) {
    def_method_and_function(m, cls, name, [](const Tensor& self, py::handle min, py::handle max) {
      return clamp_args(self, min, max, "clamp");
    }, py::arg("min") = py::none(), py::arg("max") = py::none());
  }
  def_method_and_function(m, cls, "clamp_min", one_sided_clamp(&clamp_min, "clamp_min"),
                          py::arg("min"));
  def_method_and_function(m, cls, "clamp_max", one_sided_clamp(&clamp_max, "clamp_max"),
                          py::arg("max"));
  // pow alone also takes a number as the base: cgrad.pow(2, x) (PowBackward2).
  cls.def("pow", [](const Tensor& self, py::handle exponent) {
    return call_op(&pow, self, operand_or_throw(exponent, "pow", "exponent"));
  }, py::arg("exponent"));
  m.def("pow", [](py::handle base, py::handle exponent) {
    if (!py::isinstance<TensorImpl>(base) && !py::isinstance<TensorImpl>(exponent))
      throw TypeError("pow(): one of 'input' and 'exponent' must be a Tensor");
    return pow(operand_or_throw(base, "pow", "input"), operand_or_throw(exponent, "pow", "exponent"));
  }, py::arg("input"), py::arg("exponent"));

  def_unary_ops(m, cls);
  // decimals is keyword-only, as in torch.
  def_method_and_function(m, cls, "round", [](const Tensor& self, std::optional<int64_t> decimals) {
    return round(self, decimals);
  }, py::kw_only(), py::arg("decimals") = py::none());

  // where(condition) alone is nonzero(condition, as_tuple=True), as in torch.
  m.def("where", [](const Tensor& cond, py::handle a, py::handle b) -> py::object {
    if (a.is_none() && b.is_none()) return py::module_::import("cgrad").attr("nonzero")(cond, py::arg("as_tuple") = true);
    Tensor ta = as_operand(a), tb = as_operand(b);
    if (!ta || !tb) throw TypeError("where(): arguments must be Tensors or Numbers");
    return py::cast(where(cond, ta, tb));
  }, py::arg("condition"), py::arg("input") = py::none(), py::arg("other") = py::none());
  cls.def("where", [](const Tensor& self, const Tensor& cond, py::handle other) {
    return where(cond, self, operand_or_throw(other, "where"));
  }, py::arg("condition"), py::arg("other"));
}

}  // namespace cgrad::bindings
