// Tensor.__getitem__ / __setitem__: Python's subscripts turned into cgrad ops.
//
// Note [Indexing]: a subscript is read left to right. Basic items become views — an int
// `select`s (the dim disappears), a slice `slice`s, None `unsqueeze`s, `...` skips the
// dims that the remaining items don't consume. Tensors, lists and bool masks are
// advanced indices: each is remembered against the dim it stands for, and after the
// basic pass one `index` op gathers them all (IndexBackward0), placing the broadcast
// index dims as torch does. Assignment writes through the same path: basic subscripts
// `copy_` into the view (CopySlices on the base), advanced ones `index_put_`.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/views.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// (PyIndex_Check reads the type's __index__ slot: hasattr(h, "__index__") raised and
// cleared an AttributeError for every slice, 3.6 of the 5.3 us of x[1:3].)
bool is_integer(py::handle h) {
  return (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) ||
         (PyIndex_Check(h.ptr()) && !py::isinstance<TensorImpl>(h) &&
          !PyFloat_Check(h.ptr()) && !PyBool_Check(h.ptr()) && !py::isinstance<py::array>(h));
}

// A 0-d integer tensor indexes like an int (torch records SelectBackward0 for it).
bool is_integer_scalar_tensor(py::handle h) {
  if (!py::isinstance<TensorImpl>(h)) return false;
  Tensor t = h.cast<Tensor>();
  return t->dim() == 0 && is_integral(t->dtype, /*include_bool=*/false);
}

bool is_advanced(py::handle h) {
  return py::isinstance<TensorImpl>(h) || PyList_Check(h.ptr()) || py::isinstance<py::array>(h) ||
         PyBool_Check(h.ptr());
}

// A list is a tuple of subscripts when it holds slices, None, `...` or sequences
// (torch's legacy rule); otherwise it is one index array.
py::tuple subscript_items(py::handle index) {
  if (PyTuple_Check(index.ptr())) return py::reinterpret_borrow<py::tuple>(index);
  if (PyList_Check(index.ptr())) {
    for (py::handle item : index)
      if (PySlice_Check(item.ptr()) || item.is_none() || item.ptr() == Py_Ellipsis ||
          PySequence_Check(item.ptr()) || py::isinstance<TensorImpl>(item))
        return py::tuple(py::reinterpret_borrow<py::list>(index));
  }
  return py::make_tuple(index);
}

// True, False or a 0-d bool tensor: indexes as numpy's x[True] / x[False] (torch reads
// a 0-d mask as its value), otherwise nullopt.
std::optional<bool> bool_item(py::handle item) {
  if (PyBool_Check(item.ptr())) return item.ptr() == Py_True;
  if (!py::isinstance<TensorImpl>(item)) return std::nullopt;
  const Tensor t = item.cast<Tensor>();
  if (t->dtype != DType::Bool || t->dim() != 0) return std::nullopt;
  return item_as_int64(*t) != 0;
}

// How many of self's dims an index tensor stands for: a k-d mask k (a 0-d mask none, as
// x[True]), anything else one.
int64_t dims_of_index(const Tensor& t) { return t->dtype == DType::Bool ? t->dim() : 1; }

// How many of `self`'s dims an item consumes.
int64_t dims_consumed(py::handle item) {
  if (item.is_none() || item.ptr() == Py_Ellipsis || PyBool_Check(item.ptr())) return 0;
  if (py::isinstance<TensorImpl>(item)) return dims_of_index(item.cast<Tensor>());
  return 1;
}

// A list or array subscript as an index tensor; an empty list holds no positions, so it
// is an (empty) int64 index rather than a float tensor, as in torch.
Tensor index_from_data(py::handle item) {
  const bool empty_list = PyList_Check(item.ptr()) && PyList_Size(item.ptr()) == 0;
  return tensor_from_data(item, empty_list ? std::optional<DType>(DType::Int64) : std::nullopt);
}

int64_t slice_bound(py::handle h, int64_t fallback) {
  if (h.is_none()) return fallback;
  if (py::isinstance<TensorImpl>(h)) {
    Tensor t = h.cast<Tensor>();
    if (t->numel() != 1 || !is_integral(t->dtype, /*include_bool=*/true))
      throw TypeError("only integer tensors of a single element can be converted to an index");
    return item_as_int64(*t);
  }
  py::object value = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!value) throw py::error_already_set();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (!overflow) return v;
  // Bounds beyond int64 are clamped, as torch does (and warns).
  if (PyErr_WarnEx(PyExc_UserWarning,
                   "Truncating the start/stop/step of slice. This is likely because of saved old "
                   "models when the start/stop/step were larger.", 1) < 0)
    throw py::error_already_set();
  return overflow > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

struct Subscript {
  Tensor view;                          // self after the basic items
  TensorList advanced;  // index() operands: per dim an index, a mask or undefined
  bool has_advanced = false;
};

// Note [Full slices]: as torch, a slice that keeps a whole dim (0 or None to at least its
// size, step 1) is skipped when the subscript is a tuple, and in assignments, but a lone
// slice, `x[:]` too, still records SliceBackward0. A subscript that leaves self as it
// is returns an alias of it (AliasBackward0), never self.
bool keeps_whole_dim(const py::slice& sl, int64_t size) {
  auto is_none_or = [](py::handle h, auto accept) {
    return h.is_none() || (is_integer(h) && accept(slice_bound(h, 0)));
  };
  return is_none_or(sl.attr("start"), [](int64_t v) { return v == 0; }) &&
         is_none_or(sl.attr("stop"), [size](int64_t v) { return v >= size; }) &&
         is_none_or(sl.attr("step"), [](int64_t v) { return v == 1; });
}

Subscript apply_subscript(const Tensor& self, py::handle index, bool in_assignment) {
  py::tuple items = subscript_items(index);
  const bool skip_full_slices = in_assignment || PyTuple_Check(index.ptr()) ||
                                PyList_Check(index.ptr());
  int64_t consumed = 0;
  bool seen_ellipsis = false, any_advanced = false;
  for (py::handle item : items) {
    any_advanced = any_advanced || is_advanced(item);
    if (item.ptr() == Py_Ellipsis) {
      if (seen_ellipsis) throw IndexError("an index can only have a single ellipsis ('...')");
      seen_ellipsis = true;
    }
    consumed += dims_consumed(item);
  }
  if (consumed > self->dim())
    throw IndexError("too many indices for tensor of dimension " + std::to_string(self->dim()));

  Subscript s{self, {}, false};
  std::vector<std::pair<int64_t, Tensor>> advanced;
  int64_t dim = 0;
  for (py::handle item : items) {
    if (item.is_none()) {
      s.view = unsqueeze(s.view, dim++);
    } else if (item.ptr() == Py_Ellipsis) {
      dim += self->dim() - consumed;
    } else if (is_integer(item) || is_integer_scalar_tensor(item)) {
      int64_t i = py::isinstance<TensorImpl>(item) ? item_as_int64(*item.cast<Tensor>())
                                                   : unpack_int64(item);
      int64_t size = s.view->sizes[dim];
      if (i < -size || i >= size)
        throw IndexError("index " + std::to_string(i) + " is out of bounds for dimension " +
                         std::to_string(dim) + " with size " + std::to_string(size));
      s.view = select(s.view, dim, i);
    } else if (PySlice_Check(item.ptr())) {
      py::slice sl = py::reinterpret_borrow<py::slice>(item);
      bool full = sl.attr("start").is_none() && sl.attr("stop").is_none() &&
                  (sl.attr("step").is_none() || slice_bound(sl.attr("step"), 1) == 1);
      int64_t size = s.view->sizes[dim];
      // torch leaves `:` beside advanced indices to `index`
      if ((full && any_advanced) ||
          (skip_full_slices && keeps_whole_dim(sl, size))) {
        ++dim;
        continue;
      }
      int64_t step = slice_bound(sl.attr("step"), 1);
      if (step == 0) throw ValueError("slice step cannot be zero");  // Python's own check
      if (step < 0) throw ValueError("step must be greater than zero");
      s.view = slice(s.view, dim, slice_bound(sl.attr("start"), 0),
                     slice_bound(sl.attr("stop"), std::numeric_limits<int64_t>::max()), step);
      ++dim;
    } else if (is_advanced(item)) {
      Tensor t;
      if (std::optional<bool> b = bool_item(item)) {  // x[True]: a new dim of size 1 (0 for False)
        s.view = unsqueeze(s.view, dim);
        t = arange(0, *b ? 1 : 0, 1, DType::Int64);
      } else {
        t = py::isinstance<TensorImpl>(item) ? item.cast<Tensor>() : index_from_data(item);
        if (!is_integral(t->dtype, /*include_bool=*/true))
          throw IndexError("tensors used as indices must be long, int, byte or bool tensors");
      }
      advanced.emplace_back(dim, t);
      dim += dims_of_index(t);
    } else if (PyFloat_Check(item.ptr())) {
      throw IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                       "Variables are valid indices (got float)");
    } else {
      throw TypeError("new(): invalid data type '" + type_name(item) + "'");
    }
  }
  if (!advanced.empty()) {
    // One entry per dim of the view, except that a k-dim mask stands for k dims (a 0-d
    // one for none: it sits before the dim it was given at).
    s.has_advanced = true;
    size_t next = 0;
    for (int64_t d = 0; d < s.view->dim() || next < advanced.size();) {
      if (next < advanced.size() && advanced[next].first == d) {
        const Tensor& t = advanced[next++].second;
        s.advanced.push_back(t);
        d += dims_of_index(t);
      } else {
        s.advanced.push_back(Tensor());
        ++d;
      }
    }
  }
  return s;
}

// As torch, an assigned value loses its leading size-1 dims before it is broadcast to
// the target: x[0] = ones(1, 3) fills a row of a (2, 3) x.
Tensor without_leading_ones(const Tensor& v) {
  size_t lead = 0;
  while (lead < v->sizes.size() && v->sizes[lead] == 1) ++lead;
  if (lead == 0) return v;
  return reshape(v, Shape(v->sizes.begin() + lead, v->sizes.end()));
}

}  // namespace

void init_subscript(py::module_& m, TensorClass& cls) {
  cls.def("__getitem__", [](const Tensor& self, py::handle index) {
    if (self->dim() == 0 && !index.is_none() && index.ptr() != Py_Ellipsis &&
        !PyTuple_Check(index.ptr()) && !is_advanced(index))
      throw IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                       "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
    Subscript s = apply_subscript(self, index, /*in_assignment=*/false);
    if (s.has_advanced) {
      // torch reads the indexed tensor's history before `index` checks the indices
      // (Note [Input histories are read first]).
      read_input_histories({&s.view});
      return without_gil_if_large(s.view->numel(),
                                  [&] { return cgrad::index(s.view, s.advanced); });
    }
    return s.view == self ? alias(self) : s.view;
  });
  cls.def("__setitem__", [](const Tensor& self, py::handle index, py::handle value) {
    if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
      // torch reads an assigned int as an int64 first, whatever self's dtype.
      int overflow = 0;
      PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
      if (overflow) throw ValueError("Overflow when unpacking long long");
    }
    Tensor v = as_operand(value);
    if (!v)
      throw TypeError("can't assign a " + type_name(value) + " to a " +
                      std::string(dtype_torch_name(self->dtype)) + "Tensor");
    if (index.ptr() == Py_False) return;  // x[False] = v selects nothing: torch writes nothing
    if (v->is_wrapped_number) check_scalar_fits(item_as_scalar(*v), self->dtype);
    Subscript s = apply_subscript(self, index, /*in_assignment=*/true);
    if (s.has_advanced) {
      const Tensor values = without_leading_ones(v);
      without_gil_if_large(std::max(s.view->numel(), values->numel()), [&] {
        index_put_(s.view, s.advanced, values, /*accumulate=*/false);
      });
    } else if (v->dim() == 0 && s.view->dim() != 0) {
      // As torch: a 0-d value (a Python number included) is filled in (FillBackward3);
      // a value of the target's own shape, or any other, is copied (CopyBackwards).
      without_gil_if_large(s.view->numel(), [&] { fill_(s.view, v); });
    } else {
      Tensor source = v->sizes == s.view->sizes ? v : without_leading_ones(v);
      // torch expands the value to the target before copy_ checks the target may be
      // written (Note [Input histories are read first]).
      if (source->sizes != s.view->sizes) {
        GradModeGuard no_grad(false);
        (void)expand(source, s.view->sizes);
      }
      without_gil_if_large(s.view->numel(), [&] { copy_(s.view, source); });
    }
  });
}

}  // namespace cgrad::bindings
