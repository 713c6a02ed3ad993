// In-place methods and operators (x.add_(y), x += y, x.exp_()): they return self.
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
using InplaceFn = Tensor& (*)(Tensor&, const Tensor&);

// self.f(other) written in place, without the GIL for large operands (Note [GIL release]).
template <class Write> void run_inplace(const Tensor& self, const Tensor& other, Write&& write) {
  without_gil_if_large(std::max(self->numel(), other->numel()), write);
}

// For `x += y`: NotImplemented on a foreign operand lets Python raise TypeError.
auto inplace_operator(InplaceFn f) {
  return [f](py::object self_obj, py::handle other) -> py::object {
    Tensor o = as_operand(other);
    if (!o) return not_implemented();
    Tensor self = self_obj.cast<Tensor>();
    run_inplace(self, o, [&] { f(self, o); });
    return self_obj;
  };
}

using ScaledFn = Tensor (*)(const Tensor&, const Tensor&, const Scalar&);

// x.mul_(y) and friends.
auto inplace_method(InplaceFn f, const char* name) {
  return [f, name](py::object self_obj, py::handle other) {
    Tensor self = self_obj.cast<Tensor>();
    const Tensor o = operand_or_throw(other, name);
    run_inplace(self, o, [&] { f(self, o); });
    return self_obj;
  };
}

// x.add_(y, alpha=2) / x.sub_(y, alpha=2): self (op) alpha * y, recorded as the
// out-of-place op with alpha (AddBackward0), as in torch.
auto scaled_inplace_method(InplaceFn f, ScaledFn with_alpha, const char* name) {
  return [f, with_alpha, name](py::object self_obj, py::handle other, py::handle alpha) {
    Tensor self = self_obj.cast<Tensor>();
    Tensor o = operand_or_throw(other, name);
    if (PyLong_CheckExact(alpha.ptr()) && PyLong_AsLong(alpha.ptr()) == 1) {
      run_inplace(self, o, [&] { f(self, o); });
      return self_obj;
    }
    const Scalar a = number_from_py(alpha, name, "alpha");
    check_inplace_overlap(self, {&o});
    run_inplace(self, o, [&] {
      apply_pointwise_inplace(self, name, {{o}, [&](const Tensor& s, const std::vector<Tensor>& in) {
                                return with_alpha(s, in[0], a);
                              }});
    });
    return self_obj;
  };
}

// x.pow_(e), x **= e.
PointwiseOp pow_elements(const Tensor& exponent) {
  return {{exponent}, [](const Tensor& s, const std::vector<Tensor>& in) {
            check_inplace_shape(s, in, "pow_");
            return pow(s, in[0]);
          }};
}

// x.clamp_(...) for any out-of-place method x.clamp(...): the method's result, written
// back (Note [In-place ops]). One lookup of the bound C++ method; no Python code runs.
// For x.atan2_(y), x.lerp_(y, w) (and every binary row taking only Tensors): torch parses arguments before any in-place check, so a
// number where its first argument must be a Tensor is a TypeError naming the in-place op,
// even on a leaf that requires grad.
void check_tensor_first_arg(const char* name, const py::args& args, const py::kwargs& kwargs) {
  const std::string op = name;
  const char* arg = op == "lerp_" ? "end" : binary_tensor_only_arg(op.substr(0, op.size() - 1));
  if (!arg) return;
  if (!args.empty() && !py::isinstance<TensorImpl>(args[0]))
    throw TypeError(op + "(): argument '" + arg + "' (position 1) must be Tensor, not " +
                    type_name(args[0]));
  if (args.empty() && kwargs.contains(arg) && !py::isinstance<TensorImpl>(kwargs[arg]))
    throw TypeError(op + "(): argument '" + arg + "' must be Tensor, not " +
                    type_name(kwargs[arg]));
}

// A Python int beyond uint64 (or below int64) is refused as torch's argument parser
// refuses it, before the in-place checks: OverflowError even on a leaf that requires grad.
void check_ints_convert(const py::args& args, const py::kwargs& kwargs) {
  auto check = [](py::handle h) {
    if (!PyLong_Check(h.ptr()) || PyBool_Check(h.ptr())) return;
    try {
      int64_from_py(h);
    } catch (const OverflowError&) {
      throw;
    } catch (const std::runtime_error&) {  // in uint64's range: a valid number to torch
    }
  };
  for (py::handle a : args) check(a);
  for (auto item : kwargs) check(item.second);
}

auto inplace_via_method(const char* method, const char* name, bool recorded) {
  return [method, name, recorded](py::object self_obj, py::args args, py::kwargs kwargs) {
    check_tensor_first_arg(name, args, kwargs);
    check_ints_convert(args, kwargs);
    Tensor self = self_obj.cast<Tensor>();
    check_inplace_overlap(self, {});
    std::vector<Tensor> inputs;
    auto check_input = [&](py::handle arg) {  // each tensor argument against self
      if (!py::isinstance<TensorImpl>(arg)) return;
      Tensor input = arg.cast<Tensor>();
      check_inplace_overlap(self, {&input});
      inputs.push_back(std::move(input));
    };
    for (py::handle a : args) check_input(a);
    for (auto item : kwargs) check_input(item.second);
    // The method called on `s` with the tensor arguments replaced by `in`, in the order
    // they were collected.
    auto call = [&](const Tensor& s, const std::vector<Tensor>& in) {
      check_inplace_shape(s, in, name);
      size_t next = 0;
      auto arg = [&](py::handle a) -> py::object {
        if (!py::isinstance<TensorImpl>(a)) return py::reinterpret_borrow<py::object>(a);
        return py::cast(in[next++]);
      };
      py::list call_args;
      for (py::handle a : args) call_args.append(arg(a));
      py::dict call_kwargs;
      for (auto item : kwargs) call_kwargs[item.first] = arg(item.second);
      py::object bound = s == self ? self_obj.attr(method) : py::cast(s).attr(method);
      return bound(*call_args, **call_kwargs).cast<Tensor>();
    };
    // An op torch records no node for writes a leaf that requires grad, or a view that
    // may not be written, as unrecorded (the unary table's logical_not_ does the same).
    std::optional<GradModeGuard> unrecorded;
    if (!recorded) unrecorded.emplace(false);
    apply_pointwise_inplace(self, name, {inputs, call});
    return self_obj;
  };
}

// add_, sub_ (with alpha=), mul_, div_ (with rounding_mode=) and pow_.
void def_arithmetic_inplace(TensorClass& cls) {
  const std::tuple<const char*, InplaceFn, ScaledFn> with_alpha[] = {
      {"add_", &add_, &add}, {"sub_", &sub_, &sub}};
  for (auto [name, fn, scaled] : with_alpha)
    cls.def(name, scaled_inplace_method(fn, scaled, name), py::arg("other"), py::kw_only(),
            py::arg("alpha") = 1);
  cls.def("mul_", inplace_method(&mul_, "mul_"), py::arg("other"));
  // div_(other, *, rounding_mode): with a mode (even None) it is div's DivBackward2 form
  // written back (Note [div with rounding_mode]).
  cls.def("div_", [](py::object self_obj, py::handle other, py::handle mode) {
    Tensor self = self_obj.cast<Tensor>();
    if (mode.ptr() == no_rounding_mode().ptr()) {
      const Tensor o = operand_or_throw(other, "div_");
      run_inplace(self, o, [&] { div_(self, o); });
      return self_obj;
    }
    Tensor o = operand_or_throw(other, "div_");
    check_inplace_overlap(self, {&o});
    apply_pointwise_inplace(self, "div_", {{o}, [&](const Tensor& s, const std::vector<Tensor>& in) {
                              return div_any(s, py::cast(in[0]), mode, "div_");
                            }});
    return self_obj;
  }, py::arg("other"), py::kw_only(), py::arg_v("rounding_mode", no_rounding_mode(), "None"));
  cls.def("true_divide_", [](py::object self_obj, py::handle other) {
    Tensor self = self_obj.cast<Tensor>();
    const Tensor o = operand_or_throw(other, "true_divide_");
    run_inplace(self, o, [&] { div_(self, o); });
    return self_obj;
  }, py::arg("other"));
  cls.def("pow_", [](py::object self_obj, py::handle exponent) {
    Tensor self = self_obj.cast<Tensor>();
    Tensor e = operand_or_throw(exponent, "pow_", "exponent");
    check_inplace_overlap(self, {&e});
    run_inplace(self, e, [&] { apply_pointwise_inplace(self, "pow_", pow_elements(e)); });
    return self_obj;
  }, py::arg("exponent"));
}

// +=, -=, *=, /= and **=.
void def_inplace_operators(TensorClass& cls) {
  cls.def("__iadd__", inplace_operator(&add_))
      .def("__isub__", inplace_operator(&sub_))
      .def("__imul__", inplace_operator(&mul_))
      .def("__itruediv__", inplace_operator(&div_))
      .def("__ipow__", [](py::object self_obj, py::handle exponent) -> py::object {
        Tensor e = as_operand(exponent);
        if (!e) return not_implemented();
        Tensor self = self_obj.cast<Tensor>();
        check_inplace_overlap(self, {&e});
        run_inplace(self, e, [&] { apply_pointwise_inplace(self, "pow_", pow_elements(e)); });
        return self_obj;
      });
}

// The rest of the pointwise ops, in place through their method (registered after the
// out-of-place ones, so the method exists).
void def_inplace_through_methods(TensorClass& cls) {
  std::vector<const char*> methods = {"clamp", "clamp_min", "clamp_max", "clip", "round",
                                      "lerp", "exp2", "sinc", "square", "logit",
                                      "hypot", "xlogy", "nan_to_num", "addcmul", "addcdiv"};
  for (const char* method : binary_inplace_through_method()) methods.push_back(method);
  for (const char* method : methods) {
    if (!py::hasattr(cls, method)) continue;
    static std::deque<std::string> names;  // stable addresses: the op names outlive the bindings
    names.push_back(std::string(method) + "_");
    if (py::hasattr(cls, names.back().c_str())) continue;
    cls.def(names.back().c_str(), inplace_via_method(method, names.back().c_str(),
                                                     !binary_inplace_unrecorded(method)));
  }
}

// zero_, fill_ and copy_.
void def_fills(TensorClass& cls) {
  cls.def("zero_", [](py::object self) {
       Tensor t = self.cast<Tensor>();
       without_gil_if_large(t->numel(), [&] { zero_(t); });
       return self;
     })
      .def("fill_", [](py::object self, py::handle value) {
        Tensor t = self.cast<Tensor>();
        Tensor v = operand_or_throw(value, "fill_", "value");
        if (v->numel() != 1)
          throw std::runtime_error("fill_ only supports 0-dimension value tensor but got tensor "
                                   "with " + std::to_string(v->dim()) + " dimensions.");
        if (v->is_wrapped_number) check_scalar_fits(item_as_scalar(*v), t->dtype);
        run_inplace(t, v, [&] {
          if (v->is_wrapped_number) fill_(t, item_as_scalar(*v));
          else fill_(t, v);
        });
        return self;
      }, py::arg("value"))
      .def("copy_", [](py::object self, const Tensor& src) {
        Tensor t = self.cast<Tensor>();
        run_inplace(t, src, [&] { copy_(t, src); });
        return self;
      }, py::arg("src"));
}

}  // namespace

void init_inplace(py::module_& m, TensorClass& cls) {
  def_arithmetic_inplace(cls);
  def_inplace_operators(cls);
  def_unary_inplace(m, cls);
  def_binary_inplace(m, cls);
  def_inplace_through_methods(cls);
  def_fills(cls);
}

}  // namespace cgrad::bindings
