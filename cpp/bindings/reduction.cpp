// Reductions and scans as methods and functions: the rows of the reduction table
// (cgrad/reduction/reduction_ops.def, Note [Reduction table]) with their form's
// arguments and their docstrings (and their siblings: in-place scans, var_mean and
// std_mean), and by hand norm, max/min and aminmax.

#include "bindings.h"
#include "cgrad/autograd/views.h"
#include "cgrad/errors.h"
#include "cgrad/reduction/table.h"

namespace cgrad::bindings {

namespace {

PyStructSequence_Field kMinMax[] = {{"min", nullptr}, {"max", nullptr}, {nullptr, nullptr}};

std::optional<int64_t> optional_dim(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return dim_from_py(h);
}

// The default of an argument whose absence matters (Note [Omitted dim]).
py::handle omitted() {
  static PyObject* marker = py::module_::import("builtins").attr("object")().release().ptr();
  return marker;
}
bool is_omitted(py::handle h) { return h.ptr() == omitted().ptr(); }

// torch's refusal of keepdim= without dim= (it only exists in the dim overload).
TypeError keepdim_without_dim(const char* op, bool is_function) {
  return TypeError(std::string(op) + "() received an invalid combination of arguments - got " +
                   (is_function ? "(Tensor, keepdim=bool)" : "(keepdim=bool, )") +
                   ", but expected one of:\n * (*, torch.dtype dtype = None)\n * (tuple of ints "
                   "dim, bool keepdim = False, *, torch.dtype dtype = None)");
}

// keepdim as given (false when omitted); torch takes only a bool.
bool keepdim_from_py(py::handle keepdim, const char* op) {
  if (is_omitted(keepdim)) return false;
  if (!PyBool_Check(keepdim.ptr()))
    throw TypeError(std::string(op) + "(): argument 'keepdim' (position 2) must be bool, not " +
                    type_name(keepdim));
  return keepdim.ptr() == Py_True;
}

DimList dims_or_all(py::handle h) {
  auto dims = dims_from_py(h);
  return dims ? *dims : DimList{};
}

// var/std's overloads: (dim, unbiased, keepdim), (dim=None, *, correction, keepdim) and
// (unbiased) alone, where a bool in the dim position is `unbiased`. dim and keepdim may
// be omitted (Note [Omitted dim]): unbiased with keepdim but without dim fits none.
struct VarArgs {
  std::optional<DimList> dims;
  double correction;
  bool keepdim;
};

TypeError unbiased_and_keepdim_without_dim(const std::string& op, bool is_function,
                                           bool takes_out, bool unbiased_positional) {
  const std::string input = is_function ? "Tensor input, " : "";
  const std::string out = is_function && takes_out ? ", Tensor out = None" : "";
  // (torch's method parser lists the arguments without self, and keywords alone with a
  // trailing comma)
  const std::string got = is_function ? (unbiased_positional ? "(Tensor, bool, keepdim=bool)"
                                                             : "(Tensor, keepdim=bool, unbiased=bool)")
                                      : (unbiased_positional ? "(bool, keepdim=bool)"
                                                             : "(keepdim=bool, unbiased=bool, )");
  return TypeError(op + "() received an invalid combination of arguments - got " + got +
                   ", but expected one of:\n * (" + input +
                   "tuple of ints dim, bool unbiased = True, bool keepdim = False" +
                   (out.empty() ? "" : ", *" + out) + ")\n * (" + input +
                   "tuple of ints dim = None, *, Number correction = None, bool keepdim = False" +
                   out + ")\n * (" + input + "bool unbiased = True)\n");
}

VarArgs var_args(const std::string& op, bool is_function, bool takes_out, py::handle dim,
                 py::handle unbiased, py::handle keepdim, py::handle correction) {
  // unbiased and correction belong to different overloads: torch accepts one at most.
  if (!correction.is_none() && (!unbiased.is_none() || PyBool_Check(dim.ptr())))
    throw TypeError(op + "() received an invalid combination of arguments - got "
                    "both unbiased and correction, but expected one of:\n * (tuple of ints dim, "
                    "bool unbiased = True, bool keepdim = False)\n * (tuple of ints dim = None, *, "
                    "Number correction = None, bool keepdim = False)");
  const bool unbiased_positional = PyBool_Check(dim.ptr());
  const bool has_unbiased = unbiased_positional || !unbiased.is_none();
  if ((is_omitted(dim) || unbiased_positional) && has_unbiased && !is_omitted(keepdim))
    throw unbiased_and_keepdim_without_dim(op, is_function, takes_out, unbiased_positional);
  VarArgs out{std::nullopt, 1.0, keepdim_from_py(keepdim, op.c_str())};
  py::handle flag = unbiased;
  if (unbiased_positional) flag = dim;
  else if (!is_omitted(dim)) out.dims = dims_from_py(dim);
  if (!correction.is_none()) out.correction = py::float_(py::reinterpret_borrow<py::object>(correction));
  else if (!flag.is_none()) out.correction = flag.cast<bool>() ? 1.0 : 0.0;
  return out;
}

// One binder a form (Note [Reduction table]): cgrad.name and Tensor.name with the form's
// Python arguments, turned into its C++ ones.
using DimsDtypeFn = Tensor (*)(const Tensor&, const std::optional<DimList>&, bool,
                               std::optional<DType>);
using DimDtypeFn = Tensor (*)(const Tensor&, std::optional<int64_t>, bool, std::optional<DType>);
using DimListFn = Tensor (*)(const Tensor&, const DimList&, bool);
using OptionalDimsFn = Tensor (*)(const Tensor&, const std::optional<DimList>&, bool);
using OptionalDimFn = Tensor (*)(const Tensor&, std::optional<int64_t>, bool);
using VarianceFn = Tensor (*)(const Tensor&, const std::optional<DimList>&, double, bool);
using VarianceMeanFn = std::pair<Tensor, Tensor> (*)(const Tensor&, const std::optional<DimList>&,
                                                     double, bool);
using ScanDtypeFn = Tensor (*)(const Tensor&, int64_t, std::optional<DType>);
using ScanFn = Tensor (*)(const Tensor&, int64_t);
using CountDimsFn = Tensor (*)(const Tensor&, const std::optional<DimList>&);

void bind_kDimsOmittable(py::module_& m, TensorClass& cls, const char* name, DimsDtypeFn fn) {
  // Note [Omitted dim]: torch's sum/mean have an overload without dim (SumBackward0) and
  // one with it, where even dim=None counts as given (SumBackward1); keepdim belongs to
  // the second only. An `omitted` default tells a missing argument from an explicit None.
  for (bool is_function : {false, true}) {
    auto reduce = [name, fn, is_function](const Tensor& t, py::handle dim, py::handle keepdim,
                                          py::object dtype) {
      const bool has_dim = !is_omitted(dim), has_keepdim = !is_omitted(keepdim);
      if (!has_dim && has_keepdim) throw keepdim_without_dim(name, is_function);
      std::optional<DimList> dims;
      if (has_dim) dims = dim.is_none() ? DimList{} : *dims_from_py(dim);
      const bool keep = keepdim_from_py(keepdim, name);
      const std::optional<DType> out_dtype = optional_dtype(dtype);
      return without_gil_if_large(t->numel(), [&] { return fn(t, dims, keep, out_dtype); });
    };
    auto dim_arg = py::arg_v("dim", omitted(), "None");
    auto keepdim_arg = py::arg_v("keepdim", omitted(), "False");
    if (is_function)
      m.def(name, reduce, py::arg("input"), dim_arg, keepdim_arg, py::kw_only(),
            py::arg("dtype") = py::none());
    else
      cls.def(name, reduce, dim_arg, keepdim_arg, py::kw_only(), py::arg("dtype") = py::none());
  }
}

// One overload (nansum, nanmean): dim=None or () is all, keepdim without dim is fine.
void bind_kOptionalDimsDtype(py::module_& m, TensorClass& cls, const char* name, DimsDtypeFn fn) {
  for (bool is_function : {false, true}) {
    auto reduce = [name, fn, is_function](const Tensor& t, py::object dim, py::handle keepdim,
                                          py::object dtype) {
      const std::optional<DimList> dims = dims_from_py(dim);
      if (!PyBool_Check(keepdim.ptr()))  // (torch counts the method's self out)
        throw TypeError(std::string(name) + "(): argument 'keepdim' (position " +
                        (is_function ? "3" : "2") + ") must be bool, not " +
                        type_name(keepdim));
      const bool keep = keepdim.ptr() == Py_True;
      const std::optional<DType> out_dtype = optional_dtype(dtype);
      return without_gil_if_large(t->numel(), [&] { return fn(t, dims, keep, out_dtype); });
    };
    auto dim_arg = py::arg("dim") = py::none();
    auto keepdim_arg = py::arg("keepdim") = false;
    if (is_function)
      m.def(name, reduce, py::arg("input"), dim_arg, keepdim_arg, py::kw_only(),
            py::arg("dtype") = py::none());
    else
      cls.def(name, reduce, dim_arg, keepdim_arg, py::kw_only(), py::arg("dtype") = py::none());
  }
}

void bind_kDimOmittable(py::module_& m, TensorClass& cls, const char* name, DimDtypeFn fn) {
  def_method_and_function(
      m, cls, name,
      [name, fn](const Tensor& t, py::handle dim, py::handle keepdim, py::object dtype) {
        // No dim=None form: only an omitted dim reduces everything.
        if (!is_omitted(dim) && dim.is_none())
          throw TypeError(std::string(name) + "(): argument 'dim' must be int, not NoneType");
        if (is_omitted(dim) && !is_omitted(keepdim)) throw keepdim_without_dim(name, false);
        return fn(t, is_omitted(dim) ? std::nullopt : optional_dim(dim),
                  keepdim_from_py(keepdim, name), optional_dtype(dtype));
      },
      py::arg_v("dim", omitted(), "None"), py::arg_v("keepdim", omitted(), "False"), py::kw_only(),
      py::arg("dtype") = py::none());
}

// amax/amin (dim=()) and logsumexp (dim required).
template <class DimArg>
void bind_dim_list(py::module_& m, TensorClass& cls, const char* name, DimListFn fn,
                   const DimArg& dim_arg) {
  def_method_and_function(
      m, cls, name,
      [fn](const Tensor& t, py::object dim, bool keepdim) {
        DimList dims = dims_or_all(dim);
        return without_gil_if_large(t->numel(), [&] { return fn(t, dims, keepdim); });
      },
      dim_arg, py::arg("keepdim") = false);
}
void bind_kDimsOrAll(py::module_& m, TensorClass& cls, const char* name, DimListFn fn) {
  bind_dim_list(m, cls, name, fn, py::arg("dim") = py::tuple());
}
void bind_kDimsRequired(py::module_& m, TensorClass& cls, const char* name, DimListFn fn) {
  bind_dim_list(m, cls, name, fn, py::arg("dim"));
}

void bind_kOptionalDims(py::module_& m, TensorClass& cls, const char* name, OptionalDimsFn fn) {
  def_method_and_function(
      m, cls, name,
      [fn](const Tensor& t, py::object dim, bool keepdim) { return fn(t, dims_from_py(dim), keepdim); },
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
}

void bind_kOptionalDim(py::module_& m, TensorClass& cls, const char* name, OptionalDimFn fn) {
  def_method_and_function(
      m, cls, name,
      [fn](const Tensor& t, py::object dim, bool keepdim) { return fn(t, optional_dim(dim), keepdim); },
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
}

void bind_kVariance(py::module_& m, TensorClass& cls, const char* name, VarianceFn fn,
                    VarianceMeanFn with_mean) {
  const auto dim_arg = py::arg_v("dim", omitted(), "None");
  const auto keepdim_arg = py::arg_v("keepdim", omitted(), "False");
  for (bool is_function : {false, true}) {
    auto spread = [name, fn, is_function](const Tensor& t, py::handle dim, py::handle unbiased,
                                          py::handle keepdim, py::handle correction) {
      VarArgs v = var_args(name, is_function, true, dim, unbiased, keepdim, correction);
      return without_gil_if_large(t->numel(), [&] { return fn(t, v.dims, v.correction, v.keepdim); });
    };
    if (is_function)
      m.def(name, spread, py::arg("input"), dim_arg, py::arg("unbiased") = py::none(), keepdim_arg,
            py::kw_only(), py::arg("correction") = py::none());
    else
      cls.def(name, spread, dim_arg, py::arg("unbiased") = py::none(), keepdim_arg, py::kw_only(),
              py::arg("correction") = py::none());
  }
  // name_mean: a function only, as in torch; (spread, mean) as a plain tuple.
  const std::string pair_name = std::string(name) + "_mean";
  m.def(pair_name.c_str(), [pair_name, with_mean](const Tensor& t, py::handle dim,
                                                  py::handle unbiased, py::handle keepdim,
                                                  py::handle correction) {
    VarArgs v = var_args(pair_name, true, false, dim, unbiased, keepdim, correction);
    auto r = without_gil_if_large(t->numel(),
                                  [&] { return with_mean(t, v.dims, v.correction, v.keepdim); });
    return py::make_tuple(r.first, r.second);
  }, py::arg("input"), dim_arg, py::arg("unbiased") = py::none(), keepdim_arg, py::kw_only(),
     py::arg("correction") = py::none());
}

void bind_kScanDtype(py::module_& m, TensorClass& cls, const char* name, ScanDtypeFn fn) {
  def_method_and_function(
      m, cls, name,
      [fn](const Tensor& t, py::object dim, py::object dtype) {
        const int64_t d = dim_from_py(dim);
        const std::optional<DType> out_dtype = optional_dtype(dtype);
        return without_gil_if_large(t->numel(), [&] { return fn(t, d, out_dtype); });
      },
      py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  // x.name_(dim): the scan in x's own dtype, written back; dtype= may only name that
  // dtype.
  const std::string inplace = std::string(name) + "_";
  cls.def(inplace.c_str(), [inplace, fn](py::object self_obj, py::object dim, py::object dtype) {
    Tensor self = self_obj.cast<Tensor>();
    const int64_t d = dim_from_py(dim);
    const std::optional<DType> out_dtype = optional_dtype(dtype);
    // torch's order of refusals: the leaf (apply_inplace's), the dim's range, the dtype,
    // the kernel's (a Bool self with elements), the overlap
    apply_inplace(self, inplace.c_str(), [&] {
      wrap_dim(d, self->dim());
      if (out_dtype && *out_dtype != self->dtype)
        throw std::runtime_error(std::string("Bad in-place call: input tensor dtype ") +
                                 dtype_cpp_name(self->dtype) + " and output tensor dtype " +
                                 dtype_cpp_name(*out_dtype) + " should match");
      Tensor result = fn(self, d, self->dtype);
      check_inplace_overlap(self, {});
      return result;
    });
    return self_obj;
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
}

void bind_kCountDims(py::module_& m, TensorClass& cls, const char* name, CountDimsFn fn) {
  def_method_and_function(
      m, cls, name, [fn](const Tensor& t, py::object dim) { return fn(t, dims_from_py(dim)); },
      py::arg("dim") = py::none());
}

void bind_kScan(py::module_& m, TensorClass& cls, const char* name, ScanFn fn) {
  def_method_and_function(
      m, cls, name, [fn](const Tensor& t, py::object dim) { return fn(t, dim_from_py(dim)); },
      py::arg("dim"));
}

// The table's rows, bound with their docstrings.
void def_reduction_rows(py::module_& m, TensorClass& cls) {
#define CGRAD_REDUCTION(name, py_name, form, dtype, error, identity, node, node_dims, saved, \
                        forward, backward, doc)                                             \
  bind_##form(m, cls, #py_name, &name CGRAD_IF_MEAN_##form(, &name##_mean));                \
  set_docstring(m.attr(#py_name), doc);
#include "cgrad/reduction/reduction_ops.def"
}

// norm.
void def_norm(py::module_& m, TensorClass& cls) {
  def_method_and_function(
      m, cls, "norm",
      [](const Tensor& t, py::object p, py::object dim, bool keepdim, py::object dtype) {
        auto dims = dims_from_py(dim);
        const bool nuclear = PyUnicode_Check(p.ptr()) && p.cast<std::string>() == "nuc";
        if (nuclear) {  // the sum of singular values, over the last two dims by default
          DimList d = dims ? *dims : DimList{};
          if (!dims) for (int64_t k = 0; k < t->dim(); ++k) d.push_back(k);
          if (d.size() != 2) {
            std::string got;
            for (int64_t k : d) got += " " + std::to_string(k);
            throw std::runtime_error("linalg.matrix_norm: dim must be a 2-tuple. Got" + got);
          }
          auto out_dtype = optional_dtype(dtype);
          return linalg_matrix_norm(out_dtype ? to_dtype(t, *out_dtype) : t, "nuc", 0.0, d[0],
                                    d[1], keepdim);
        }
        if (PyUnicode_Check(p.ptr()) && p.cast<std::string>() == "fro" && dims &&
            dims->size() > 2) {
          std::string got;
          for (int64_t d : *dims) got += " " + std::to_string(d);
          throw std::runtime_error("linalg.matrix_norm: dim must be a 2-tuple. Got" + got);
        }
        auto out_dtype = optional_dtype(dtype);
        // torch.norm is Python over linalg's norms: its checks above come before the
        // vector norm reads the input's history (Note [Input histories are read first]).
        read_input_histories({&t});
        return norm(out_dtype ? to_dtype(t, *out_dtype) : t, norm_order(p), dims, keepdim);
      },
      py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false,
      py::arg("dtype") = py::none());
}

// max/min (three forms).
void def_extrema(py::module_& m, TensorClass& cls, py::module_& types) {
  types.attr("max") = make_return_type("cgrad.return_types.max");
  types.attr("min") = make_return_type("cgrad.return_types.min");
  // max()/min(): of everything; with dim: (values, indices); with a tensor: elementwise,
  // routed to maximum/minimum where the elementwise ops provide them.
  for (bool is_max : {true, false}) {
    const char* name = is_max ? "max" : "min";
    const char* elementwise = is_max ? "maximum" : "minimum";
    py::object type = types.attr(name);
    def_method_and_function(
        m, cls, name,
        [is_max, name, elementwise, type, m](const Tensor& t, py::object dim,
                                             bool keepdim) -> py::object {
          if (dim.is_none()) return py::cast(is_max ? max(t) : min(t));
          if (py::isinstance<TensorImpl>(dim)) {
            py::object fn = py::getattr(m, elementwise, py::none());
            if (fn.is_none())
              throw TypeError(std::string(name) + "(input, other): use " + elementwise +
                              "(input, other), not available in this build");
            return fn(t, dim);
          }
          int64_t d = dim_from_py(dim);
          return values_indices(type, is_max ? max(t, d, keepdim) : min(t, d, keepdim));
        },
        py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
}

// aminmax: (min, max) as a named tuple.
void def_aminmax(py::module_& m, TensorClass& cls, py::module_& types) {
  types.attr("aminmax") = make_return_type("cgrad.return_types.aminmax", kMinMax);
  def_method_and_function(
      m, cls, "aminmax",
      [type = py::object(types.attr("aminmax"))](const Tensor& t, py::object dim, bool keepdim) {
        return values_indices(type, aminmax(t, optional_dim(dim), keepdim));
      },
      py::kw_only(), py::arg("dim") = py::none(), py::arg("keepdim") = false);
}

}  // namespace

void init_reduction_table(py::module_& m) {
  py::list rows;
#define CGRAD_REDUCTION(name, py_name, form, dtype, error, identity, node, node_dims, saved, \
                        forward, backward, doc)                                             \
  rows.append(py::dict(py::arg("name") = #py_name, py::arg("form") = #form,                 \
                       py::arg("node") = node ? py::object(py::str(node)) : py::none(),     \
                       py::arg("node_dims") = node_dims ? py::object(py::str(node_dims))    \
                                                        : py::none()));
#include "cgrad/reduction/reduction_ops.def"
  m.def("_reduction_ops", [rows]() { return rows; },
        "The reduction table's rows (Note [Reduction table]): name, form, node, node_dims.");
}

void init_reduction(py::module_& m, TensorClass& cls) {
  py::module_ types = m.def_submodule("return_types", "Named tuples returned by ops (max, min)");
  def_reduction_rows(m, cls);
  bind_kOptionalDimsDtype(m, cls, "nanmean", &nanmean);
  def_norm(m, cls);
  def_extrema(m, cls, types);
  def_aminmax(m, cls, types);
}

}  // namespace cgrad::bindings
