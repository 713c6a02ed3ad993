// Making tensors from Python data (nested sequences, scalars, numpy arrays), numpy
// interop, and the factory functions (ones, zeros, full, empty, arange, eye, rand, ...).
#include <cstring>
#include <string>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

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
  if (PyFloat_CheckExact(o)) return {Element::Float, 0, PyFloat_AS_DOUBLE(o), kDefaultFloat};
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
  if (PyFloat_Check(o)) return {Element::Float, 0, PyFloat_AS_DOUBLE(o), kDefaultFloat};
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
  if (kind == 'b') return DType::Bool;
  throw TypeError("can't convert np.ndarray of type numpy." +
                  std::string(py::str(dt.attr("type").attr("__name__"))) +
                  ". The only supported types are: float64, float32, int64, int32, and bool.");
}

py::dtype numpy_dtype_of(DType t) {
  switch (t) {
    case DType::Bool: return py::dtype("bool");
    case DType::Int32: return py::dtype("int32");
    case DType::Int64: return py::dtype("int64");
    case DType::Float32: return py::dtype("float32");
    case DType::Float64: break;
  }
  return py::dtype("float64");
}

Tensor tensor_from_parsed(const ParsedData& p, std::optional<DType> dtype) {
  // No elements at all (`tensor([])`) gives the default float, as in torch.
  DType inferred = p.elements.empty() ? kDefaultFloat : DType::Bool;
  for (const Element& e : p.elements) inferred = promote_types(inferred, e.dtype);
  DType d = dtype ? *dtype : inferred;
  Tensor t = empty(p.sizes, d);
  dispatch(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = t->data<T>();
    for (size_t i = 0; i < p.elements.size(); ++i) {
      const Element& e = p.elements[i];
      if (e.kind == Element::Float) out[i] = static_cast<T>(e.f);
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

DType dtype_kw(const py::kwargs& kw, DType fallback) {
  if (kw.contains("dtype")) {
    auto d = optional_dtype(kw["dtype"]);
    if (d) return *d;
  }
  return fallback;
}

bool requires_grad_kw(const py::kwargs& kw) {
  return kw.contains("requires_grad") && kw["requires_grad"].cast<bool>();
}

Shape sizes_from_call(const py::args& args, const py::kwargs& kw, const char* op) {
  if (args.size() == 0 && kw.contains("size")) return sizes_from_args(py::make_tuple(kw["size"]), op);
  return sizes_from_args(args, op);
}

// ones(*size, dtype=None, requires_grad=False) and friends.
template <class Make>
void def_factory(py::module_& m, const char* name, Make make, const char* doc) {
  m.def(
      name,
      [make, name](py::args args, py::kwargs kw) {
        Tensor t = make(sizes_from_call(args, kw, name), dtype_kw(kw, kDefaultFloat));
        finish(t, requires_grad_kw(kw));
        return t;
      },
      doc);
}

// ones_like(t, dtype=None, requires_grad=False) and friends.
template <class Make>
void def_like(py::module_& m, const char* name, Make make) {
  m.def(name, [make](const Tensor& like, py::kwargs kw) {
    Tensor t = make(like->sizes, dtype_kw(kw, like->dtype));
    finish(t, requires_grad_kw(kw));
    return t;
  });
}

bool is_float_arg(py::handle h) {
  return PyFloat_Check(h.ptr()) ||
         (py::isinstance<TensorImpl>(h) && is_floating(h.cast<Tensor>()->dtype));
}

}  // namespace

void init_creation(py::module_& m) {
  m.def(
      "tensor",
      [](py::handle data, py::object dtype, py::object device, bool requires_grad) {
        Tensor t = tensor_from_data(data, optional_dtype(dtype));
        finish(t, requires_grad);
        return t;
      },
      py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false,
      "Copies data (nested sequences, scalars, numpy arrays, tensors) into a new tensor.");
  m.def("from_numpy", [](py::handle a) {
    if (!py::isinstance<py::array>(a))
      throw TypeError("expected np.ndarray (got " + type_name(a) + ")");
    return from_numpy(py::reinterpret_borrow<py::array>(a));
  }, py::arg("ndarray"),
        "A tensor sharing memory with a numpy array.");

  def_factory(m, "ones", [](const Shape& s, DType d) { return full(s, 1.0, d); }, "A tensor of ones.");
  def_factory(m, "zeros", [](const Shape& s, DType d) { return full(s, 0.0, d); }, "A tensor of zeros.");
  def_factory(m, "empty", [](const Shape& s, DType d) { return empty(s, d); }, "An uninitialised tensor.");
  def_factory(m, "rand", [](const Shape& s, DType d) { return rand(s, d); }, "Uniform samples in [0, 1).");
  def_factory(m, "randn", [](const Shape& s, DType d) { return randn(s, d); }, "Standard normal samples.");
  def_like(m, "ones_like", [](const Shape& s, DType d) { return full(s, 1.0, d); });
  def_like(m, "zeros_like", [](const Shape& s, DType d) { return full(s, 0.0, d); });
  def_like(m, "empty_like", [](const Shape& s, DType d) { return empty(s, d); });
  def_like(m, "rand_like", [](const Shape& s, DType d) { return rand(s, d); });
  def_like(m, "randn_like", [](const Shape& s, DType d) { return randn(s, d); });

  m.def(
      "full",
      [](py::handle size, py::handle fill_value, py::object dtype, py::object device,
         bool requires_grad) {
        if (!py::isinstance<py::tuple>(size) && !py::isinstance<py::list>(size))
          throw TypeError("full(): argument 'size' (position 1) must be tuple of ints, not " +
                          type_name(size));
        Element e = fill_element(fill_value);
        DType d = optional_dtype(dtype).value_or(e.dtype);
        Tensor t = full(sizes_from_args(py::make_tuple(size), "full"), e.value(), d);
        finish(t, requires_grad);
        return t;
      },
      py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def(
      "full_like",
      [](const Tensor& like, py::handle fill_value, py::object dtype, bool requires_grad) {
        Element e = fill_element(fill_value);
        Tensor t = full(like->sizes, e.value(), optional_dtype(dtype).value_or(like->dtype));
        finish(t, requires_grad);
        return t;
      },
      py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("requires_grad") = false);
  m.def(
      "arange",
      [](py::args args, py::kwargs kw) {
        if (args.size() < 1 || args.size() > 3)
          throw TypeError("arange() takes 1 to 3 positional arguments (start, end, step)");
        Scalar start = int64_t{0}, end = int64_t{0}, step = int64_t{1};
        bool any_float = false;
        for (py::handle h : args) any_float = any_float || is_float_arg(h);
        auto num = [](py::handle h) -> Scalar {
          if (PyLong_Check(h.ptr())) return int64_from_py(h);
          if (py::isinstance<TensorImpl>(h)) return item_as_scalar(*h.cast<Tensor>());
          return py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>();
        };
        if (args.size() == 1) end = num(args[0]);
        else { start = num(args[0]); end = num(args[1]); }
        if (args.size() == 3) step = num(args[2]);
        Tensor t = arange(start, end, step, dtype_kw(kw, any_float ? kDefaultFloat : DType::Int64));
        finish(t, requires_grad_kw(kw));
        return t;
      },
      "Values from start to end (exclusive) by step.");
  m.def(
      "eye",
      [](int64_t n, py::object m_cols, py::object dtype, bool requires_grad) {
        Tensor t = eye(n, m_cols.is_none() ? n : m_cols.cast<int64_t>(),
                       optional_dtype(dtype).value_or(kDefaultFloat));
        finish(t, requires_grad);
        return t;
      },
      py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("requires_grad") = false);
}

}  // namespace cgrad::bindings
