// The checks around every call of a bound function or method.
//
// Note [Call checks]: pybind11 calls each bound function through one C entry point, its
// dispatcher, named in the PyMethodDef of the function object. Once the module is built,
// install_call_checks points every such PyMethodDef at check_call instead, which runs
// pybind11's dispatcher unchanged and acts only around it — so the whole module gets the
// same argument handling without a wrapper per function, and a call costs one extra
// direct C call (no Python frame, no lookup). Around the dispatch:
//   - keyword aliases torch accepts are renamed (Note [Keyword aliases]);
//   - `out=` is honoured where torch takes it (Note [out= arguments]);
//   - when no overload matched, pybind11's error is reworded (Note [Argument errors]);
//   - a view that may refuse its history raises before the op's own checks, as torch's
//     autograd layer makes it (Note [Input histories are read first]).
// Calls without keywords take the shortest path: dispatch, and look at the error only if
// there is one.
#include <cstring>

#include "argument_errors.h"
#include "input_histories.h"
#include "out_argument.h"

namespace cgrad::bindings {

namespace {

using Vectorcall = PyObject* (*)(PyObject*, PyObject* const*, size_t, PyObject*);
Vectorcall pybind11_dispatcher = nullptr;

PyObject* dispatch_checked(PyObject* self, PyObject* const* args, size_t nargsf,
                           PyObject* kwnames) {
  PyObject* result = pybind11_dispatcher(self, args, nargsf, kwnames);
  if (result || !PyErr_ExceptionMatches(PyExc_TypeError)) return result;
  return reword_argument_error(self, args, PyVectorcall_NARGS(nargsf), kwnames);
}

// Note [Keyword aliases]: torch's argument parser also accepts numpy's names for four
// parameters — `axis` for dim, `keepdims` for keepdim, `x`/`a`/`x1` for input and `x2`
// for other — on its C++ functions and methods (not on nn.functional's Python functions).
// A keyword that is such an alias, given to a function with the torch name and without a
// parameter of the alias's own name, is renamed before dispatch.
struct Alias {
  const char* alias;
  const char* name;
};
constexpr Alias kAliases[] = {{"axis", "dim"},   {"keepdims", "keepdim"}, {"x", "input"},
                              {"a", "input"},    {"x1", "input"},         {"x2", "other"}};

const char* canonical_name(PyObject* keyword) {
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(keyword, &length);
  if (!text || length > 8) return nullptr;
  for (const Alias& a : kAliases)
    if (std::strcmp(text, a.alias) == 0) return a.name;
  return nullptr;
}

bool has_keyword(PyObject* kwnames, const char* name) {
  for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); ++k)
    if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k), name) == 0) return true;
  return false;
}

// kwnames with the aliases this function takes renamed; a new reference (kwnames itself
// when nothing is renamed), or nullptr with an error set.
PyObject* renamed_aliases(PyObject* self, PyObject* kwnames) {
  PyObject* renamed = nullptr;
  const FunctionInfo* info = nullptr;
  const Py_ssize_t n = PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* keyword = PyTuple_GET_ITEM(kwnames, k);
    const char* name = canonical_name(keyword);
    if (!name) continue;
    if (!info) info = function_info(self);
    if (!info || info->style == CallStyle::Python || !info->has_param(name) ||
        info->has_param(PyUnicode_AsUTF8(keyword)) || has_keyword(kwnames, name))
      continue;
    if (!renamed) {
      renamed = PyTuple_GetSlice(kwnames, 0, n);
      if (!renamed) return nullptr;
    }
    PyObject* replacement = PyUnicode_InternFromString(name);
    if (!replacement) {
      Py_DECREF(renamed);
      return nullptr;
    }
    Py_DECREF(PyTuple_GET_ITEM(renamed, k));
    PyTuple_SET_ITEM(renamed, k, replacement);
  }
  if (renamed) return renamed;
  Py_INCREF(kwnames);
  return kwnames;
}

PyObject* call_checked(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  if (!kwnames || PyTuple_GET_SIZE(kwnames) == 0)
    return dispatch_checked(self, args, nargsf, kwnames);
  PyObject* names = renamed_aliases(self, kwnames);
  if (!names) return nullptr;
  PyObject* result = has_out_keyword(names)
                         ? call_with_out(self, args, nargsf, names, &dispatch_checked)
                         : dispatch_checked(self, args, nargsf, names);
  Py_DECREF(names);
  return result;
}

PyObject* check_call(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  PyObject* result = call_checked(self, args, nargsf, kwnames);
  return with_histories_read(self, args, PyVectorcall_NARGS(nargsf), kwnames, result);
}

// Points `function`'s PyMethodDef at check_call when it is a pybind11 function.
void install_on(PyObject* function) {
  if (!function || !PyCFunction_Check(function)) return;
  if (!py::detail::function_record_ptr_from_PyObject(PyCFunction_GET_SELF(function))) return;
  PyMethodDef* def = reinterpret_cast<PyCFunctionObject*>(function)->m_ml;
  auto current = reinterpret_cast<Vectorcall>(reinterpret_cast<void (*)()>(def->ml_meth));
  if (current == &check_call) return;  // the same function under two names
  if (!pybind11_dispatcher) pybind11_dispatcher = current;
  if (current != pybind11_dispatcher || def->ml_flags != (METH_FASTCALL | METH_KEYWORDS)) return;
  def->ml_meth = reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&check_call));
}

// Functions, methods (instancemethod), static methods and property accessors.
void install_on_attribute(py::handle value) {
  PyObject* v = value.ptr();
  if (PyInstanceMethod_Check(v)) return install_on(PyInstanceMethod_GET_FUNCTION(v));
  if (PyObject_TypeCheck(v, &PyStaticMethod_Type) || PyObject_TypeCheck(v, &PyProperty_Type)) {
    for (const char* accessor : {"__func__", "fget", "fset"})
      if (py::hasattr(value, accessor)) install_on(value.attr(accessor).ptr());
    return;
  }
  install_on(v);
}

void install_on_namespace(py::handle ns) {
  py::dict attributes = py::reinterpret_borrow<py::dict>(ns.attr("__dict__"));
  for (auto item : attributes) {
    install_on_attribute(item.second);
    // The module's own classes (Tensor, dtype, ...), not foreign ones.
    if (PyType_Check(item.second.ptr()) && py::hasattr(item.second, "__module__") &&
        py::str(item.second.attr("__module__")).cast<std::string>().rfind("cgrad", 0) == 0) {
      py::dict members = py::reinterpret_borrow<py::dict>(
          py::module_::import("builtins").attr("dict")(item.second.attr("__dict__")));
      for (auto member : members) install_on_attribute(member.second);
    }
  }
}

}  // namespace

void install_call_checks(py::module_& m) {
  learn_history_reading_ops(m);
  install_on_namespace(m);
  for (auto item : py::reinterpret_borrow<py::dict>(m.attr("__dict__")))
    if (PyModule_Check(item.second.ptr())) install_on_namespace(item.second);
}

}  // namespace cgrad::bindings
