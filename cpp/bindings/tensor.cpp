// cgrad.Tensor: the bound TensorImpl. Every operator and method is one direct call into
// C++; printing (__repr__) is added by the Python layer.
#include <cmath>
#include <string>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/node.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// Tensor(*sizes, device=None) or Tensor(data); no dtype or requires_grad (torch's
// argument error for those, as for any other keyword).
Tensor legacy_constructor(py::args args, py::object device) {
  check_device(device);
  if (args.size() == 0) return empty({0}, default_float());
  if (args.size() == 1) {
    py::handle a = args[0];
    // Tensor(t): torch returns an alias of t, whatever its dtype, still in the graph.
    if (py::isinstance<TensorImpl>(a)) return alias(a.cast<Tensor>());
    bool is_size = py::hasattr(py::type::of(a), "numel") && py::isinstance<py::tuple>(a);
    if (is_size) return empty(sizes_from_args(args, "Tensor"), default_float());
    if (!PyLong_Check(a.ptr()) || PyBool_Check(a.ptr())) {
      // A lone number is neither sizes nor data here (torch.tensor takes numbers).
      if (!PySequence_Check(a.ptr()))
        throw TypeError("new(): data must be a sequence (got " +
                        type_name(a) + ")");
      return tensor_from_data(a, default_float());
    }
  }
  return empty(sizes_from_args(args, "Tensor"), default_float());
}

// Nested Python lists of t's elements.
py::object tolist(const TensorImpl& t) {
  return dispatch_all(t.dtype, [&](auto tag) -> py::object {
    using T = typename decltype(tag)::type;
    auto scalar = [](T v) -> py::object {
      if constexpr (std::is_same_v<T, bool>) return py::bool_(v);
      else if constexpr (is_small_float_v<T>) return py::float_(static_cast<float>(v));
      else if constexpr (std::is_floating_point_v<T>) return py::float_(static_cast<double>(v));
      else return py::int_(static_cast<int64_t>(v));
    };
    const T* base = t.data<T>();
    if (t.dim() == 0) return scalar(base[0]);
    // Recursion depth is the rank, so plain recursion is safe here.
    std::function<py::object(int64_t, int64_t)> build = [&](int64_t dim, int64_t off) -> py::object {
      py::list out(t.sizes[dim]);
      for (int64_t i = 0; i < t.sizes[dim]; ++i) {
        int64_t o = off + i * t.strides[dim];
        out[i] = dim + 1 == t.dim() ? scalar(base[o]) : build(dim + 1, o);
      }
      return std::move(out);
    };
    return build(0, 0);
  });
}

}  // namespace

void set_data(const Tensor& self, const Tensor& src) {
  if (self->requires_grad() && !is_floating(src->dtype))
    throw std::runtime_error("data set to a tensor that requires gradients must be floating point");
  if (self.get() == src.get()) return;  // x.data = x changes nothing
  // As torch, self keeps its own version counter (Note [Version counter ownership]).
  // When that lives in the storage being replaced, the count moves to a counter of its
  // own, unless views still share that storage (and so the counter).
  std::shared_ptr<Storage> old = std::move(self->storage);
  if (self->version.get() == &old->version) {
    if (old.use_count() == 1) {
      auto own = std::make_shared<VersionCounter>();
      own->value.store(old->version.get());
      own->last_writer.store(old->version.last_writer.load());
      self->version = VersionRef(std::move(own));
    } else {
      self->version = VersionRef(std::shared_ptr<VersionCounter>(old, &old->version));
    }
  }
  self->storage = src->storage;
  self->sizes = src->sizes;
  self->strides = src->strides;
  self->offset = src->offset;
  self->dtype = src->dtype;
}

namespace {

void set_grad(const Tensor& self, std::optional<Tensor> maybe_grad) {
  const Tensor grad = maybe_grad.value_or(Tensor());
  if (grad) {
    if (grad->sizes != self->sizes)
      throw std::runtime_error("assigned grad has data of a different size");
    if (grad->dtype != self->dtype)
      throw std::runtime_error("assigned grad has data of a different type");
  }
  if (!grad && !self->autograd) return;
  self->autograd_meta().grad = grad;
}

// to(dtype, non_blocking=False, copy=False), to(device=None, dtype=None, non_blocking=False,
// copy=False) or to(other, non_blocking=False, copy=False): a device, a dtype or a tensor
// first, then the two flags (non_blocking means nothing on the CPU).
Tensor to_impl(const Tensor& self, py::args args, py::object dtype_kw, py::object device,
               bool non_blocking, bool copy) {
  std::optional<DType> dtype;
  size_t i = 0;
  auto next_is = [&](auto check) { return i < args.size() && check(args[i]); };
  if (next_is([](py::handle a) { return is_device(a) || a.is_none(); }))
    check_device(args[i++]);
  if (next_is([](py::handle a) { return py::isinstance<TensorImpl>(a); }))
    dtype = args[i++].cast<Tensor>()->dtype;
  else if (next_is([](py::handle a) { return !PyBool_Check(a.ptr()) && !a.is_none(); }))
    dtype = dtype_from_py(args[i++]);
  bool* flags[] = {&non_blocking, &copy};
  for (bool* flag : flags)
    if (next_is([](py::handle a) { return PyBool_Check(a.ptr()); })) *flag = args[i++].cast<bool>();
  if (i < args.size())
    throw TypeError("to() received an invalid combination of arguments: unexpected " +
                    type_name(args[i]) +
                    " at position " + std::to_string(i + 1));
  check_device(device);
  if (!dtype_kw.is_none()) dtype = dtype_from_py(dtype_kw);
  return to_dtype(self, dtype.value_or(self->dtype), copy);  // a copy is a ToCopyBackward0
}

py::object scalar_of(const Tensor& self) {
  if (self->numel() != 1)
    throw ValueError("only one element tensors can be converted to Python scalars");
  return item_object(*self);
}

// Note [Tensor subclasses]: nn.Parameter (and any user subclass) is a Python subclass of
// the bound Tensor. torch builds one with Tensor._make_subclass(cls, data, requires_grad):
// a new tensor sharing data's storage and version counter, outside data's graph, whose
// Python object is an instance of cls. We allocate that object as pybind11 itself does
// when it returns a C++ tensor (make_new_instance + the type's init_instance, which
// registers the instance), only with cls as the type. Registration makes every later
// return of this TensorImpl (requires_grad_(), an op's pass-through) hand back the same
// subclass object, and operators stay the bound C++ slots: no Python frame is added.
py::object make_subclass(py::handle cls, const Tensor& data, bool requires_grad) {
  auto* tensor_type = reinterpret_cast<PyTypeObject*>(py::type::of<TensorImpl>().ptr());
  if (!PyType_Check(cls.ptr()) ||
      !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls.ptr()), tensor_type))
    throw TypeError("cls must be a type (got " + std::string(Py_TYPE(cls.ptr())->tp_name) + ")");
  Tensor t = detach(data);
  t->set_requires_grad(requires_grad);
  auto obj = py::reinterpret_steal<py::object>(
      py::detail::make_new_instance(reinterpret_cast<PyTypeObject*>(cls.ptr())));
  auto* inst = reinterpret_cast<py::detail::instance*>(obj.ptr());
  inst->owned = true;
  py::detail::values_and_holders(inst).begin()->value_ptr() = t.get();
  py::detail::get_type_info(typeid(TensorImpl))->init_instance(inst, &t);
  return obj;
}

// The dim of size(dim) / stride(dim): a 0-d tensor has none to read (wrap_dim would take
// 0 and -1 for it, as reductions do, and the read would run past an empty list).
int64_t dim_of_sizes(py::handle dim, const TensorImpl& t) {
  const int64_t d = dim_from_py(dim);
  if (t.dim() == 0)
    throw IndexError("Dimension specified as " + std::to_string(d) + " but tensor has no dimensions");
  return wrap_dim(d, t.dim());
}

// Shape, strides, dtype, sizes in elements and bytes; cgrad.is_tensor and friends.
void def_metadata(py::module_& m, TensorClass& cls) {
  cls.def_property_readonly("shape", [](const Tensor& t) { return size_object(t->sizes); })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return size_object(t->sizes);
        return py::int_(t->sizes[dim_of_sizes(dim, *t)]);
      }, py::arg("dim") = py::none())
      .def("dim", &TensorImpl::dim)
      .def("ndimension", &TensorImpl::dim)
      .def_property_readonly("ndim", &TensorImpl::dim)
      .def("numel", &TensorImpl::numel)
      .def("nelement", &TensorImpl::numel)
      .def("element_size", [](const Tensor& t) { return itemsize(t->dtype); })
      .def_property_readonly("dtype", [](const Tensor& t) { return dtype_object(t->dtype); })
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t->dtype); })
      .def("is_contiguous", [](const Tensor& t, py::handle memory_format) {
        return is_contiguous_as(*t, memory_format);
      }, py::kw_only(), py::arg("memory_format") = contiguous_format_object())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return py::cast(t->strides).cast<py::tuple>();
        return py::int_(t->strides[dim_of_sizes(dim, *t)]);
      }, py::arg("dim") = py::none())
      .def("storage_offset", [](const Tensor& t) { return t->offset; })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t->raw_data()); })
      .def_property_readonly("_version", [](const Tensor& t) { return t->version->get(); })
      .def("__len__", [](const Tensor& t) {
        if (t->dim() == 0) throw TypeError("len() of a 0-d tensor");
        return t->sizes[0];
      })
      .def("__hash__", [](py::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); });
  m.def("is_tensor", [](py::handle obj) { return py::isinstance<TensorImpl>(obj); },
        py::arg("obj"), py::pos_only());
  m.def("is_floating_point", [](const Tensor& t) { return is_floating(t->dtype); },
        py::arg("input"));
  m.def("numel", [](const Tensor& t) { return t->numel(); }, py::arg("input"));
}

// detach_: the tensor itself leaves the graph, as torch's: no grad_fn, requires_grad False,
// output_nr 0 (its .grad, hooks' registrations and retains_grad stay). A view cannot: its
// history is its base's.
py::object detach_in_place(py::object self_obj) {
  const Tensor t = self_obj.cast<Tensor>();
  if (t->view_base)
    throw std::runtime_error(
        "Can't detach views in-place. Use detach() instead. If you are using "
        "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
        "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
        "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
        "function in torch/optim/optimizer.py as the solution.");
  if (t->autograd) {
    t->autograd->requires_grad = false;
    t->autograd->grad_fn.reset();
    t->autograd->output_nr = 0;
  }
  return self_obj;
}

// requires_grad, grad, grad_fn, data, detach, views' _base (hooks and backward: autograd.cpp).
void def_autograd_attributes(TensorClass& cls) {
  cls.def_property("requires_grad", &TensorImpl::requires_grad,
                   [](const Tensor& t, bool v) { t->set_requires_grad(v); })
      .def("requires_grad_", [](py::object self, bool v) {
        self.cast<Tensor>()->set_requires_grad(v);
        return self;
      }, py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", &TensorImpl::is_leaf)
      .def_property("grad", [](const Tensor& t) { return t->autograd ? t->autograd->grad : Tensor(); },
                    &set_grad)
      .def_property_readonly("grad_fn", [](const Tensor& t) { return node_object(t->grad_fn()); })
      .def_property("data", [](const Tensor& t) {
        // `.data` shares memory but not the version counter: writes through it are not
        // seen by autograd, exactly as in torch.
        Tensor d = detach(t);
        d->version = VersionRef(std::make_shared<VersionCounter>());
        t->absorbing_zero = false;  // unseen writes (Note [Absorbing zeros])
        return d;
      }, &set_data)
      .def("detach", &detach)
      .def("detach_", &detach_in_place)
      // A view op's result (not detach, .data): the tensor owning the memory is its _base.
      .def("_is_view", [](const Tensor& t) { return static_cast<bool>(t->view_base); })
      .def_property_readonly("_base", [](const Tensor& t) { return t->view_base; });
}

// Python numbers, lists, numpy arrays and other dtypes.
void def_conversions(TensorClass& cls) {
  cls.def("item", [](const Tensor& t) { return item_object(*t); })
      .def("tolist", [](const Tensor& t) { return tolist(*t); })
      .def("numpy", [](py::object self) { return to_numpy(self.cast<Tensor>(), self); })
      .def("__array__", [](py::object self, py::object dtype, py::object copy) -> py::object {
        // numpy 2's copy=: True always copies, False refuses to, None copies when the
        // dtype asks for it (torch 2.13's __array__ takes no copy= yet).
        py::array a = to_numpy(self.cast<Tensor>(), self);
        const bool convert = !dtype.is_none() && !a.dtype().is(py::dtype::from_args(dtype));
        if (convert && !copy.is_none() && !copy.cast<bool>())
          throw ValueError("Unable to avoid copy while creating an array as requested.");
        if (convert) return a.attr("astype")(dtype);
        return !copy.is_none() && copy.cast<bool>() ? a.attr("copy")() : py::object(a);
      }, py::arg("dtype") = py::none(), py::arg("copy") = py::none());
  // As torch: numpy defers to the tensor, so np.float32(2) + t is a tensor (with its
  // graph), not an array built through __array__.
  cls.attr("__array_priority__") = 1000;
  cls.def("__bool__", [](const Tensor& t) {
        if (t->numel() == 0) throw std::runtime_error("Boolean value of Tensor with no values is ambiguous");
        if (t->numel() > 1) throw std::runtime_error("Boolean value of Tensor with more than one value is ambiguous");
        return item_as_double(*t) != 0.0;
      })
      .def("__float__", [](const Tensor& t) { return py::float_(scalar_of(t)); })
      .def("__int__", [](const Tensor& t) {
        // PyNumber_Long, not py::int_: a bool must come back as a plain int, and
        // int(nan) must raise Python's ValueError.
        PyObject* v = PyNumber_Long(scalar_of(t).ptr());
        if (!v) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(v);
      })
      .def("__index__", [](const Tensor& t) {
        if (t->numel() != 1 || !is_integral(t->dtype, true))
          throw TypeError("only integer tensors of a single element can be converted to an index");
        return item_as_int64(*t);
      })
      .def("to", &to_impl, py::arg("dtype") = py::none(), py::arg("device") = py::none(),
           py::arg("non_blocking") = false, py::arg("copy") = false)
      .def("int", [](const Tensor& t) { return to_dtype(t, DType::Int32); })
      .def("long", [](const Tensor& t) { return to_dtype(t, DType::Int64); })
      .def("float", [](const Tensor& t) { return to_dtype(t, DType::Float32); })
      .def("double", [](const Tensor& t) { return to_dtype(t, DType::Float64); })
      .def("bool", [](const Tensor& t) { return to_dtype(t, DType::Bool); })
      .def("half", [](const Tensor& t) { return to_dtype(t, DType::Float16); })
      .def("bfloat16", [](const Tensor& t) { return to_dtype(t, DType::BFloat16); })
      .def("byte", [](const Tensor& t) { return to_dtype(t, DType::UInt8); })
      .def("char", [](const Tensor& t) { return to_dtype(t, DType::Int8); })
      .def("short", [](const Tensor& t) { return to_dtype(t, DType::Int16); })
      .def("type_as", [](const Tensor& t, const Tensor& other) { return to_dtype(t, other->dtype); },
           py::arg("other"))
      .def("cpu", [](py::object self) { return self; });
}

}  // namespace

TensorClass init_tensor(py::module_& m) {
  TensorClass cls(m, "Tensor", py::dynamic_attr(), py::custom_type_setup(&setup_tensor_gc));
  cls.def(py::init(&legacy_constructor), py::arg("device") = py::none(),
          "Legacy constructor: Tensor(*sizes) or Tensor(data); always float32.");
  cls.def_static("_make_subclass", &make_subclass, py::arg("cls"), py::arg("data"),
                 py::arg("require_grad") = false,
                 "An instance of the Tensor subclass `cls` sharing `data`'s memory, detached.");
  def_metadata(m, cls);
  def_autograd_attributes(cls);
  def_conversions(cls);
  return cls;
}

}  // namespace cgrad::bindings
