// torch's wording for calls whose arguments match no overload.
//
// Note [Argument errors]: when no overload of a bound function accepts the arguments,
// pybind11 raises a TypeError listing every overload and then the arguments themselves,
// printed with repr() — whole tensors included. The call checks (Note [Call checks])
// replace that error with the one line torch's argument parser writes:
//   ones() got an unexpected keyword argument 'require_grad'
//   add(): argument 'other' (position 1) must be Tensor, not str
//   transpose() missing 1 required positional arguments: "dim1"
//   exp() takes 1 positional argument but 2 were given
//   add() got multiple values for argument 'other'
// and, when no single argument is to blame, "f() received an invalid combination of
// arguments - got (Tensor, str), but expected (...)" with the types (never the values)
// of what was passed. nn.functional's functions are Python functions in torch, so their
// missing and surplus arguments are worded as Python words them. Positions count from 1,
// without a method's self, as torch counts them.
#include "argument_errors.h"

#include <cstring>
#include <string>
#include <vector>

namespace cgrad::bindings {

namespace {

std::string tp_name(PyObject* o) { return Py_TYPE(o)->tp_name; }

std::string short_type_name(PyObject* o) {
  if (py::isinstance<TensorImpl>(o)) return "Tensor";
  const std::string full = tp_name(o);
  const size_t dot = full.rfind('.');
  return dot == std::string::npos ? full : full.substr(dot + 1);
}

const char* torch_type_name(ParamType t) {
  switch (t) {
    case ParamType::Tensor: return "Tensor";
    case ParamType::Int: return "int";
    case ParamType::Float: return "Number";  // torch's word for its Scalar parameters
    case ParamType::Bool: return "bool";
    case ParamType::Str: return "str";
    case ParamType::List: return "list";
    case ParamType::Any: break;
  }
  return "object";
}

// Whether pybind11's converting caster for `p` takes `v` (Note [No None tensors] for
// None as a Tensor).
bool accepts(const Param& p, PyObject* v) {
  if (v == Py_None) return p.optional || p.type == ParamType::Bool || p.type == ParamType::Any;
  switch (p.type) {
    case ParamType::Tensor: return py::isinstance<TensorImpl>(v);
    case ParamType::Int:
      return !PyFloat_Check(v) && (PyLong_Check(v) || PyIndex_Check(v) ||
                                   (Py_TYPE(v)->tp_as_number && Py_TYPE(v)->tp_as_number->nb_int));
    case ParamType::Float:
      return PyFloat_Check(v) || PyIndex_Check(v) ||
             (Py_TYPE(v)->tp_as_number && Py_TYPE(v)->tp_as_number->nb_float);
    case ParamType::Bool:
      return PyBool_Check(v) || (Py_TYPE(v)->tp_as_number && Py_TYPE(v)->tp_as_number->nb_bool);
    case ParamType::Str: return PyUnicode_Check(v) || PyBytes_Check(v);
    case ParamType::List: return PyList_Check(v);
    case ParamType::Any: break;
  }
  return true;
}

struct Call {
  std::vector<PyObject*> positional;                    // without a method's self
  std::vector<std::pair<std::string, PyObject*>> keywords;
};

Call read_call(const FunctionInfo& info, PyObject* const* args, size_t nargs, PyObject* kwnames) {
  Call call;
  for (size_t i = info.style == CallStyle::Method ? 1 : 0; i < nargs; ++i)
    call.positional.push_back(args[i]);
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nkw; ++k)
    call.keywords.emplace_back(PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k)), args[nargs + k]);
  return call;
}

std::string quoted_list(const std::vector<std::string>& names, CallStyle style) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (style == CallStyle::Python) {  // 'a', 'b' and 'c' / 'a', 'b', and 'c'
      if (i > 0) out += names.size() == 2 ? " and " : (i + 1 == names.size() ? ", and " : ", ");
      out += "'" + names[i] + "'";
    } else {  // "a", "b"
      if (i > 0) out += ", ";
      out += "\"" + names[i] + "\"";
    }
  }
  return out;
}

std::string plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// The one-line reason `call` does not fit `sig`, or "" when every argument fits.
std::string explain(const FunctionInfo& info, const Signature& sig, const Call& call) {
  const std::string& name = info.name;
  std::vector<const Param*> positional_params;
  bool var_positional = false;
  for (const Param& p : sig.params) {
    if (p.kind == Param::Positional) positional_params.push_back(&p);
    if (p.kind == Param::VarPositional) var_positional = true;
  }
  if (!var_positional && call.positional.size() > positional_params.size()) {
    size_t required = 0;
    for (const Param* p : positional_params) required += p->has_default ? 0 : 1;
    const size_t most = positional_params.size();
    std::string takes = required == most
                            ? std::to_string(most) + " positional argument" + (most == 1 ? "" : "s")
                            : "from " + std::to_string(required) + " to " + std::to_string(most) +
                                  " positional arguments";
    return name + "() takes " + takes + " but " + std::to_string(call.positional.size()) +
           (call.positional.size() == 1 ? " was" : " were") + " given";
  }
  // Bind, in order: (param, value, 1-based position or 0 for a keyword).
  struct Bound {
    const Param* param;
    PyObject* value;
    size_t position;
  };
  std::vector<Bound> bound;
  for (size_t i = 0; i < call.positional.size() && i < positional_params.size(); ++i)
    bound.push_back({positional_params[i], call.positional[i], i + 1});
  for (const auto& [key, value] : call.keywords) {
    const Param* p = sig.find(key);
    if (!p) {
      if (sig.accepts_any_keyword()) continue;
      return name + "() got an unexpected keyword argument '" + key + "'";
    }
    for (const Bound& b : bound)
      if (b.param == p) return name + "() got multiple values for argument '" + key + "'";
    bound.push_back({p, value, 0});
  }
  std::vector<std::string> missing_positional, missing_keyword;
  for (const Param& p : sig.params) {
    if (p.has_default || p.kind == Param::VarPositional || p.kind == Param::VarKeyword) continue;
    bool given = false;
    for (const Bound& b : bound) given = given || b.param == &p;
    if (!given) (p.kind == Param::KeywordOnly ? missing_keyword : missing_positional).push_back(p.name);
  }
  for (const auto* missing : {&missing_positional, &missing_keyword}) {
    if (missing->empty()) continue;
    const char* what = missing == &missing_positional ? "positional" : "keyword-only";
    const std::string count =
        info.style == CallStyle::Python
            ? plural(missing->size(), (std::string("required ") + what + " argument").c_str())
            : std::to_string(missing->size()) + " required " + what + " arguments";
    return name + "() missing " + count + ": " + quoted_list(*missing, info.style);
  }
  for (const Bound& b : bound) {
    if (accepts(*b.param, b.value)) continue;
    return name + "(): argument '" + b.param->name + "'" +
           (b.position ? " (position " + std::to_string(b.position) + ")" : "") + " must be " +
           torch_type_name(b.param->type) + ", not " + short_type_name(b.value);
  }
  return "";
}

// "(Tensor input, int dim = 0, *, dtype = None)"
std::string describe(const Signature& sig) {
  std::string out = "(";
  bool keyword_only_marked = false;
  for (size_t i = 0; i < sig.params.size(); ++i) {
    const Param& p = sig.params[i];
    if (i) out += ", ";
    if (p.kind == Param::KeywordOnly && !keyword_only_marked) {
      out += "*, ";
      keyword_only_marked = true;
    }
    if (p.kind == Param::VarPositional) {
      out += "*" + p.name;
      keyword_only_marked = true;
      continue;
    }
    if (p.kind == Param::VarKeyword) {
      out += "**" + p.name;
      continue;
    }
    if (p.type != ParamType::Any) out += std::string(torch_type_name(p.type)) + " ";
    out += p.name;
    if (p.has_default) out += " = " + p.default_text;
  }
  return out + ")";
}

std::string got(const Call& call) {
  std::string out = "(";
  for (size_t i = 0; i < call.positional.size(); ++i)
    out += (i ? ", " : "") + short_type_name(call.positional[i]);
  for (size_t k = 0; k < call.keywords.size(); ++k)
    out += (k || !call.positional.empty() ? ", " : "") + call.keywords[k].first + "=" +
           short_type_name(call.keywords[k].second);
  return out + ")";
}

std::string message_for(const FunctionInfo& info, const Call& call) {
  // A keyword no overload has is named first, as torch does.
  bool any_keyword = false;
  for (const Signature& s : info.overloads) any_keyword = any_keyword || s.accepts_any_keyword();
  if (!any_keyword)
    for (const auto& kw : call.keywords)
      if (!info.has_param(kw.first))
        return info.name + "() got an unexpected keyword argument '" + kw.first + "'";
  if (info.overloads.size() == 1) {
    std::string reason = explain(info, info.overloads[0], call);
    if (!reason.empty()) return reason;
    return info.name + "() received an invalid combination of arguments - got " + got(call) +
           ", but expected " + describe(info.overloads[0]);
  }
  std::string out = info.name + "() received an invalid combination of arguments - got " +
                    got(call) + ", but expected one of:";
  for (const Signature& s : info.overloads) out += "\n * " + describe(s);
  return out;
}

bool is_int_overflow(const FunctionInfo& info, const Call& call) {
  if (info.overloads.size() != 1) return false;
  const Signature& sig = info.overloads[0];
  auto overflows = [](const Param* p, PyObject* v) {
    if (!p || p->type != ParamType::Int || !PyLong_Check(v)) return false;
    int overflow = 0;
    PyLong_AsLongLongAndOverflow(v, &overflow);
    return overflow != 0;
  };
  size_t i = 0;
  for (const Param& p : sig.params) {
    if (p.kind != Param::Positional || i >= call.positional.size()) break;
    if (overflows(&p, call.positional[i++])) return true;
  }
  for (const auto& [key, value] : call.keywords)
    if (overflows(sig.find(key), value)) return true;
  return false;
}

// The binding code's own "[f(): ]argument 'x' must be ..." messages, given the function's
// name and the argument's position as torch words them; "" if `text` names no
// parameter of this call.
std::string with_position(const FunctionInfo& info, const Call& call, const std::string& text) {
  const std::string prefix = info.name + "(): ";
  std::string message = text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
  if (message.rfind("argument '", 0) != 0) return "";
  const size_t close = message.find('\'', 10);
  if (close == std::string::npos) return "";
  const std::string param = message.substr(10, close - 10);
  for (const Signature& sig : info.overloads) {
    size_t index = 0;
    for (const Param& p : sig.params) {
      if (p.kind != Param::Positional) break;
      if (p.name == param) {
        if (index < call.positional.size())
          message.insert(close + 1, " (position " + std::to_string(index + 1) + ")");
        return prefix + message;
      }
      ++index;
    }
  }
  return prefix + message;
}

}  // namespace

PyObject* reword_argument_error(PyObject* function_self, PyObject* const* args, size_t nargs,
                                PyObject* kwnames) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  std::string text;
  if (type == PyExc_TypeError && value) {
    if (PyObject* str = PyObject_Str(value)) {
      if (const char* s = PyUnicode_AsUTF8(str)) text = s;
      Py_DECREF(str);
    }
    PyErr_Clear();
  }
  // pybind11's own "no overload matched", or an argument message of the binding code.
  const bool is_mismatch = text.find("(): incompatible function arguments") != std::string::npos ||
                           text.find("(): incompatible constructor arguments") != std::string::npos;
  // (torch words an unparsable list element without a position)
  const bool is_argument_message = text.find("argument '") != std::string::npos &&
                                   text.find(" (position ") == std::string::npos &&
                                   text.find(" failed to unpack the object at pos ") == std::string::npos;
  if (!is_mismatch && !is_argument_message) {
    PyErr_Restore(type, value, traceback);
    return nullptr;
  }
  try {
    const FunctionInfo* found = function_info(function_self);  // (no error pending now)
    if (!found) throw std::logic_error("not a pybind11 function");
    const FunctionInfo& info = *found;
    const Call call = read_call(info, args, nargs, kwnames);
    if (!is_mismatch) {
      std::string message = with_position(info, call, text);
      if (message.empty()) throw std::logic_error("not about one of this call's arguments");
      PyErr_SetString(PyExc_TypeError, message.c_str());
    } else if (is_int_overflow(info, call)) {
      PyErr_SetString(PyExc_ValueError, "Overflow when unpacking long long");
    } else {
      PyErr_SetString(PyExc_TypeError, message_for(info, call).c_str());
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
  } catch (...) {  // keep pybind11's error rather than lose the call's
    PyErr_Restore(type, value, traceback);
  }
  return nullptr;
}

}  // namespace cgrad::bindings
