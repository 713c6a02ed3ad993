// Docstrings of bound callables, set after binding (Note [Docstrings]).
//
// Note [Docstrings]: the user-facing docstring of every public callable is written once:
//   - for a callable bound here in C++, as an entry of python/cgrad/_docs/ (one text per
//     area: torch-form signature lines, then a summary and any note on where cgrad differs),
//     applied when cgrad is imported through _C._add_docstr below; Tensor methods that mirror
//     a function, and in-place variants, get theirs derived from that one entry;
//   - a binding built from a table (one row per op) can carry the row's text instead and
//     call set_docstring(callable, row.doc) when it binds the row; the _docs entry is then
//     left out, and a callable documented twice is an error at import;
//   - for a callable written in Python, as its own docstring in the source.
// pybind11 keeps the signatures it generated (which the call checks parse, Note [Call
// checks]) in its function record, so replacing the PyMethodDef's text loses nothing; they
// stay readable through _C._signatures. tests/test_docstrings.py fails for any public
// callable without a docstring.
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "bindings.h"

namespace cgrad::bindings {

namespace {
// The PyMethodDefs already given a docstring here: a second one is a mistake.
std::unordered_set<PyMethodDef*>& documented() {
  static auto* defs = new std::unordered_set<PyMethodDef*>();
  return *defs;
}

PyObject* underlying_function(PyObject* callable) {
  if (PyInstanceMethod_Check(callable)) return PyInstanceMethod_GET_FUNCTION(callable);
  return callable;
}

const py::detail::function_record* pybind11_record(PyObject* function) {
  if (!PyCFunction_Check(function) || !PyCFunction_GET_SELF(function)) return nullptr;
  return py::detail::function_record_ptr_from_PyObject(PyCFunction_GET_SELF(function));
}
}  // namespace

void set_docstring(py::handle callable, const std::string& doc) {
  PyObject* function = underlying_function(callable.ptr());
  if (pybind11_record(function)) {
    PyMethodDef* def = reinterpret_cast<PyCFunctionObject*>(function)->m_ml;
    if (!documented().insert(def).second)
      throw py::value_error(py::str(callable.attr("__name__")).cast<std::string>() +
                            " already has a docstring (Note [Docstrings])");
    // pybind11 frees ml_doc with std::free when the function goes: a strdup'ed copy.
    std::free(const_cast<char*>(def->ml_doc));
    def->ml_doc = strdup(doc.c_str());
    return;
  }
  // Properties, classes and Python functions keep theirs in a writable __doc__.
  callable.attr("__doc__") = py::str(doc);
}

void init_docstrings(py::module_& m) {
  m.def("_add_docstr", &set_docstring, py::arg("callable"), py::arg("doc"),
        "Sets the docstring of a bound function, method, property or class, once.");
  m.def(
      "_signatures",
      [](py::handle callable) {
        py::list out;
        const auto* rec = pybind11_record(underlying_function(callable.ptr()));
        for (; rec; rec = rec->next) out.append(py::str(rec->signature ? rec->signature : ""));
        return out;
      },
      py::arg("callable"),
      "pybind11's generated signature of each overload of a bound function (for tests and "
      "tools/generate_stubs.py; the docstring shows torch's form instead).");
}

}  // namespace cgrad::bindings
