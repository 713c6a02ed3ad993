// Rearranging and repeating: flip/fliplr/flipud, roll, repeat/tile, repeat_interleave,
// tril/triu (and in place), diagonal, diag_embed, diag, trace, rot90, hsplit/vsplit/dsplit.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// A tuple or list of ints; TypeError naming the op and argument otherwise (an int alone
// too: torch's functions want a sequence where the methods also take *ints).
Shape int_sequence(py::handle h, const char* op, const char* arg, int position) {
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw TypeError(std::string(op) + "(): argument '" + arg + "' (position " +
                    std::to_string(position) + ") must be tuple of ints, not " + type_name(h));
  Shape out;
  for (py::handle v : h) out.push_back(unpack_int64(v));
  return out;
}

// An int or a sequence of ints (roll's shifts and dims).
Shape ints_or_int(py::handle h, const char* op, const char* arg, int position) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return {unpack_int64(h)};
  return int_sequence(h, op, arg, position);
}

// x.flip(0, 1) or x.flip((0, 1)): the ints of a method's *args.
Shape star_ints(const py::args& args, const char* op, const char* name) {
  if (args.empty())
    throw TypeError(std::string(op) + "() missing 1 required positional arguments: \"" + name + "\"");
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return int_sequence(args[0], op, name, 1);
  Shape out;
  for (py::handle h : args) out.push_back(unpack_int64(h));
  return out;
}

// A method taking its ints as *args or as one keyword (x.flip(dims=(0, 1))), and no
// other keyword.
template <class F>
void def_star_ints_method(TensorClass& cls, const char* op, const char* name, F fn) {
  cls.def(op, [fn, op, name](const Tensor& t, py::args args, py::handle ints) {
    if (ints.is_none()) return fn(t, star_ints(args, op, name));
    if (!args.empty())
      throw TypeError(std::string(op) + "() got multiple values for argument '" + name + "'");
    return fn(t, int_sequence(ints, op, name, 1));
  }, py::arg(name) = py::none());
}

std::optional<int64_t> optional_int(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return unpack_int64(h);
}

py::object repeat_interleave_any(const Tensor& t, py::handle repeats, py::handle dim,
                                 py::handle output_size) {
  std::optional<int64_t> d = dim.is_none() ? std::nullopt : std::optional<int64_t>(dim_from_py(dim));
  if (py::isinstance<TensorImpl>(repeats))
    return py::cast(repeat_interleave(t, repeats.cast<Tensor>(), d, optional_int(output_size)));
  if (!PyLong_Check(repeats.ptr()) || PyBool_Check(repeats.ptr()))
    throw TypeError("repeat_interleave() received an invalid combination of arguments - got (" +
                    type_name(repeats) + "), but expected one of:\n * (Tensor repeats, int dim = "
                    "None, *, int output_size = None)\n * (int repeats, int dim = None, *, int "
                    "output_size = None)\n");
  return py::cast(repeat_interleave(t, unpack_int64(repeats), d, optional_int(output_size)));
}

// rot90, and numpy's hsplit/vsplit/dsplit (at an int's equal sections or a list's
// indices).
void def_turns_and_splits(py::module_& m, TensorClass& cls) {
  def_method_and_function(
      m, cls, "rot90",
      [](const Tensor& t, int64_t k, py::handle dims) {
        const DimList plane = int_sequence(dims, "rot90", "dims", 3);
        return without_gil_if_large(t->numel(), [&] { return rot90(t, k, plane); });
      },
      py::arg("k") = 1, py::arg_v("dims", py::make_tuple(0, 1), "[0, 1]"));
  const std::pair<const char*, SplitAxis> splits[] = {
      {"hsplit", SplitAxis::Horizontal}, {"vsplit", SplitAxis::Vertical},
      {"dsplit", SplitAxis::Depth}};
  for (auto [name, axis] : splits)
    def_method_and_function(
        m, cls, name,
        [name = name, axis = axis](const Tensor& t, py::handle where) {
          if (PyLong_Check(where.ptr()) && !PyBool_Check(where.ptr()))
            return as_tuple(split_along(t, axis, unpack_int64(where)));
          return as_tuple(split_along(t, axis, int_sequence(where, name, "indices", 2)));
        },
        py::arg("indices_or_sections"));
}

}  // namespace

void init_shape_ops(py::module_& m, TensorClass& cls) {
  def_star_ints_method(cls, "flip", "dims", [](const Tensor& t, const Shape& dims) {
    return without_gil_if_large(t->numel(), [&] { return flip(t, dims); });
  });
  m.def("flip", [](const Tensor& t, py::handle dims) {
    const Shape d = int_sequence(dims, "flip", "dims", 2);
    return without_gil_if_large(t->numel(), [&] { return flip(t, d); });
  }, py::arg("input"), py::arg("dims"));
  def_method_and_function(m, cls, "fliplr", [](const Tensor& t) {
    return without_gil_if_large(t->numel(), [&] { return fliplr(t); });
  });
  def_method_and_function(m, cls, "flipud", [](const Tensor& t) {
    return without_gil_if_large(t->numel(), [&] { return flipud(t); });
  });
  def_method_and_function(
      m, cls, "roll",
      [](const Tensor& t, py::handle shifts, py::handle dims) {
        const Shape by = ints_or_int(shifts, "roll", "shifts", 2);
        const DimList d = dims.is_none() ? DimList{} : ints_or_int(dims, "roll", "dims", 3);
        return without_gil_if_large(t->numel(), [&] { return roll(t, by, d); });
      },
      py::arg("shifts"), py::arg("dims") = py::none());
  def_star_ints_method(cls, "repeat", "repeats", [](const Tensor& t, const Shape& repeats) {
    return without_gil_if_large(t->numel(), [&] { return repeat(t, repeats); });
  });
  def_star_ints_method(cls, "tile", "dims", [](const Tensor& t, const Shape& dims) {
    return without_gil_if_large(t->numel(), [&] { return tile(t, dims); });
  });
  m.def("tile", [](const Tensor& t, py::handle dims) {
    const Shape d = int_sequence(dims, "tile", "dims", 2);
    return without_gil_if_large(t->numel(), [&] { return tile(t, d); });
  }, py::arg("input"), py::arg("dims"));
  cls.def("repeat_interleave", &repeat_interleave_any, py::arg("repeats"),
          py::arg("dim") = py::none(), py::kw_only(), py::arg("output_size") = py::none());
  // torch.repeat_interleave(repeats) alone returns the index form.
  m.def("repeat_interleave", [](const Tensor& t, py::handle repeats, py::handle dim,
                                py::handle output_size) -> py::object {
    if (repeats.is_none()) return py::cast(repeat_interleave(t, optional_int(output_size)));
    return repeat_interleave_any(t, repeats, dim, output_size);
  }, py::arg("input"), py::arg("repeats") = py::none(), py::arg("dim") = py::none(),
        py::kw_only(), py::arg("output_size") = py::none());

  for (bool upper : {false, true}) {
    const char* name = upper ? "triu" : "tril";
    def_method_and_function(
        m, cls, name,
        [upper](const Tensor& t, int64_t k) {
          return without_gil_if_large(t->numel(), [&] { return upper ? triu(t, k) : tril(t, k); });
        },
        py::arg("diagonal") = 0);
    cls.def(upper ? "triu_" : "tril_", [upper](py::object self_obj, int64_t k) {
      Tensor self = self_obj.cast<Tensor>();
      if (upper) triu_(self, k);
      else tril_(self, k);
      return self_obj;
    }, py::arg("diagonal") = 0);
  }
  def_method_and_function(
      m, cls, "diagonal",
      [](const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
        return diagonal(t, offset, dim1, dim2);
      },
      py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_method_and_function(
      m, cls, "diag_embed",
      [](const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
        return without_gil_if_large(t->numel(), [&] { return diag_embed(t, offset, dim1, dim2); });
      },
      py::arg("offset") = 0, py::arg("dim1") = -2, py::arg("dim2") = -1);
  def_method_and_function(
      m, cls, "diag",
      [](const Tensor& t, int64_t k) {
        return without_gil_if_large(t->numel(), [&] { return diag(t, k); });
      },
      py::arg("diagonal") = 0);
  def_method_and_function(m, cls, "trace", [](const Tensor& t) {
    return without_gil_if_large(t->numel(), [&] { return trace(t); });
  });
  def_turns_and_splits(m, cls);
}

}  // namespace cgrad::bindings
