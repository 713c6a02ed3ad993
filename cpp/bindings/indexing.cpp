// Indexing: index_select, index_add, index_copy, index_fill, gather, scatter, scatter_add,
// masked_fill, nonzero, argwhere, index_put
// (methods, functions and in-place methods), and the advanced-indexing primitives behind
// x[...] as cgrad._C._index / _index_put / _index_put_.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// A tuple or list of tensors and Nones (None: the whole dim).
TensorList index_list(py::handle seq) {
  if (py::isinstance<TensorImpl>(seq) || !PySequence_Check(seq.ptr()))
    throw TypeError("indices must be a tuple or list of Tensors or None, not " + type_name(seq));
  TensorList out;
  for (py::handle h : seq) {
    if (h.is_none()) out.push_back(nullptr);
    else if (py::isinstance<TensorImpl>(h)) out.push_back(h.cast<Tensor>());
    else throw TypeError("expected Tensor or None as element " + std::to_string(out.size()) +
                         " of indices, but got " + type_name(h));
  }
  return out;
}

// scatter's third argument: src (a tensor; a number given positionally is torch's value
// overload) or value= (a number).
Tensor scatter_source(py::handle src, py::handle value) {
  if (src.is_none() == value.is_none())
    throw TypeError("scatter() expects exactly one of 'src' (a Tensor) and 'value' (a number)");
  if (!src.is_none()) return operand_or_throw(src, "scatter", "src");
  Tensor v = as_operand(value);
  if (!v || !v->is_wrapped_number)
    throw TypeError("scatter(): argument 'value' must be Number, not " + type_name(value));
  return v;
}

// x.op_(...) returns x itself (the same Python object).
template <class... Args> auto in_place(void (*f)(Tensor&, Args...)) {
  return [f](py::object self_obj, Args... args) {
    Tensor self = self_obj.cast<Tensor>();
    f(self, args...);
    return self_obj;
  };
}

py::object nonzero_any(const Tensor& t, bool as_tuple) {
  if (!as_tuple) return py::cast(without_gil_if_large(t->numel(), [&] { return nonzero(t); }));
  // One tensor per dim; a 0-d input counts as 1-d, as in torch.
  const Tensor flat = t->dim() == 0 ? make_view(t, {1}, {1}, t->offset) : t;
  Tensor coords = without_gil_if_large(t->numel(), [&] { return nonzero(flat); });
  TensorList columns = unbind(coords, 1);
  py::tuple out(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) out[i] = py::cast(columns[i]);
  return std::move(out);
}

// index_select, index_add(_), index_copy(_), index_fill(_) and gather: along one dim, by an
// index tensor.
void def_index_along_dim(py::module_& m, TensorClass& cls) {
  def_method_and_function(m, cls, "index_select", [](const Tensor& t, int64_t dim, const Tensor& index) {
    return without_gil_if_large(std::max(t->numel(), index->numel()),
                                [&] { return index_select(t, dim, index); });
  }, py::arg("dim"), py::arg("index"));
  def_method_and_function(
      m, cls, "index_add",
      [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, py::handle alpha) {
        const Scalar a = number_from_py(alpha, "index_add", "alpha");
        return without_gil_if_large(t->numel() + source->numel(), [&] {
          return index_add(t, dim, index, source, a);
        });
      },
      py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("index_add_",
          in_place(+[](Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                       py::handle alpha) {
            const Scalar a = number_from_py(alpha, "index_add_", "alpha");
            without_gil_if_large(source->numel(), [&] { index_add_(t, dim, index, source, a); });
          }),
          py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);

  def_method_and_function(
      m, cls, "index_copy",
      [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
        return without_gil_if_large(t->numel() + source->numel(),
                                    [&] { return index_copy(t, dim, index, source); });
      },
      py::arg("dim"), py::arg("index"), py::arg("source"));
  cls.def("index_copy_",
          in_place(+[](Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
            without_gil_if_large(source->numel(), [&] { index_copy_(t, dim, index, source); });
          }),
          py::arg("dim"), py::arg("index"), py::arg("source"));
  // value: a Python number (IndexFillBackward0) or a 0-d tensor (IndexFillBackward1).
  def_method_and_function(
      m, cls, "index_fill",
      [](const Tensor& t, int64_t dim, const Tensor& index, py::handle value) {
        const Tensor v = operand_or_throw(value, "index_fill", "value");
        return without_gil_if_large(t->numel(), [&] { return index_fill(t, dim, index, v); });
      },
      py::arg("dim"), py::arg("index"), py::arg("value"));
  cls.def("index_fill_",
          in_place(+[](Tensor& t, int64_t dim, const Tensor& index, py::handle value) {
            const Tensor v = operand_or_throw(value, "index_fill_", "value");
            without_gil_if_large(t->numel(), [&] { index_fill_(t, dim, index, v); });
          }),
          py::arg("dim"), py::arg("index"), py::arg("value"));

  def_method_and_function(m, cls, "gather", [](const Tensor& t, int64_t dim, const Tensor& index,
                                               bool sparse_grad) {
    if (sparse_grad) throw NotImplementedError("gather(): sparse_grad=True is not supported");
    return without_gil_if_large(index->numel(), [&] { return gather(t, dim, index); });
  }, py::arg("dim"), py::arg("index"), py::kw_only(), py::arg("sparse_grad") = false);
}

// scatter and scatter_add, and their in-place forms.
void def_scatter(py::module_& m, TensorClass& cls) {
  def_method_and_function(
      m, cls, "scatter",
      [](const Tensor& t, int64_t dim, const Tensor& index, py::handle src, py::handle value) {
        auto source = scatter_source(src, value);
        return without_gil_if_large(t->numel() + index->numel(), [&] {
          return scatter(t, dim, index, source);
        });
      },
      py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
      py::arg("value") = py::none());
  cls.def("scatter_",
          in_place(+[](Tensor& t, int64_t dim, const Tensor& index, py::handle src,
                       py::handle value) {
            auto source = scatter_source(src, value);
            without_gil_if_large(index->numel(), [&] { scatter_(t, dim, index, source); });
          }),
          py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
          py::arg("value") = py::none());
  def_method_and_function(m, cls, "scatter_add", [](const Tensor& t, int64_t dim, const Tensor& index,
                                                    const Tensor& src) {
    return without_gil_if_large(t->numel() + index->numel(), [&] {
      return scatter_add(t, dim, index, src);
    });
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_",
          in_place(+[](Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
            without_gil_if_large(index->numel(), [&] { scatter_add_(t, dim, index, src); });
          }),
          py::arg("dim"), py::arg("index"), py::arg("src"));
}

// masked_fill(_), nonzero and argwhere.
void def_masks(py::module_& m, TensorClass& cls) {
  def_method_and_function(
      m, cls, "masked_fill",
      [](const Tensor& t, const Tensor& mask, py::handle value) {
        const Tensor v = operand_or_throw(value, "masked_fill", "value");
        return without_gil_if_large(t->numel(), [&] { return masked_fill(t, mask, v); });
      },
      py::arg("mask"), py::arg("value"));
  cls.def("masked_fill_",
          in_place(+[](Tensor& t, const Tensor& mask, py::handle value) {
            const Tensor v = operand_or_throw(value, "masked_fill_", "value");
            without_gil_if_large(t->numel(), [&] { masked_fill_(t, mask, v); });
          }),
          py::arg("mask"), py::arg("value"));

  def_method_and_function(m, cls, "nonzero", &nonzero_any, py::kw_only(),
                          py::arg("as_tuple") = false);
  // numpy's name for nonzero(input): the coordinates as rows.
  def_method_and_function(m, cls, "argwhere", [](const Tensor& t) {
    return without_gil_if_large(t->numel(), [&] { return nonzero(t); });
  });
}

// torch.index_put(input, indices, values, accumulate) and Tensor.index_put(_): stricter
// than x[...]'s primitives, as torch's parser: indices a tuple or list of tensors (no
// None), values a tensor, accumulate a bool. `first` is the position of `indices` (1 for
// a method, 2 for a function, whose input comes first); torch's element message counts
// arguments from 0.
struct IndexPutArgs {
  TensorList indices;
  Tensor values;
  bool accumulate;
};

IndexPutArgs index_put_args(const char* op, size_t first, py::handle indices,
                            py::handle values, py::handle accumulate) {
  // The call checks add the argument's position when it came positionally.
  auto must_be = [&](const char* arg, const char* kind, py::handle h) {
    return TypeError(std::string(op) + "(): argument '" + arg + "' must be " + kind + ", not " +
                     (py::isinstance<TensorImpl>(h) ? std::string("Tensor") : type_name(h)));
  };
  if (!py::isinstance<py::tuple>(indices) && !py::isinstance<py::list>(indices))
    throw must_be("indices", "tuple of Tensors", indices);
  IndexPutArgs args;
  for (py::handle h : indices) {
    if (!py::isinstance<TensorImpl>(h))
      throw TypeError("expected Tensor as element " + std::to_string(args.indices.size()) +
                      " in argument " + std::to_string(first - 1) + ", but got " +
                      type_name(h));
    args.indices.push_back(h.cast<Tensor>());
  }
  if (!py::isinstance<TensorImpl>(values)) throw must_be("values", "Tensor", values);
  args.values = values.cast<Tensor>();
  if (!PyBool_Check(accumulate.ptr())) throw must_be("accumulate", "bool", accumulate);
  args.accumulate = accumulate.ptr() == Py_True;
  return args;
}

void def_index_put(py::module_& m, TensorClass& cls) {
  auto out_of_place = [](size_t first) {
    return [first](const Tensor& t, py::handle indices, py::handle values, py::handle acc) {
      IndexPutArgs a = index_put_args("index_put", first, indices, values, acc);
      return without_gil_if_large(t->numel(), [&] {
        return index_put(t, a.indices, a.values, a.accumulate);
      });
    };
  };
  auto in_place = [](size_t first) {
    return [first](py::object self_obj, py::handle indices, py::handle values, py::handle acc) {
      Tensor t = self_obj.cast<Tensor>();
      IndexPutArgs a = index_put_args("index_put_", first, indices, values, acc);
      without_gil_if_large(a.values->numel(),
                           [&] { index_put_(t, a.indices, a.values, a.accumulate); });
      return self_obj;
    };
  };
  const py::object no = py::bool_(false);
  cls.def("index_put", out_of_place(1), py::arg("indices"), py::arg("values"),
          py::arg("accumulate") = no);
  m.def("index_put", out_of_place(2), py::arg("input"), py::arg("indices"), py::arg("values"),
        py::arg("accumulate") = no);
  cls.def("index_put_", in_place(1), py::arg("indices"), py::arg("values"),
          py::arg("accumulate") = no);
  m.def("index_put_", in_place(2), py::arg("input"), py::arg("indices"), py::arg("values"),
        py::arg("accumulate") = no);
}

// x[...] primitives for the Python subscript code; indices as in cgrad::index.
void def_advanced_indexing(py::module_& m) {
  m.def("_index", [](const Tensor& t, py::handle indices) {
    auto list = index_list(indices);
    return without_gil_if_large(t->numel(), [&] { return index(t, list); });
  },
        py::arg("input"), py::arg("indices"),
        "input[indices] for a list of index tensors / bool masks / None (advanced indexing).");
  m.def(
      "_index_put",
      [](const Tensor& t, py::handle indices, py::handle values, bool accumulate) {
        auto list = index_list(indices);
        const Tensor v = operand_or_throw(values, "index_put", "values");
        return without_gil_if_large(t->numel(), [&] { return index_put(t, list, v, accumulate); });
      },
      py::arg("input"), py::arg("indices"), py::arg("values"), py::arg("accumulate") = false,
      "A copy of input with values written (or added) at input[indices].");
  m.def(
      "_index_put_",
      [](py::object self_obj, py::handle indices, py::handle values, bool accumulate) {
        Tensor t = self_obj.cast<Tensor>();
        auto list = index_list(indices);
        const Tensor v = operand_or_throw(values, "index_put_", "values");
        without_gil_if_large(v->numel(), [&] { index_put_(t, list, v, accumulate); });
        return self_obj;
      },
      py::arg("input"), py::arg("indices"), py::arg("values"), py::arg("accumulate") = false,
      "Writes (or adds) values at input[indices] in place; returns input.");
}

}  // namespace

void init_indexing(py::module_& m, TensorClass& cls) {
  def_index_along_dim(m, cls);
  def_scatter(m, cls);
  def_masks(m, cls);
  def_index_put(m, cls);
  def_advanced_indexing(m);
}

}  // namespace cgrad::bindings
