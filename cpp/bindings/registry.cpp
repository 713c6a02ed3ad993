// The op registry: which ops each area binds, for the README's op list and the tests.
//
// Note [Op registry]: rather than a hand-kept table, each area's init runs inside
// `record_area`, which compares the names on the module, on Tensor and on `_nn` before
// and after — so every function, method and operator an area binds is registered under
// that area automatically, and nothing can be bound without appearing in the list.
#include "registry.h"

namespace cgrad::bindings {

namespace {
// name -> attribute, so that redefinitions (a class's own __eq__ replacing object's) count.
py::dict attributes_of(py::handle obj) {
  py::dict out;
  for (py::handle name : py::reinterpret_steal<py::list>(PyObject_Dir(obj.ptr())))
    out[name] = obj.attr(name);
  return out;
}

py::list added(const py::dict& before, const py::dict& after) {
  // Attributes Python makes afresh on every access: not ops.
  const py::set incidental = py::set(py::make_tuple(
      "__dict__", "__init_subclass__", "__subclasshook__", "__doc__", "__module__"));
  py::list out;
  for (auto [name, value] : after) {
    if (incidental.contains(name)) continue;
    // Ops are functions, methods and properties; namespaces (return_types) and exception
    // classes (LinAlgError) are not.
    if (!PyCallable_Check(value.ptr()) && !PyObject_TypeCheck(value.ptr(), &PyProperty_Type))
      continue;
    if (PyExceptionClass_Check(value.ptr())) continue;
    if (!before.contains(name) || before[name].ptr() != value.ptr()) out.append(name);
  }
  out.attr("sort")();
  return out;
}
}  // namespace

OpRegistry::OpRegistry(py::module_& m, TensorClass& cls)
    : m_(m), cls_(cls), nn_(m.attr("_nn")), linalg_(m.attr("_linalg")), areas_(py::dict()) {}

void OpRegistry::record_area(const char* area, const std::function<void()>& init) {
  py::dict m0 = attributes_of(m_), c0 = attributes_of(cls_), n0 = attributes_of(nn_),
           l0 = attributes_of(linalg_);
  init();
  py::dict entry;
  entry["functions"] = added(m0, attributes_of(m_));
  entry["methods"] = added(c0, attributes_of(cls_));
  entry["nn.functional"] = added(n0, attributes_of(nn_));
  entry["linalg"] = added(l0, attributes_of(linalg_));
  areas_[area] = entry;
}

void OpRegistry::publish() {
  py::dict areas = areas_;
  m_.def("_op_registry", [areas]() { return areas; },
         "{area: {'functions': [...], 'methods': [...], 'nn.functional': [...]}} of every "
         "bound op, in binding order of the areas.");
}

}  // namespace cgrad::bindings
