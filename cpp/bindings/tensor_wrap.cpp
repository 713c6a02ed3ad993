// A Python Tensor for an op's fresh result, made without pybind11's generic cast.
//
// Note [Wrapping fresh results]: py::cast of a shared_ptr<TensorImpl> looks the C++ type
// up by its typeid (two hash lookups keyed by the mangled name), asks whether a Python
// object already wraps that pointer, looks the Python type's bases up again to lay the
// instance out, and copies the holder. On a 4-element `a + b` that was a fifth of the
// time. A result no one else holds (use_count 1) can have no Python wrapper yet (a
// wrapper keeps a holder), so its object is built here directly: allocate cgrad.Tensor,
// fill pybind11's simple layout (one value pointer, the holder beside it), register the
// pointer as pybind11 does (its dealloc deregisters it), and move the holder in. Anything
// else (a shared result, a layout pybind11 would not make simple) takes py::cast.
#include <new>

#include "bindings.h"

namespace cgrad::bindings {

namespace {
PyTypeObject* wrap_type = nullptr;                     // cgrad.Tensor
const py::detail::type_info* wrap_info = nullptr;      // its pybind11 record
}  // namespace

void init_tensor_wrap(TensorClass& cls) {
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  const auto& bases = py::detail::all_type_info(type);
  const py::detail::type_info* info = py::detail::get_type_info(typeid(TensorImpl));
  const bool simple = bases.size() == 1 && bases.front() == info && info->simple_ancestors &&
                      info->holder_size_in_ptrs <= py::detail::instance_simple_holder_in_ptrs();
  wrap_type = simple ? type : nullptr;
  wrap_info = simple ? info : nullptr;
}

PyObject* wrap_new_tensor(Tensor&& t) {
  if (!wrap_type || !t || t.use_count() != 1) return py::cast(std::move(t)).release().ptr();
  PyObject* self = wrap_type->tp_alloc(wrap_type, 0);  // zeroed, GC-tracked
  if (!self) throw py::error_already_set();
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  TensorImpl* value = t.get();
  inst->simple_layout = true;
  inst->owned = true;
  inst->simple_value_holder[0] = value;
  py::detail::register_instance(inst, value, wrap_info);
  inst->simple_instance_registered = true;
  new (&inst->simple_value_holder[1]) Tensor(std::move(t));
  inst->simple_holder_constructed = true;
  return self;
}

}  // namespace cgrad::bindings
