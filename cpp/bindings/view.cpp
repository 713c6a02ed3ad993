// Views, joins and copies: view/reshape/permute/transpose/select/split/..., ravel,
// atleast_1d/2d/3d, cat, stack, block_diag and hstack/vstack/dstack/column_stack.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
// A dims argument that may not be None (permute's dims, movedim's source...).
DimList required_dims(py::handle h, const char* op, const char* arg) {
  if (h.is_none())
    throw TypeError(std::string(op) + "(): argument '" + arg + "' must be tuple of ints, not "
                    "NoneType");
  return *dims_from_py(h);
}

// x.view(), x.expand(): torch's parser wants at least one size (or dim).
void require_args(const py::args& args, const char* op, const char* param) {
  if (args.empty())
    throw TypeError(std::string(op) + "() missing 1 required positional arguments: \"" + param +
                    "\"");
}

// x.view(2, 3) or x.view((2, 3)).
Shape sizes_of(const py::args& args, const char* op) {
  require_args(args, op, op == std::string("reshape") ? "shape" : "size");
  return shape_from_args(args, op);
}

// permute(1, 0, 2) or permute((1, 0, 2)), as torch accepts both.
DimList dims_from_args(const py::args& args) {
  require_args(args, "permute", "dims");
  if (args.size() == 1 && !PyLong_Check(args[0].ptr()))
    return required_dims(args[0], "permute", "dims");
  DimList dims;
  for (py::handle h : args) dims.push_back(dim_from_py(h));
  return dims;
}

// cat(tensors) or stack(tensors), without the GIL when the tensors are large together.
Tensor join_call(Tensor (*join)(const TensorList&, int64_t), const TensorList& tensors,
                 int64_t dim) {
  int64_t numel = 0;
  for (const Tensor& t : tensors) numel += t->numel();
  return without_gil_if_large(numel, [&] { return join(tensors, dim); });
}

TensorList tensors_from_py(py::handle seq, const char* op) {
  if (py::isinstance<TensorImpl>(seq) || !PySequence_Check(seq.ptr()))
    throw TypeError(std::string(op) + "(): argument 'tensors' must be tuple of Tensors, not " +
                    type_name(seq));
  TensorList out;
  for (py::handle h : seq) {
    if (!py::isinstance<TensorImpl>(h))
      throw TypeError(std::string(op) + "(): expected Tensor as element " +
                      std::to_string(out.size()) + " in argument 0, but got " +
                      type_name(h));
    out.push_back(h.cast<Tensor>());
  }
  return out;
}

TensorList split_any(const Tensor& t, py::handle split_size_or_sections, int64_t dim) {
  if (PyLong_Check(split_size_or_sections.ptr()))
    return split(t, unpack_int64(split_size_or_sections), dim);
  return split_with_sizes(t, sizes_from_args(py::make_tuple(split_size_or_sections), "split"), dim);
}

Tensor squeeze_any(const Tensor& t, py::handle dim) {
  if (dim.is_none()) return squeeze(t);
  bool single = PyLong_Check(dim.ptr());
  return squeeze(t, *dims_from_py(dim), single);
}

// x.T reverses the dims; on other than 2 dims torch warns that this is deprecated, but
// still returns a permuted view (PermuteBackward0), a 0-d or 1-d tensor included.
Tensor numpy_T(const Tensor& t) {
  if (t->dim() != 2 &&
      PyErr_WarnEx(PyExc_UserWarning,
                   t->dim() == 0
                       ? "Tensor.T is deprecated on 0-D tensors. This function is the identity "
                         "in these cases."
                       : "The use of `x.T` on tensors of dimension other than 2 to reverse their "
                         "shape is deprecated and it will throw an error in a future release. "
                         "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                         "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                   1) < 0)
    throw py::error_already_set();
  DimList reversed(t->dim());
  for (int64_t i = 0; i < t->dim(); ++i) reversed[i] = t->dim() - 1 - i;
  return permute(t, reversed);
}

// cat, stack, block_diag, atleast_1d/2d/3d, and the joins that cat inputs raised to a
// common rank.
void def_joins(py::module_& m) {
  m.def("cat", [](py::handle tensors, int64_t dim) {
    return join_call(&cat, tensors_from_py(tensors, "cat"), dim);
  }, py::arg("tensors"), py::arg("dim") = 0);
  m.attr("concat") = m.attr("cat");
  m.def("stack", [](py::handle tensors, int64_t dim) {
    return join_call(&stack, tensors_from_py(tensors, "stack"), dim);
  }, py::arg("tensors"), py::arg("dim") = 0);
  m.def("block_diag", [](py::args args) {
    TensorList tensors;
    for (size_t i = 0; i < args.size(); ++i) {
      if (!py::isinstance<TensorImpl>(args[i]))
        throw TypeError("expected Tensor as element " + std::to_string(i) +
                        " in argument 0, but got " +
                        type_name(args[i]));
      tensors.push_back(args[i].cast<Tensor>());
    }
    return join_call([](const TensorList& ts, int64_t) { return block_diag(ts); }, tensors, 0);
  });
  // cat of inputs raised to a common rank; row_stack is vstack under its own name.
  const std::pair<const char*, Tensor (*)(const TensorList&)> rank_joins[] = {
      {"hstack", &hstack}, {"vstack", &vstack}, {"dstack", &dstack},
      {"column_stack", &column_stack}, {"row_stack", &vstack}};
  for (auto [name, join] : rank_joins)
    m.def(name, [name = name, join = join](py::handle tensors) {
      const TensorList list = tensors_from_py(tensors, name);
      int64_t numel = 0;
      for (const Tensor& t : list) numel += t->numel();
      return without_gil_if_large(numel, [&] { return join(list); });
    }, py::arg("tensors"));
  // atleast_1d(x) is a tensor; atleast_1d(x, y) and atleast_1d([x, y]) a tuple.
  const std::pair<const char*, Tensor (*)(const Tensor&)> at_least[] = {
      {"atleast_1d", &atleast_1d}, {"atleast_2d", &atleast_2d}, {"atleast_3d", &atleast_3d}};
  for (auto [name, raise] : at_least)
    m.def(name, [name = name, raise = raise](py::args args) -> py::object {
      if (args.size() == 1 && py::isinstance<TensorImpl>(args[0]))
        return py::cast(raise(args[0].cast<Tensor>()));
      const bool one_sequence = args.size() == 1 && (py::isinstance<py::list>(args[0]) ||
                                                     py::isinstance<py::tuple>(args[0]));
      TensorList raised;
      for (const Tensor& t : tensors_from_py(one_sequence ? args[0] : args, name))
        raised.push_back(raise(t));
      return as_tuple(raised);
    });
}

}  // namespace

void init_view(py::module_& m, TensorClass& cls) {
  cls.def("view", [](const Tensor& t, py::args shape) {
       return view(t, sizes_of(shape, "view"));
     })
      .def("reshape", [](const Tensor& t, py::args shape) {
        return reshape(t, sizes_of(shape, "reshape"));
      })
      .def("expand", [](const Tensor& t, py::args shape) {
        return expand(t, sizes_of(shape, "expand"));
      })
      .def("expand_as", [](const Tensor& t, const Tensor& other) { return expand(t, other->sizes); },
           py::arg("other"))
      .def("permute", [](const Tensor& t, py::args dims) { return permute(t, dims_from_args(dims)); })
      .def_property_readonly("T", &numpy_T)
      .def_property_readonly("mT", [](const Tensor& t) {
        if (t->dim() == 0) {  // torch: deprecated, and the tensor itself
          PyErr_WarnEx(PyExc_UserWarning, "Tensor.mT is deprecated on 0-D tensors. This "
                       "function is the identity in these cases.", 1);
          return t;
        }
        if (t->dim() < 2) throw std::runtime_error("tensor.mT is only supported on matrices or batches of matrices. Got " + std::to_string(t->dim()) + "-D tensor.");
        return transpose(t, -2, -1);
      })
      .def("contiguous", &contiguous);
  m.def("reshape", [](const Tensor& t, py::handle shape) {
    return reshape(t, shape_from_args(py::make_tuple(shape), "reshape"));
  }, py::arg("input"), py::arg("shape"));
  m.def("permute", [](const Tensor& t, py::handle dims) {
    return permute(t, required_dims(dims, "permute", "dims"));
  },
        py::arg("input"), py::arg("dims"));
  m.def("broadcast_to", [](const Tensor& t, py::handle shape) {
    return expand(t, shape_from_args(py::make_tuple(shape), "broadcast_to"));
  }, py::arg("input"), py::arg("size"));
  cls.def("broadcast_to", [](const Tensor& t, py::handle shape) {
    return expand(t, shape_from_args(py::make_tuple(shape), "broadcast_to"));
  }, py::arg("size"));

  def_method_and_function(m, cls, "ravel", &ravel);
  def_method_and_function(m, cls, "flatten", &flatten, py::arg("start_dim") = 0,
                          py::arg("end_dim") = -1);
  def_method_and_function(m, cls, "unflatten", [](const Tensor& t, int64_t dim, py::handle sizes) {
    return unflatten(t, dim, shape_from_args(py::make_tuple(sizes), "unflatten"));
  }, py::arg("dim"), py::arg("sizes"));
  def_method_and_function(m, cls, "unsqueeze", &unsqueeze, py::arg("dim"));
  def_method_and_function(m, cls, "squeeze", &squeeze_any, py::arg("dim") = py::none());
  def_method_and_function(m, cls, "transpose", &transpose, py::arg("dim0"), py::arg("dim1"));
  def_method_and_function(m, cls, "swapaxes", &transpose, py::arg("axis0"), py::arg("axis1"));
  def_method_and_function(m, cls, "swapdims", &transpose, py::arg("dim0"), py::arg("dim1"));
  def_method_and_function(m, cls, "t", &t);
  auto move = [](const Tensor& t, py::handle source, py::handle destination) {
    return movedim(t, required_dims(source, "movedim", "source"),
                   required_dims(destination, "movedim", "destination"));
  };
  def_method_and_function(m, cls, "movedim", move, py::arg("source"), py::arg("destination"));
  def_method_and_function(m, cls, "moveaxis", move, py::arg("source"), py::arg("destination"));
  def_method_and_function(m, cls, "select", &select, py::arg("dim"), py::arg("index"));
  def_method_and_function(m, cls, "narrow", &narrow, py::arg("dim"), py::arg("start"),
                          py::arg("length"));
  def_method_and_function(m, cls, "split", [](const Tensor& t, py::handle s, int64_t dim) {
    return as_tuple(split_any(t, s, dim));
  }, py::arg("split_size_or_sections"), py::arg("dim") = 0);
  def_method_and_function(m, cls, "chunk", [](const Tensor& t, int64_t chunks, int64_t dim) {
    return as_tuple(chunk(t, chunks, dim));
  }, py::arg("chunks"), py::arg("dim") = 0);
  def_method_and_function(m, cls, "unbind", [](const Tensor& t, int64_t dim) {
    return as_tuple(unbind(t, dim));
  }, py::arg("dim") = 0);
  def_method_and_function(m, cls, "clone", [](const Tensor& t) { return call_op(&clone, t); });

  def_joins(m);
  m.def("detach", &detach, py::arg("input"));
  m.def("detach_", [](py::object input) { return input.attr("detach_")(); }, py::arg("input"));
}

}  // namespace cgrad::bindings
