// DLPack in Python: Tensor.__dlpack__ / __dlpack_device__ make capsules, _C._from_dlpack
// reads them (python/cgrad/utils/dlpack.py adds the from_dlpack protocol around it).
// The capsule names and their renaming on use are the Python specification of DLPack
// (https://dmlc.github.io/dlpack/latest/python_spec.html).
#include "cgrad/dlpack.h"

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

constexpr const char* kCapsule = "dltensor";
constexpr const char* kUsedCapsule = "used_dltensor";
constexpr const char* kVersionedCapsule = "dltensor_versioned";
constexpr const char* kUsedVersionedCapsule = "used_dltensor_versioned";

// A capsule nobody consumed still owns its managed tensor.
void delete_unconsumed(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, kVersionedCapsule)) {
    auto* m = static_cast<dlpack::ManagedTensorVersioned*>(
        PyCapsule_GetPointer(capsule, kVersionedCapsule));
    if (m->deleter) m->deleter(m);
  } else if (PyCapsule_IsValid(capsule, kCapsule)) {
    auto* m = static_cast<dlpack::ManagedTensor*>(PyCapsule_GetPointer(capsule, kCapsule));
    if (m->deleter) m->deleter(m);
  }
}

template <class Managed> py::object make_capsule(Managed* managed, const char* name) {
  PyObject* capsule = PyCapsule_New(managed, name, &delete_unconsumed);
  if (!capsule) {
    managed->deleter(managed);
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::object>(capsule);
}

// The tensor to export under dl_device= and copy=, as torch checks them. Sets `copied`.
Tensor exported(const Tensor& t, py::handle dl_device, py::handle copy, bool& copied) {
  if (!dl_device.is_none()) {
    auto device = dl_device.cast<std::pair<int, int>>();
    if (device.first != dlpack::kCPU || device.second != 0)
      throw py::buffer_error("cgrad tensors live in CPU memory and cannot be exported to DLPack "
                             "device (" + std::to_string(device.first) + ", " +
                             std::to_string(device.second) + ")");
  }
  copied = !copy.is_none() && copy.cast<bool>();
  if (!copied) t->absorbing_zero = false;  // shared memory (Note [Absorbing zeros])
  return copied ? clone(detach(t)) : t;
}

py::object to_capsule(const Tensor& t, py::handle dl_device, py::handle copy) {
  bool copied = false;
  return make_capsule(to_dlpack(exported(t, dl_device, copy, copied)), kCapsule);
}

py::object to_versioned_capsule(const Tensor& t, py::handle dl_device, py::handle copy) {
  bool copied = false;
  Tensor source = exported(t, dl_device, copy, copied);
  return make_capsule(to_dlpack_versioned(source, copied), kVersionedCapsule);
}

// Tensor.__dlpack__(*, stream=-1, max_version=None, dl_device=None, copy=None), with the
// checks and error types of torch's.
py::object dlpack_method(const Tensor& self, py::handle stream, py::handle max_version,
                         py::handle dl_device, py::handle copy) {
  if (self->requires_grad())
    throw py::buffer_error("Can't export tensors that require gradient, use tensor.detach()");
  if (!stream.is_none() && !PyLong_CheckExact(stream.ptr()))
    throw TypeError("stream must be ``int`` or ``none``");
  if (!stream.is_none() && stream.cast<int64_t>() != -1) {
    PyErr_SetString(PyExc_AssertionError, "stream should be None on cpu.");
    throw py::error_already_set();
  }
  if (max_version.is_none() || py::reinterpret_borrow<py::sequence>(max_version)[0].cast<int>() < 1)
    return to_capsule(self, dl_device, copy);  // the legacy capsule, as torch
  return to_versioned_capsule(self, dl_device, copy);
}

[[noreturn]] void invalid_capsule() {
  throw std::runtime_error(
      "from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed "
      "only once, so you might have already constructed a tensor from it once.");
}

// A tensor over a capsule's memory; the capsule is marked used once the tensor owns it.
Tensor from_capsule(py::handle capsule) {
  PyObject* c = capsule.ptr();
  Tensor t;
  if (PyCapsule_IsValid(c, kVersionedCapsule)) {
    t = from_dlpack(static_cast<dlpack::ManagedTensorVersioned*>(
        PyCapsule_GetPointer(c, kVersionedCapsule)));
    PyCapsule_SetName(c, kUsedVersionedCapsule);
  } else if (PyCapsule_IsValid(c, kCapsule)) {
    t = from_dlpack(static_cast<dlpack::ManagedTensor*>(PyCapsule_GetPointer(c, kCapsule)));
    PyCapsule_SetName(c, kUsedCapsule);
  } else {
    invalid_capsule();
  }
  return t;
}

}  // namespace

void init_dlpack(py::module_& m, TensorClass& cls) {
  cls.def("__dlpack__", &dlpack_method, py::kw_only(), py::arg("stream") = -1,
          py::arg("max_version") = py::none(), py::arg("dl_device") = py::none(),
          py::arg("copy") = py::none(),
          "A DLPack capsule sharing this tensor's memory (a copy with copy=True): the legacy "
          "'dltensor' one unless max_version is (1, 0) or later.");
  cls.def("__dlpack_device__", [](const Tensor&) {
    py::object device_type = py::module_::import("cgrad.utils.dlpack").attr("DLDeviceType");
    return py::make_tuple(device_type(static_cast<int>(dlpack::kCPU)), 0);
  }, "(DLDeviceType.kDLCPU, 0): where the memory of __dlpack__'s capsule lives.");
  m.def("_to_dlpack", &to_capsule, py::arg("tensor"), py::kw_only(),
        py::arg("dl_device") = py::none(), py::arg("copy") = py::none(),
        "A legacy 'dltensor' capsule of `tensor` (no autograd checks).");
  m.def("_to_dlpack_versioned", &to_versioned_capsule, py::arg("tensor"), py::kw_only(),
        py::arg("dl_device") = py::none(), py::arg("copy") = py::none(),
        "A DLPack 1.x 'dltensor_versioned' capsule of `tensor` (no autograd checks).");
  m.def("_from_dlpack", &from_capsule, py::arg("capsule"),
        "A tensor sharing the memory of an unused DLPack capsule, which it marks used.");
}

}  // namespace cgrad::bindings
