// torch.return_types-style results (cgrad.return_types.max, .sort, ...): struct sequences,
// so they index, unpack and compare like tuples and name their fields.
#include <cstring>
#include <string>

#include "bindings.h"

namespace cgrad::bindings {

namespace {

PyStructSequence_Field kValuesIndices[] = {{"values", nullptr}, {"indices", nullptr}, {nullptr, nullptr}};

// torch prints "torch.return_types.max(\nvalues=tensor(...),\nindices=tensor(...))".
PyObject* return_type_repr(PyObject* self) {
  try {
    py::handle h(self);
    std::string out = py::str(py::type::handle_of(h).attr("__module__")).cast<std::string>() + "." +
                      py::str(py::type::handle_of(h).attr("__name__")).cast<std::string>() + "(";
    py::tuple fields = py::type::handle_of(h).attr("__match_args__");  // the field names, in order
    for (Py_ssize_t i = 0; i < Py_SIZE(self); ++i)
      out += std::string(i ? "," : "") + "\n" + fields[i].cast<std::string>() + "=" +
             py::repr(PyStructSequence_GetItem(self, i)).cast<std::string>();
    return py::str(out + ")").release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  }
}

}  // namespace

py::object make_return_type(const char* qualified_name, PyStructSequence_Field* fields) {
  if (!fields) fields = kValuesIndices;
  int count = 0;
  while (fields[count].name) ++count;
  // PyStructSequence_NewType keeps pointers into the description: it must outlive the type.
  auto* desc = new PyStructSequence_Desc{qualified_name, nullptr, fields, count};
  PyTypeObject* type = PyStructSequence_NewType(desc);
  if (!type) throw py::error_already_set();
  type->tp_repr = return_type_repr;
  PyType_Modified(type);
  return py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(type));
}

py::object out_return_type(py::handle type) {
  const std::string name = py::str(type.attr("__name__")).cast<std::string>() + "_out";
  // cgrad._C.return_types, looked up once (a module import per out= call would cost more
  // than the call); the module lives as long as the process.
  static const py::handle types =
      py::object(py::module_::import("cgrad._C").attr("return_types")).release();
  if (py::hasattr(types, name.c_str())) return types.attr(name.c_str());
  // Like the description, the names must outlive the type.
  py::tuple names = type.attr("__match_args__");
  auto* fields = new PyStructSequence_Field[names.size() + 1];
  for (size_t i = 0; i < names.size(); ++i)
    fields[i] = {strdup(names[i].cast<std::string>().c_str()), nullptr};
  fields[names.size()] = {nullptr, nullptr};
  const char* qualified = strdup(("cgrad.return_types." + name).c_str());
  py::object out_type = make_return_type(qualified, fields);
  types.attr(name.c_str()) = out_type;
  return out_type;
}

py::object struct_result(const py::object& type, std::initializer_list<Tensor> items) {
  PyObject* obj = PyStructSequence_New(reinterpret_cast<PyTypeObject*>(type.ptr()));
  if (!obj) throw py::error_already_set();
  Py_ssize_t i = 0;
  for (const Tensor& t : items) PyStructSequence_SetItem(obj, i++, py::cast(t).release().ptr());
  return py::reinterpret_steal<py::object>(obj);
}

py::object values_indices(const py::object& type, std::pair<Tensor, Tensor> r) {
  return struct_result(type, {r.first, r.second});
}

}  // namespace cgrad::bindings
