// Making tensors from Python data (nested sequences, scalars, numpy arrays), numpy
// interop, and the factory functions (ones, zeros, full, empty, arange, eye, rand, ...).
#include <cstring>
#include <limits>
#include <string>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

bool is_sequence(py::handle h) {
  return PySequence_Check(h.ptr()) && !PyUnicode_Check(h.ptr()) && !PyBytes_Check(h.ptr()) &&
         !py::isinstance<TensorImpl>(h);
}

// One scalar pulled out of the Python data. `dtype` is what it contributes to dtype
// inference: Python floats the default float, ints int64; numpy scalars and one-element
// tensors keep their own dtype, as in torch.
struct Element {
  enum Kind { Bool, Int, Float } kind;
  int64_t i = 0;
  double f = 0.0;
  DType dtype = DType::Bool;
  Scalar value() const {
    if (kind == Float) return f;
    if (kind == Bool) return i != 0;
    return i;
  }
};

DType numpy_dtype_to_cgrad(const py::dtype& dt);

Element element_of(py::handle h) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) return {Element::Bool, o == Py_True, 0.0, DType::Bool};
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw ValueError("Overflow when unpacking long long");
    return {Element::Int, v, 0.0, DType::Int64};
  }
  // Exact check: numpy.float64 subclasses float but keeps its own dtype (below).
  if (PyFloat_CheckExact(o)) return {Element::Float, 0, PyFloat_AS_DOUBLE(o), default_float()};
  if (py::isinstance<TensorImpl>(h)) {
    Tensor t = h.cast<Tensor>();
    if (t->numel() != 1)
      throw ValueError("only one element tensors can be converted to Python scalars");
    if (is_floating(t->dtype)) return {Element::Float, 0, item_as_double(*t), t->dtype};
    return {t->dtype == DType::Bool ? Element::Bool : Element::Int, item_as_int64(*t), 0.0,
            t->dtype};
  }
  if (py::hasattr(h, "dtype") && py::hasattr(h, "item")) {  // numpy scalar
    Element e = element_of(h.attr("item")());
    e.dtype = numpy_dtype_to_cgrad(py::dtype::from_args(h.attr("dtype")));
    return e;
  }
  if (PyFloat_Check(o)) return {Element::Float, 0, PyFloat_AS_DOUBLE(o), default_float()};
  if (PyUnicode_Check(o) || PyBytes_Check(o))
    throw TypeError("new(): invalid data type '" + type_name(h) + "'");
  throw std::runtime_error("Could not infer dtype of " + type_name(h));
}

// full()'s fill value: as element_of, but an int outside int64 raises as torch's scalar
// arguments do (int64_from_py), not as its tensor data does.
Element fill_element(py::handle h) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr()))
    return {Element::Int, int64_from_py(h), 0.0, DType::Int64};
  return element_of(h);
}

struct ParsedData {
  Shape sizes;
  std::vector<Element> elements;
};

void collect(py::handle obj, size_t dim, ParsedData& out) {
  if (dim == out.sizes.size()) {
    if (is_sequence(obj)) throw TypeError("expected a scalar at dim " + std::to_string(dim) +
                                          " but found a sequence");
    out.elements.push_back(element_of(obj));
    return;
  }
  if (!is_sequence(obj))
    throw TypeError("expected sequence of length " + std::to_string(out.sizes[dim]) +
                    " at dim " + std::to_string(dim) + " (got " + type_name(obj) + ")");
  py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
  int64_t n = static_cast<int64_t>(py::len(seq));
  if (n != out.sizes[dim])
    throw ValueError("expected sequence of length " + std::to_string(out.sizes[dim]) +
                     " at dim " + std::to_string(dim) + " (got " + std::to_string(n) + ")");
  for (int64_t i = 0; i < n; ++i) collect(seq[i], dim + 1, out);
}

ParsedData parse_nested(py::handle data) {
  ParsedData parsed;
  py::object cur = py::reinterpret_borrow<py::object>(data);
  while (is_sequence(cur)) {
    int64_t n = static_cast<int64_t>(py::len(cur));
    parsed.sizes.push_back(n);
    if (n == 0) break;
    cur = py::reinterpret_borrow<py::sequence>(cur)[0];
  }
  // torch sizes the data by its first elements; a string there reads as one more dim.
  if (PyUnicode_Check(cur.ptr())) throw ValueError("too many dimensions 'str'");
  collect(data, 0, parsed);
  return parsed;
}

DType numpy_dtype_to_cgrad(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = dt.itemsize();
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  if (kind == 'i' && size == 8) return DType::Int64;
  if (kind == 'i' && size == 4) return DType::Int32;
  if (kind == 'i' && size == 2) return DType::Int16;
  if (kind == 'i' && size == 1) return DType::Int8;
  if (kind == 'u' && size == 1) return DType::UInt8;
  if (kind == 'f' && size == 2) return DType::Float16;
  if (kind == 'b') return DType::Bool;
  throw TypeError("can't convert np.ndarray of type numpy." +
                  std::string(py::str(dt.attr("type").attr("__name__"))) +
                  ". The only supported types are: float64, float32, float16, int64, int32, int16, int8, "
                  "uint8, and bool.");
}

py::dtype numpy_dtype_of(DType t) {
  switch (t) {
    case DType::Bool: return py::dtype("bool");
    case DType::Int32: return py::dtype("int32");
    case DType::Int64: return py::dtype("int64");
    case DType::Float32: return py::dtype("float32");
    case DType::Float64: break;
    case DType::UInt8: return py::dtype("uint8");
    case DType::Int8: return py::dtype("int8");
    case DType::Int16: return py::dtype("int16");
    case DType::Float16: return py::dtype("float16");
    case DType::BFloat16: throw TypeError("Got unsupported ScalarType BFloat16");
  }
  return py::dtype("float64");
}

Tensor tensor_from_parsed(const ParsedData& p, std::optional<DType> dtype) {
  // No elements at all (`tensor([])`) gives the default float, as in torch.
  DType inferred = p.elements.empty() ? default_float() : DType::Bool;
  for (const Element& e : p.elements) inferred = promote_types(inferred, e.dtype);
  DType d = dtype ? *dtype : inferred;
  Tensor t = empty(p.sizes, d);
  dispatch_all(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = t->data<T>();
    for (size_t i = 0; i < p.elements.size(); ++i) {
      const Element& e = p.elements[i];
      // torch refuses a number that the integer dtype cannot hold (Scalar::fits).
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (e.kind != Element::Bool && !e.value().fits(d))
          throw std::runtime_error(std::string("value cannot be converted to type ") +
                                   dtype_name(d) + " without overflow");
      }
      if (e.kind == Element::Float) out[i] = convert<T>(e.f);
      else out[i] = static_cast<T>(e.i);  // exact for int64 beyond 2**53
    }
  });
  return t;
}

}  // namespace

// Shares the array's memory; the array stays alive as long as the storage does.
Tensor from_numpy(py::array arr) {
  DType d = numpy_dtype_to_cgrad(arr.dtype());
  if (!arr.dtype().attr("isnative").cast<bool>())
    throw ValueError("given numpy array has byte order different from the native byte order. "
                     "Conversion between byte orders is currently not supported.");
  const int64_t item = static_cast<int64_t>(itemsize(d));
  Shape sizes, strides;
  int64_t extent = arr.size() == 0 ? 0 : 1;  // elements spanned, from the first to the last
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    int64_t stride = arr.strides(i);
    if (stride < 0)
      throw ValueError("At least one stride in the given numpy array is negative, and tensors "
                       "with negative strides are not currently supported. (You can probably "
                       "work around this by making a copy of your array  with array.copy().) ");
    if (stride % item != 0)
      throw ValueError("given numpy array strides not a multiple of the element byte size. Copy "
                       "the numpy array to reallocate the memory.");
    sizes.push_back(arr.shape(i));
    strides.push_back(stride / item);
    if (extent) extent += (arr.shape(i) - 1) * (stride / item);
  }
  auto* owner = new py::object(arr);
  std::shared_ptr<void> keep_alive(owner, [](void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<py::object*>(p);
  });
  auto storage = std::make_shared<Storage>(const_cast<void*>(arr.data()),
                                           static_cast<size_t>(extent * item), keep_alive);
  return std::make_shared<TensorImpl>(std::move(storage), sizes, strides, 0, d);
}

// numpy view of `t` sharing memory; `owner` (the Python tensor) keeps it alive.
py::array to_numpy(const Tensor& t, py::handle owner) {
  if (t->requires_grad())
    throw std::runtime_error(
        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  t->absorbing_zero = false;  // numpy may write it (Note [Absorbing zeros])
  const int64_t item = static_cast<int64_t>(itemsize(t->dtype));
  std::vector<py::ssize_t> shape(t->sizes.begin(), t->sizes.end()), strides;
  for (int64_t s : t->strides) strides.push_back(s * item);
  return py::array(numpy_dtype_of(t->dtype), shape, strides, t->raw_data(), owner);
}

// torch.tensor(data): always a copy; dtype inferred unless given.
Tensor tensor_from_data(py::handle data, std::optional<DType> dtype) {
  if (py::isinstance<TensorImpl>(data)) {
    Tensor src = data.cast<Tensor>();
    return to_dtype(detach(src), dtype ? *dtype : src->dtype, /*copy=*/true);
  }
  if (py::isinstance<py::array>(data)) {
    Tensor src = from_numpy(py::reinterpret_borrow<py::array>(data));
    return to_dtype(detach(src), dtype ? *dtype : src->dtype, /*copy=*/true);
  }
  if (PyUnicode_Check(data.ptr()) || PyBytes_Check(data.ptr()))
    throw TypeError("new(): invalid data type '" + type_name(data) + "'");
  return tensor_from_parsed(parse_nested(data), dtype);
}

namespace {

void finish(Tensor& t, bool requires_grad) {
  if (requires_grad) t->set_requires_grad(true);
}

// The keywords every factory takes (out= is the call checks', Note [out= arguments]).
struct FactoryKeywords {
  py::object dtype, device;
  bool requires_grad;
  py::object generator;  // None, or the Generator the random ones draw from
};

// `f(2, 3)`, `f((2, 3))` or `f(size=(2, 3))`.
Shape factory_sizes(const py::args& args, const py::object& size, const char* op) {
  if (!size.is_none()) {
    if (args.size() != 0) throw TypeError(std::string(op) + "() got multiple values for argument 'size'");
    return sizes_from_args(py::make_tuple(size), op);
  }
  if (args.size() == 0)
    throw TypeError(std::string(op) + "() missing 1 required positional arguments: \"size\"");
  return sizes_from_args(args, op);
}

// How many elements a factory writes, for Note [GIL release]: saturating, and 0 for sizes
// the factory itself will reject, so that its own error comes first.
int64_t elements_to_write(const Shape& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    if (s < 0) return 0;
    if (__builtin_mul_overflow(n, s, &n)) return std::numeric_limits<int64_t>::max();
  }
  return n;
}

template <class Make>
Tensor make_factory(const Make& make, const Shape& sizes, DType default_dtype,
                    const FactoryKeywords& kw, const char* op) {
  check_device(kw.device);
  GeneratorGuard use(generator_from_py(kw.generator, op));  // thread-local: kept without GIL
  const DType dtype = optional_dtype(kw.dtype).value_or(default_dtype);
  Tensor t = without_gil_if_large(elements_to_write(sizes), [&] { return make(sizes, dtype); });
  finish(t, kw.requires_grad);
  return t;
}

// ones(*size, dtype=None, device=None, requires_grad=False) and friends; the random
// ones also take generator=.
template <class Make>
void def_factory(py::module_& m, const char* name, Make make, bool random) {
  auto keywords = [](py::object dtype, py::object device, bool requires_grad, py::object gen) {
    return FactoryKeywords{std::move(dtype), std::move(device), requires_grad, std::move(gen)};
  };
  if (random)
    m.def(name, [make, name, keywords](py::args args, py::object size, py::object dtype,
                                       py::object device, bool requires_grad, py::object gen) {
      return make_factory(make, factory_sizes(args, size, name), default_float(),
                          keywords(dtype, device, requires_grad, gen), name);
    }, py::arg("size") = py::none(), py::arg("dtype") = py::none(),
       py::arg("device") = py::none(), py::arg("requires_grad") = false,
       py::arg("generator") = py::none());
  else
    m.def(name, [make, name, keywords](py::args args, py::object size, py::object dtype,
                                       py::object device, bool requires_grad) {
      return make_factory(make, factory_sizes(args, size, name), default_float(),
                          keywords(dtype, device, requires_grad, py::none()), name);
    }, py::arg("size") = py::none(), py::arg("dtype") = py::none(),
       py::arg("device") = py::none(), py::arg("requires_grad") = false);
}

// ones_like(input, *, dtype=None, device=None, requires_grad=False) and friends.
template <class Make>
void def_like(py::module_& m, const char* name, Make make, bool random) {
  auto run = [make, name](const Tensor& like, const FactoryKeywords& kw) {
    return make_factory([&](const Shape&, DType d) { return make(like, d); }, like->sizes,
                        like->dtype, kw, name);
  };
  if (random)
    m.def(name, [run](const Tensor& like, py::object dtype, py::object device, bool requires_grad,
                      py::object gen) {
      return run(like, FactoryKeywords{dtype, device, requires_grad, gen});
    }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(),
       py::arg("device") = py::none(), py::arg("requires_grad") = false,
       py::arg("generator") = py::none());
  else
    m.def(name, [run](const Tensor& like, py::object dtype, py::object device, bool requires_grad) {
      return run(like, FactoryKeywords{dtype, device, requires_grad, py::none()});
    }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(),
       py::arg("device") = py::none(), py::arg("requires_grad") = false);
}

// linspace's and logspace's start and end: a number or a 0-d tensor.
Scalar range_end(py::handle h, const char* op, const char* name) {
  if (py::isinstance<TensorImpl>(h)) {
    Tensor t = h.cast<Tensor>();
    if (t->dim() != 0)
      throw std::runtime_error(std::string(op) + " only supports 0-dimensional start and end "
                               "tensors, but got " + name + " with " + std::to_string(t->dim()) +
                               " dimension(s).");
    return item_as_scalar(*t);
  }
  return number_from_py(h, op, name);
}

int64_t steps_arg(py::handle h, const char* op) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return unpack_int64(h);
  throw TypeError(std::string(op) + "(): argument 'steps' (position 3) must be int, not " +
                  type_name(h));
}

bool is_float_arg(py::handle h) {
  return PyFloat_Check(h.ptr()) ||
         (py::isinstance<TensorImpl>(h) && is_floating(h.cast<Tensor>()->dtype));
}

// arange(end) or arange(start, end, step=1), each also by keyword.
Tensor arange_from_py(py::args args, py::object start, py::object end, py::object step,
                      py::object dtype, py::object device, bool requires_grad) {
  std::vector<py::object> given;
  for (py::handle a : args) given.push_back(py::reinterpret_borrow<py::object>(a));
  if (given.size() > 3)
    throw TypeError("arange() takes from 1 to 3 positional arguments but " +
                    std::to_string(given.size()) + " were given");
  const bool only_end = given.size() == 1 && end.is_none() && start.is_none();
  if (only_end) {
    if (!step.is_none())
      throw TypeError("arange() received an invalid combination of arguments: step "
                      "needs start and end");
    end = given[0];
    given.clear();
  }
  py::object* slots[] = {&start, &end, &step};
  const char* names[] = {"start", "end", "step"};
  for (size_t i = 0; i < given.size(); ++i) {
    if (!slots[i]->is_none())
      throw TypeError(std::string("arange() got multiple values for argument '") +
                      names[i] + "'");
    *slots[i] = given[i];
  }
  if (end.is_none())
    throw TypeError("arange() missing 1 required positional arguments: \"end\"");
  check_device(device);
  bool any_float = false;
  for (const py::object* h : slots) any_float = any_float || is_float_arg(*h);
  auto num = [](py::handle h, Scalar fallback, const char* name) -> Scalar {
    if (h.is_none()) return fallback;
    if (PyLong_Check(h.ptr())) return int64_from_py(h);
    if (py::isinstance<TensorImpl>(h)) {
      Tensor t = h.cast<Tensor>();
      if (t->numel() != 1)
        throw TypeError(std::string("argument '") + name + "' must be Number, not Tensor");
      return item_as_scalar(*t);
    }
    return py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>();
  };
  const DType default_dtype = any_float ? default_float() : DType::Int64;
  Tensor t = arange(num(start, int64_t{0}, "start"), num(end, int64_t{0}, "end"),
                    num(step, int64_t{1}, "step"),
                    optional_dtype(dtype).value_or(default_dtype));
  finish(t, requires_grad);
  return t;
}

// cgrad.tensor(data) and from_numpy.
void def_from_data(py::module_& m) {
  m.def(
      "tensor",
      [](py::handle data, py::object dtype, py::object device, bool requires_grad) {
        check_device(device);
        Tensor t = tensor_from_data(data, optional_dtype(dtype));
        finish(t, requires_grad);
        return t;
      },
      py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("from_numpy", [](py::handle a) {
    if (!py::isinstance<py::array>(a))
      throw TypeError("expected np.ndarray (got " + type_name(a) + ")");
    auto array = py::reinterpret_borrow<py::array>(a);
    Tensor t = from_numpy(array);
    // The tensor shares the array's memory, so writing through it would write to memory
    // numpy promised not to change: torch warns, once per process, and shares anyway.
    static bool warned_not_writable = false;
    if (!array.writeable() && !warned_not_writable) {
      warned_not_writable = true;
      if (PyErr_WarnEx(PyExc_UserWarning,
                       "The given NumPy array is not writable, and PyTorch does not support "
                       "non-writable tensors. This means writing to this tensor will result "
                       "in undefined behavior. You may want to copy the array to protect its "
                       "data or make it writable before converting it to a tensor. This type "
                       "of warning will be suppressed for the rest of this program.",
                       1) != 0)
        throw py::error_already_set();  // warnings turned into errors
    }
    return t;
  }, py::arg("ndarray"));
}

// ones, zeros, empty, rand, randn, full and their *_like forms.
void def_filled(py::module_& m) {
  auto ones = [](const Shape& s, DType d) { return full(s, 1.0, d); };
  auto zeros = [](const Shape& s, DType d) { return full(s, 0.0, d); };
  auto uninitialised = [](const Shape& s, DType d) { return empty(s, d); };
  auto uniform = [](const Shape& s, DType d) { return rand(s, d); };
  auto normal = [](const Shape& s, DType d) { return randn(s, d); };
  def_factory(m, "ones", ones, false);
  def_factory(m, "zeros", zeros, false);
  def_factory(m, "empty", uninitialised, false);
  def_factory(m, "rand", uniform, true);
  def_factory(m, "randn", normal, true);
  def_like(m, "ones_like", [](const Tensor& like, DType d) { return full_like(like, 1.0, d); },
           false);
  def_like(m, "zeros_like", [](const Tensor& like, DType d) { return full_like(like, 0.0, d); },
           false);
  def_like(m, "empty_like", [](const Tensor& like, DType d) { return empty_like(like, d); },
           false);
  def_like(m, "rand_like", [](const Tensor& like, DType d) { return rand_like(like, d); }, true);
  def_like(m, "randn_like", [](const Tensor& like, DType d) { return randn_like(like, d); }, true);

  m.def(
      "full",
      [](py::handle size, py::handle fill_value, py::object dtype, py::object device,
         bool requires_grad) {
        if (!py::isinstance<py::tuple>(size) && !py::isinstance<py::list>(size))
          throw TypeError("full(): argument 'size' (position 1) must be tuple of ints, not " +
                          type_name(size));
        check_device(device);
        Element e = fill_element(fill_value);
        DType d = optional_dtype(dtype).value_or(e.dtype);
        const Shape sizes = sizes_from_args(py::make_tuple(size), "full");
        Tensor t = without_gil_if_large(elements_to_write(sizes),
                                        [&] { return full(sizes, e.value(), d); });
        finish(t, requires_grad);
        return t;
      },
      py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def(
      "full_like",
      [](const Tensor& like, py::handle fill_value, py::object dtype, py::object device,
         bool requires_grad) {
        check_device(device);
        Element e = fill_element(fill_value);
        const DType d = optional_dtype(dtype).value_or(like->dtype);
        Tensor t = without_gil_if_large(like->numel(),
                                        [&] { return full_like(like, e.value(), d); });
        finish(t, requires_grad);
        return t;
      },
      py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
}

// arange, linspace, logspace and eye.
void def_ranges(py::module_& m) {
  m.def("arange", &arange_from_py, py::arg("start") = py::none(), py::arg("end") = py::none(),
        py::arg("step") = py::none(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def(
      "linspace",
      [](py::handle start, py::handle end, py::handle steps, py::object dtype, py::object device,
         bool requires_grad) {
        check_device(device);
        Tensor t = linspace(range_end(start, "linspace", "start"), range_end(end, "linspace", "end"),
                            steps_arg(steps, "linspace"),
                            optional_dtype(dtype).value_or(default_float()));
        finish(t, requires_grad);
        return t;
      },
      py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false);
  m.def(
      "logspace",
      [](py::handle start, py::handle end, py::handle steps, double base, py::object dtype,
         py::object device, bool requires_grad) {
        check_device(device);
        Tensor t = logspace(range_end(start, "logspace", "start"), range_end(end, "logspace", "end"),
                            steps_arg(steps, "logspace"), base,
                            optional_dtype(dtype).value_or(default_float()));
        finish(t, requires_grad);
        return t;
      },
      py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("base") = 10.0, py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false);
  m.def(
      "eye",
      [](int64_t n, py::object m_cols, py::object dtype, py::object device, bool requires_grad) {
        check_device(device);
        Tensor t = eye(n, m_cols.is_none() ? n : unpack_int64(m_cols),
                       optional_dtype(dtype).value_or(default_float()));
        finish(t, requires_grad);
        return t;
      },
      py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
}

}  // namespace

void init_creation(py::module_& m) {
  def_from_data(m);
  def_filled(m);
  def_ranges(m);
}

}  // namespace cgrad::bindings
