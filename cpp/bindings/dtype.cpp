// cgrad.dtype objects (cgrad.float32, ...) and the argument conversions shared by areas.
#include <string>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
struct DTypeObject {
  DType type;
};
// One object per dtype, returned by reference so `t.dtype is cgrad.float32` holds.
DTypeObject dtype_objects[kNumDTypes] = {
    {DType::Bool},  {DType::Int32}, {DType::Int64}, {DType::Float32}, {DType::Float64},
    {DType::UInt8}, {DType::Int8},  {DType::Int16}, {DType::Float16}, {DType::BFloat16}};
py::object size_class;
}  // namespace

py::object dtype_object(DType t) {
  return py::cast(&dtype_objects[static_cast<int>(t)], py::return_value_policy::reference);
}

DType dtype_from_py(py::handle h) {
  if (py::isinstance<DTypeObject>(h)) return h.cast<DTypeObject*>()->type;
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return DType::Float64;
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return DType::Int64;
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return DType::Bool;
  throw TypeError("argument 'dtype' must be cgrad.dtype, not " +
                  type_name(h));
}

std::optional<DType> optional_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return dtype_from_py(h);
}

int64_t int64_from_py(py::handle h) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  if (overflow == 0) {
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    return v;
  }
  if (overflow < 0) throw OverflowError("can't convert negative int to unsigned");
  PyLong_AsUnsignedLongLong(h.ptr());  // fits in uint64?
  if (PyErr_Occurred()) {
    PyErr_Clear();
    throw OverflowError("int too big to convert");
  }
  throw std::runtime_error("value cannot be converted to type int64_t without overflow");
}

void check_device(py::handle device) {
  if (device.is_none()) return;
  // One parser for device names, in Python (Note [One device] in _device.py).
  py::module_::import("cgrad._device").attr("check_device")(device);
}

void check_generator_device(py::handle device) {
  py::module_::import("cgrad._device").attr("check_generator_device")(device);
}

bool is_device(py::handle h) {
  if (PyUnicode_Check(h.ptr())) return true;
  static py::handle device_class =
      py::object(py::module_::import("cgrad._device").attr("device")).release();
  return py::isinstance(h, device_class);
}

int64_t unpack_int64(py::handle h) {
  py::object value = PyLong_Check(h.ptr()) ? py::reinterpret_borrow<py::object>(h)
                                           : py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!value) throw py::error_already_set();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow) throw ValueError("Overflow when unpacking long long");
  return v;
}

Tensor as_operand(py::handle h) {
  if (py::isinstance<TensorImpl>(h)) return h.cast<Tensor>();
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) return wrapped_scalar(o == Py_True, DType::Bool);
  if (PyLong_Check(o)) return wrapped_scalar(int64_from_py(h), DType::Int64);
  if (PyFloat_Check(o)) return wrapped_scalar(PyFloat_AS_DOUBLE(o), DType::Float64);
  if (py::isinstance<py::array>(h)) return nullptr;  // an array is no number: TypeError
  if (py::hasattr(h, "dtype") && py::hasattr(h, "item")) {  // numpy scalars
    py::object v = h.attr("item")();
    if (PyBool_Check(v.ptr()) || PyLong_Check(v.ptr()) || PyFloat_Check(v.ptr()))
      return as_operand(v);
  }
  return nullptr;
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

Scalar number_from_py(py::handle h, const char* op, const char* arg) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) return o == Py_True;
  if (PyLong_Check(o)) return int64_from_py(h);
  if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);
  if (py::isinstance<TensorImpl>(h)) {
    Tensor t = h.cast<Tensor>();
    if (t->numel() == 1) return item_as_scalar(*t);
  } else if (!py::isinstance<py::array>(h) && py::hasattr(h, "dtype") && py::hasattr(h, "item")) {
    return number_from_py(h.attr("item")(), op, arg);  // numpy scalars
  }
  throw TypeError(std::string(op) + "(): argument '" + arg + "' must be Number, not " +
                  type_name(h));
}

Tensor operand_or_throw(py::handle other, const char* op, const char* arg) {
  Tensor o = as_operand(other);
  if (!o)
    throw TypeError(std::string(op) + "(): argument '" + arg + "' must be Tensor, not " +
                    type_name(other));
  return o;
}

void set_size_class(py::object cls) { size_class = std::move(cls); }

py::object size_object(const Shape& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  if (!size_class) return std::move(t);
  return size_class(t);
}

namespace {
// Element `position` (from 1) of a size.
int64_t int_arg(py::handle h, const char* op, size_t position) {
  const bool is_int = PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr());
  if (is_int || (py::hasattr(h, "__index__") && !PyFloat_Check(h.ptr()) &&
                 !py::isinstance<TensorImpl>(h))) {
    try {
      return unpack_int64(h);
    } catch (const ValueError& e) {  // torch's words for a size element
      throw TypeError(std::string(op) + "(): argument 'size' failed to unpack the object at "
                      "pos " + std::to_string(position) + " with error \"" + e.what() + "\"");
    }
  }
  if (py::isinstance<TensorImpl>(h)) {
    Tensor t = h.cast<Tensor>();
    if (t->numel() == 1 && is_integral(t->dtype, false)) return item_as_int64(*t);
  }
  throw TypeError(std::string(op) + "(): argument 'size' must be tuple of ints, but found "
                  "element of type " + type_name(h));
}
}  // namespace

Shape shape_from_args(const py::args& args, const char* op) {
  Shape sizes;
  if (args.size() == 1 && (py::isinstance<py::tuple>(args[0]) || py::isinstance<py::list>(args[0]))) {
    for (py::handle h : args[0]) sizes.push_back(int_arg(h, op, sizes.size() + 1));
  } else {
    for (py::handle h : args) sizes.push_back(int_arg(h, op, sizes.size() + 1));
  }
  return sizes;
}

Shape sizes_from_args(const py::args& args, const char* op) {
  Shape sizes = shape_from_args(args, op);
  for (int64_t s : sizes)
    if (s < 0)
      throw std::runtime_error(std::string(op) + "(): Trying to create tensor with negative "
                               "dimension " + std::to_string(s) + ": " + shape_str(sizes));
  return sizes;
}

int64_t dim_from_py(py::handle h) {
  // bool is an int subclass in Python, but torch rejects it as a dim.
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return unpack_int64(h);
  throw TypeError("argument 'dim' must be int, not " +
                  type_name(h));
}

std::optional<DimList> dims_from_py(py::handle h) {
  if (h.is_none()) return std::nullopt;
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr())) return DimList{dim_from_py(h)};
  DimList dims;
  for (py::handle d : h) dims.push_back(dim_from_py(d));
  return dims;
}

double norm_order(py::handle p) {
  if (p.is_none()) return 2.0;
  if (PyUnicode_Check(p.ptr())) {
    std::string s = p.cast<std::string>();
    if (s == "fro") return 2.0;
    throw NotImplementedError("norm: p='" + s + "' is not supported (use a number or 'fro')");
  }
  return py::float_(py::reinterpret_borrow<py::object>(p)).cast<double>();
}

py::object item_object(const TensorImpl& t) {
  if (t.numel() != 1)
    throw std::runtime_error("a Tensor with " + std::to_string(t.numel()) +
                             " elements cannot be converted to Scalar");
  if (is_floating(t.dtype)) return py::float_(item_as_double(t));
  if (t.dtype == DType::Bool) return py::bool_(item_as_int64(t) != 0);
  return py::int_(item_as_int64(t));
}

void init_dtype(py::module_& m) {
  py::class_<DTypeObject>(m, "dtype")
      .def("__repr__", [](const DTypeObject& d) { return std::string("cgrad.") + dtype_name(d.type); })
      .def_property_readonly("is_floating_point", [](const DTypeObject& d) { return is_floating(d.type); })
      .def_property_readonly("itemsize", [](const DTypeObject& d) { return itemsize(d.type); })
      .def_property_readonly("is_signed", [](const DTypeObject& d) { return is_signed(d.type); })
      .def("__reduce__", [](const DTypeObject& d) { return std::string(dtype_name(d.type)); });
  for (int i = 0; i < kNumDTypes; ++i)
    m.attr(dtype_name(static_cast<DType>(i))) = dtype_object(static_cast<DType>(i));
  m.def("_set_size_class", &set_size_class);
  m.def("get_default_dtype", [] { return dtype_object(default_float()); });
  m.def("set_default_dtype", [](py::handle d) {
    if (!py::isinstance<DTypeObject>(d))
      throw TypeError("invalid dtype object: only floating-point types are supported as the "
                      "default type");
    DType t = d.cast<DTypeObject*>()->type;
    if (!is_floating(t)) throw TypeError("only floating-point types are supported as the default type");
    set_default_float(t);
  }, py::arg("d"));
}

}  // namespace cgrad::bindings
