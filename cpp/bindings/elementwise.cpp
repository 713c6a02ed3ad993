// Arithmetic, comparisons, logical/bitwise ops and pointwise math: operators, methods and
// functions.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
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

namespace {

// Python's operators (+, -, *, /, **, unary -, abs(), ~) and their reflected forms.
void def_operators(TensorClass& cls) {
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
      .def("__invert__", [](const Tensor& self) {
        if (is_floating(self->dtype))
          throw TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                          "tensors");
        return bitwise_not(self);
      });
}

// add, sub (with alpha=), mul and div (with rounding_mode=), as methods and functions.
void def_arithmetic(py::module_& m, TensorClass& cls) {
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
  // true_divide: div without rounding_mode (torch's alias, DivBackward0 even for a number).
  cls.def("true_divide", [](const Tensor& self, py::handle other) {
    return div_any(self, other, no_rounding_mode(), "true_divide");
  }, py::arg("other"));
  m.def("true_divide", [](py::handle input, py::handle other) {
    return div_any(input_operand(input, "true_divide"), other, no_rounding_mode(), "true_divide");
  }, py::arg("input"), py::arg("other"));
}

// lerp, clamp (clip) and its one-sided forms.
void def_lerp_and_clamps(py::module_& m, TensorClass& cls) {
  auto lerp_fn = [](const Tensor& self, py::handle end, py::handle weight) {
    return lerp(self, tensor_arg(end, "lerp", "end"), operand_or_throw(weight, "lerp", "weight"));
  };
  def_method_and_function(m, cls, "lerp", lerp_fn, py::arg("end"), py::arg("weight"));
  // addcmul/addcdiv(input, tensor1, tensor2, *, value=1).
  for (auto [name, fn] : {std::pair{"addcmul", &addcmul}, std::pair{"addcdiv", &addcdiv}}) {
    def_method_and_function(m, cls, name, [name = name, fn = fn](const Tensor& self,
                                                                 py::handle tensor1,
                                                                 py::handle tensor2,
                                                                 py::handle value) {
      const Tensor a = tensor_arg(tensor1, name, "tensor1"), b = tensor_arg(tensor2, name, "tensor2");
      const Scalar v = number_from_py(value, name, "value");
      return without_gil_if_large(std::max({self->numel(), a->numel(), b->numel()}),
                                  [&] { return fn(self, a, b, v); });
    }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  }

  for (const char* name : {"clamp", "clip"}) {
    def_method_and_function(m, cls, name, [](const Tensor& self, py::handle min, py::handle max) {
      return clamp_args(self, min, max, "clamp");
    }, py::arg("min") = py::none(), py::arg("max") = py::none());
  }
  def_method_and_function(m, cls, "clamp_min", one_sided_clamp(&clamp_min, "clamp_min"),
                          py::arg("min"));
  def_method_and_function(m, cls, "clamp_max", one_sided_clamp(&clamp_max, "clamp_max"),
                          py::arg("max"));
}

// pow alone also takes a number as the base: cgrad.pow(2, x) (PowBackward2).
void def_pow(py::module_& m, TensorClass& cls) {
  cls.def("pow", [](const Tensor& self, py::handle exponent) {
    return call_op(&pow, self, operand_or_throw(exponent, "pow", "exponent"));
  }, py::arg("exponent"));
  m.def("pow", [](py::handle base, py::handle exponent) {
    if (!py::isinstance<TensorImpl>(base) && !py::isinstance<TensorImpl>(exponent))
      throw TypeError("pow(): one of 'input' and 'exponent' must be a Tensor");
    return pow(operand_or_throw(base, "pow", "input"), operand_or_throw(exponent, "pow", "exponent"));
  }, py::arg("input"), py::arg("exponent"));
}

// Note [float_power]: torch composes float_power of pow on float64 operands: a tensor is
// cast (ToCopyBackward0 when its dtype changes), a number becomes a double, and pow
// (with its out= rules and messages) computes the result, which is always float64.
py::object float64_operand(py::handle h, const char* arg) {
  if (py::isinstance<TensorImpl>(h)) return py::cast(to_dtype(h.cast<Tensor>(), DType::Float64));
  operand_or_throw(h, "float_power", arg);  // torch's TypeError for a non-number
  return py::float_(py::reinterpret_borrow<py::object>(h));
}

void check_float64(const Tensor& t, const char* what) {
  if (t->dtype != DType::Float64)
    throw std::runtime_error(std::string(what) + " has dtype " + dtype_torch_name(t->dtype) +
                             " but the operation's result requires dtype Double");
}

void def_float_power(py::module_& m, TensorClass& cls) {
  m.def("float_power", [](py::handle input, py::handle exponent, py::handle out) {
    if (!py::isinstance<TensorImpl>(input) && !py::isinstance<TensorImpl>(exponent))
      throw TypeError("float_power(): one of 'input' and 'exponent' must be a Tensor");
    py::object pow_fn = py::module_::import("cgrad").attr("pow");
    py::object base = float64_operand(input, "input"), e = float64_operand(exponent, "exponent");
    if (out.is_none()) return pow_fn(base, e);
    if (!py::isinstance<TensorImpl>(out))
      throw TypeError("float_power(): argument 'out' must be Tensor, not " +
                      type_name(out));
    check_float64(out.cast<Tensor>(), "the output given to float_power");
    return pow_fn(base, e, py::arg("out") = out);
  }, py::arg("input"), py::arg("exponent"), py::kw_only(), py::arg("out") = py::none());
  cls.def("float_power", [](const Tensor& self, py::handle exponent) {
    return py::module_::import("cgrad").attr("pow")(float64_operand(py::cast(self), "input"),
                                                    float64_operand(exponent, "exponent"));
  }, py::arg("exponent"));
  cls.def("float_power_", [](py::object self_obj, py::handle exponent) {
    check_float64(self_obj.cast<Tensor>(), "the base given to float_power_");
    return self_obj.attr("pow_")(float64_operand(exponent, "exponent"));
  }, py::arg("exponent"));
}

// where(condition) alone is nonzero(condition, as_tuple=True), as in torch.
void def_where(py::module_& m, TensorClass& cls) {
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

}  // namespace

void init_elementwise(py::module_& m, TensorClass& cls) {
  def_operators(cls);
  def_arithmetic(m, cls);
  def_binary_ops(m, cls);
  def_lerp_and_clamps(m, cls);
  def_pow(m, cls);
  def_float_power(m, cls);
  def_unary_ops(m, cls);
  // decimals is keyword-only, as in torch.
  def_method_and_function(m, cls, "round", [](const Tensor& self, std::optional<int64_t> decimals) {
    return round(self, decimals);
  }, py::kw_only(), py::arg("decimals") = py::none());
  def_where(m, cls);
  // isreal: every element of a real tensor is real (torch's ones_like(input, dtype=bool)).
  def_method_and_function(m, cls, "isreal", [](const Tensor& self) {
    return full_like(self, Scalar(true), DType::Bool);
  });
}

}  // namespace cgrad::bindings
