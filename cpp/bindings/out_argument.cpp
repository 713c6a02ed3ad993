// `out=`: the result written into a tensor the caller gives.
//
// Note [out= arguments]: torch's functions (not its methods, nor nn.functional) take an
// `out` tensor for their result; cgrad honours it on the same functions, in one place
// for all of them (the call checks, Note [Call checks]), by running the function as
// usual and writing its result into out as torch does:
//   - out is returned, the same object; functions with several results (max/min with a
//     dim, sort, linalg.qr, ...) take a tuple and return it as torch's `<name>_out` type;
//   - the result must be castable to out's dtype ("result type Float can't be cast to the
//     desired output type Long"); factories (ones, rand, arange, ...) instead make out's
//     dtype theirs, and refuse another dtype given with it;
//   - an out of another shape is resized to the result's, with torch's deprecation
//     warning unless it was empty, and takes the result's memory order where that is
//     dense, as torch's kernels restride a resized out; its memory is reused when large
//     enough, else replaced (a view that must grow then stops sharing memory with its
//     base, where torch would grow the shared storage);
//   - out must not overlap an input partly, nor repeat memory (torch's errors);
//   - with grad mode on, neither out nor an input may require grad: out= functions are
//     not differentiable (torch's RuntimeError).
// A function torch gives no `out` refuses the keyword like any unknown one. Functions are
// known by torch's native names (linalg's as linalg_<name>), so cgrad.det and
// cgrad.linalg.det can differ as torch's do.
#include "out_argument.h"

#include <string>
#include <unordered_set>
#include <vector>

#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"
#include "signature.h"

namespace cgrad::bindings {

namespace {

const std::unordered_set<std::string>& out_functions() {
  static const std::unordered_set<std::string> names = {
      "abs", "absolute", "acos", "acosh", "add", "addmm", "all", "amax", "amin", "aminmax",
      "any", "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
      "arctanh", "argmax", "argmin", "asin", "asinh", "atan", "atan2", "atanh", "bernoulli",
      "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
      "bitwise_right_shift", "bitwise_xor", "bmm", "bucketize", "cat", "ceil", "clamp",
      "clamp_max", "clamp_min", "clip", "concat", "copysign", "cos", "cosh", "cross",
      "cummax", "cummin", "cumprod", "cumsum", "deg2rad", "diag", "diff", "digamma", "div",
      "dot", "empty", "eq", "erf", "erfc", "erfinv", "exp", "exp2", "expm1", "eye", "fix",
      "floor", "floor_divide", "fmax", "fmin", "fmod", "frac", "full", "gather", "gcd",
      "ge", "ger", "greater", "greater_equal", "gt", "heaviside", "hypot", "i0",
      "index_add", "index_select", "inverse", "isneginf", "isposinf", "kron", "kthvalue",
      "lcm", "ldexp", "le", "lerp", "less", "less_equal", "lgamma", "linalg_cholesky", "linalg_cross",
      "linalg_det", "linalg_eigh", "linalg_eigvalsh", "linalg_inv", "linalg_matrix_norm",
      "linalg_matrix_power", "linalg_qr", "linalg_slogdet", "linalg_solve", "linalg_svd",
      "linalg_svdvals", "linalg_vector_norm", "linspace", "log", "log10", "log1p", "log2",
      "log_softmax", "logaddexp", "logaddexp2", "logcumsumexp", "logical_and",
      "logical_not", "logical_or", "logical_xor", "logit", "logspace", "logsumexp", "lt",
      "masked_select", "matmul", "matrix_power", "max", "maximum", "mean", "median", "min",
      "minimum", "mm", "mode", "msort", "mul", "multinomial", "mv", "nan_to_num",
      "nanmedian", "ne", "neg", "negative", "nextafter", "nonzero", "norm", "normal",
      "not_equal", "ones", "outer", "polygamma", "pow", "prod", "rad2deg", "rand",
      "randint", "randn", "randperm", "reciprocal", "remainder", "round", "rsqrt",
      "scatter", "scatter_add", "searchsorted", "sgn", "sigmoid", "sign", "signbit", "sin",
      "sinc", "sinh", "slogdet", "softmax", "sort", "sqrt", "square", "stack", "std", "sub",
      "sum", "take", "take_along_dim", "tan", "tanh", "tensordot", "topk", "tril", "triu",
      "true_divide", "trunc", "var", "where", "xlogy", "zeros"};
  return names;
}

// Factories take out's dtype as their own.
const std::unordered_set<std::string>& out_factories() {
  static const std::unordered_set<std::string> names = {
      "arange", "empty", "eye", "full", "linspace", "logspace", "ones", "rand", "randint", "randn",
      "randperm", "normal", "zeros"};
  return names;
}

// Functions whose out must have the result's dtype exactly, where the others cast.
const std::unordered_set<std::string>& exact_dtype_functions() {
  static const std::unordered_set<std::string> names = {
      "abs", "absolute", "addmm", "all", "amax", "amin", "aminmax", "any", "argmax", "argmin",
      "bitwise_not", "bmm", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "cummax",
      "cummin", "cross", "diag", "dot", "fix", "floor", "frac", "gather", "index_add", "index_select",
      "inverse", "kthvalue", "linalg_cholesky", "linalg_cross", "linalg_det", "linalg_eigh",
      "linalg_eigvalsh", "linalg_inv", "linalg_matrix_norm", "linalg_matrix_power", "linalg_qr",
      "linalg_slogdet", "linalg_solve", "linalg_svd", "linalg_svdvals", "linalg_vector_norm",
      "log_softmax", "masked_select", "matmul", "matrix_power", "max", "median", "min", "mm",
      "mode", "msort", "multinomial", "mv", "nan_to_num", "nanmedian", "neg", "negative",
      "nonzero", "norm", "round", "scatter", "scatter_add", "sgn", "sign", "slogdet", "softmax",
      "sort", "take", "take_along_dim", "tensordot", "topk", "tril", "triu", "trunc", "where"};
  return names;
}

// Predicates whose out must be bool.
const std::unordered_set<std::string>& bool_out_functions() {
  static const std::unordered_set<std::string> names = {"isneginf", "isposinf", "signbit"};
  return names;
}

// torch's wording, which differs by function, for an out of the wrong dtype where the
// result's is required.
std::string out_dtype_mismatch(const std::string& name, DType result, DType out) {
  const std::string r = dtype_torch_name(result), o = dtype_torch_name(out);
  static const std::unordered_set<std::string> pointwise = {
      "abs", "absolute", "bitwise_not", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "fix",
      "floor", "frac", "neg", "negative", "round", "sgn", "sign", "trunc"};
  if (pointwise.count(name)) return "Found dtype " + o + " but expected " + r;
  if (name == "dot") return "result dtype " + o + " does not match input dtype " + r;
  if (name == "multinomial") return "multinomial expects Long tensor out, got: " + o;
  if (name == "where") return "Expected out type to be " + r + " but got " + o;
  if (name == "tensordot")
    return "tensordot: Expected the output tensor to have dtype " + r +
           ", but got an output tensor with dtype " + o;
  if (name == "index_select" || name == "masked_select")
    return name + "(): self and result must have the same scalar type";
  if (name == "take")
    return "take(): self and out expected to have the same dtype, but got self.dtype = " + r +
           " and out.dtype = " + o;
  if (name == "nan_to_num") return "nan_to_num: dtype of out: " + o + " should be same as input: " + r;
  if (name == "amax" || name == "amin")
    return "Expected the dtype for input and out to match, but got " + r +
           " for input's dtype and " + o + " for out's dtype.";
  return std::string("Expected out tensor to have dtype ") + dtype_cpp_name(result) + ", but got " +
         dtype_cpp_name(out) + " instead";
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

// The tensors among a call's arguments, one level into lists and tuples (cat, stack).
std::vector<Tensor> tensor_inputs(PyObject* const* args, size_t count) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < count; ++i) {
    py::handle a(args[i]);
    if (py::isinstance<TensorImpl>(a)) {
      out.push_back(a.cast<Tensor>());
    } else if (PyList_Check(a.ptr()) || PyTuple_Check(a.ptr())) {
      for (py::handle item : a)
        if (py::isinstance<TensorImpl>(item)) out.push_back(item.cast<Tensor>());
    }
  }
  return out;
}

// Makes `out` the result's shape, in the memory order torch gives a resized out: the
// layout the result itself has where it is dense (transposed inputs give a transposed
// out), reusing out's memory when it is large enough.
void resize_out(const Tensor& out, const Tensor& result) {
  const int64_t needed = (out->offset + result->numel()) * static_cast<int64_t>(itemsize(out->dtype));
  if (static_cast<int64_t>(out->storage->nbytes()) >= needed) {
    out->sizes = result->sizes;
    out->strides = empty_like_strides(result);
  } else {
    set_data(out, empty_like(result, out->dtype));
  }
}

void write_into(Tensor out, const Tensor& result, const std::string& name, bool factory) {
  if (bool_out_functions().count(name) && out->dtype != DType::Bool)
    throw std::runtime_error(name + " does not support non-boolean outputs.");
  if ((name == "searchsorted" || name == "bucketize") && out->dtype != result->dtype)
    throw std::runtime_error(
        std::string("torch.searchsorted(): output tensor's dtype is wrong, it can only be "
                    "Int(int32) or Long(int64) depending on whether out_int32 flag is True, but "
                    "we got output tensor's dtype ") + dtype_torch_name(out->dtype) +
        " and out_int32 flag is " + (result->dtype == DType::Int32 ? "True" : "False"));
  if (exact_dtype_functions().count(name) && out->dtype != result->dtype)
    throw std::runtime_error(out_dtype_mismatch(name, result->dtype, out->dtype));
  // (cat and stack say it as a TypeError before the cast check of apply_inplace)
  if ((name == "cat" || name == "concat" || name == "stack") && is_floating(result->dtype) &&
      !is_floating(out->dtype))
    throw TypeError(std::string("torch.cat(): input types can't be cast to the desired output type ") +
                    dtype_torch_name(out->dtype));
  if (name == "logsumexp" && !is_floating(out->dtype))
    throw std::runtime_error(
        std::string("logsumexp(): Expected floating point type for result tensor, but got: ") +
        dtype_torch_name(out->dtype));
  // bernoulli samples into out whatever its dtype (0 and 1 are exact in all of them).
  const Tensor& written = name == "bernoulli" ? to_dtype(result, out->dtype) : result;
  if (!same_shape(out->sizes, result->sizes)) {
    // Factories resize quietly; arange says why its count differs; the rest warn that
    // resizing a non-empty out is deprecated.
    if (name == "arange" && out->numel() != result->numel()) {
      const std::string message =
          "The number of elements in the out tensor of shape " + shape_str(out->sizes) + " is " +
          std::to_string(out->numel()) + " which does not match the computed number of "
          "elements " + std::to_string(result->numel()) + ". Note that this may occur as a "
          "result of rounding error. The out tensor will be resized to a tensor of shape (" +
          std::to_string(result->numel()) + ",).";
      if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) < 0) throw py::error_already_set();
    } else if (out->numel() != 0 && !factory) {
      const std::string message =
          "An output with one or more elements was resized since it had shape " +
          shape_str(out->sizes) + ", which does not match the required output shape " +
          shape_str(result->sizes) +
          ". This behavior is deprecated, and in a future PyTorch release outputs will not be "
          "resized unless they have zero elements. You can explicitly reuse an out tensor t by "
          "resizing it, inplace, to zero elements with t.resize_(0).";
      if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) < 0) throw py::error_already_set();
    }
    resize_out(out, result);
  }
  GradModeGuard no_grad(false);
  apply_inplace(out, name.c_str(), [&] { return written; });
}

// The call checked and run: the outs it writes, then the dispatch without `out`.
PyObject* run_with_out(const std::string& name, py::handle out_arg, PyObject* self,
                       std::vector<PyObject*>& args, size_t nargs, py::list& keywords,
                       Dispatch dispatch) {
  std::vector<Tensor> outs;
  const bool pair = PyTuple_Check(out_arg.ptr()) || PyList_Check(out_arg.ptr());
  if (pair) {
    for (py::handle item : out_arg) {
      if (!py::isinstance<TensorImpl>(item))
        throw TypeError(name + "(): argument 'out' must be tuple of Tensors, not " + type_name(item));
      outs.push_back(item.cast<Tensor>());
    }
  } else if (py::isinstance<TensorImpl>(out_arg)) {
    outs.push_back(out_arg.cast<Tensor>());
  } else {
    throw TypeError(name + "(): argument 'out' must be Tensor, not " + type_name(out_arg));
  }
  py::object out_dtype;  // keeps the dtype (or out) keyword added below alive
  // normal(mean, std) with a tensor among them is no factory: torch samples it into out
  // (out.normal_(0, 1), then * std + mean), so it runs in out's dtype: out is passed to it
  // privately (`_out`).
  bool tensor_normal = false;
  if (name == "normal") {
    for (size_t k = 0; k < std::min<size_t>(nargs, 2); ++k)
      tensor_normal = tensor_normal || py::isinstance<TensorImpl>(args[k]);
    for (size_t k = 0; k < keywords.size(); ++k) {
      const std::string key = keywords[k].cast<std::string>();
      if (key == "mean" || key == "std")
        tensor_normal = tensor_normal || py::isinstance<TensorImpl>(args[nargs + k]);
    }
  }
  const bool factory = out_factories().count(name) && !tensor_normal;
  if (tensor_normal && outs.size() == 1) {
    out_dtype = py::cast(outs[0]);
    keywords.append(py::str("_out"));
    args.push_back(out_dtype.ptr());
  }
  if (factory && outs.size() == 1) {
    bool dtype_given = false;
    for (size_t k = 0; k < keywords.size(); ++k) {
      if (keywords[k].cast<std::string>() != "dtype") continue;
      py::handle dtype(args[nargs + k]);
      dtype_given = !dtype.is_none();
      if (dtype_given && dtype_from_py(dtype) != outs[0]->dtype)
        throw std::runtime_error(std::string("dtype ") + dtype_torch_name(dtype_from_py(dtype)) +
                                 " does not match dtype of out parameter (" +
                                 dtype_torch_name(outs[0]->dtype) + ")");
    }
    if (!dtype_given) {
      out_dtype = dtype_object(outs[0]->dtype);
      keywords.append(py::str("dtype"));
      args.push_back(out_dtype.ptr());
    }
  }
  const std::vector<Tensor> inputs = tensor_inputs(args.data(), args.size());
  if (GradMode::is_enabled()) {
    bool needs_grad = false;
    for (const Tensor& t : inputs) needs_grad = needs_grad || t->requires_grad();
    for (const Tensor& t : outs) needs_grad = needs_grad || t->requires_grad();
    if (needs_grad)
      throw std::runtime_error(name + "(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.");
  }
  for (const Tensor& out : outs)
    for (const Tensor& input : inputs) check_inplace_overlap(out, {&input});

  py::tuple names(keywords);
  py::object result = py::reinterpret_steal<py::object>(
      dispatch(self, args.data(), nargs, keywords.empty() ? nullptr : names.ptr()));
  if (!result) throw py::error_already_set();
  std::vector<Tensor> results;
  if (py::isinstance<TensorImpl>(result)) {
    results.push_back(result.cast<Tensor>());
  } else if (PyTuple_Check(result.ptr())) {
    for (py::handle item : result) results.push_back(item.cast<Tensor>());
  }
  if (results.size() != outs.size())
    throw TypeError(name + "(): argument 'out' must be " +
                    (results.size() == 1 ? std::string("Tensor") : "a tuple of " +
                                                           std::to_string(results.size()) +
                                                           " Tensors"));
  for (size_t i = 0; i < outs.size(); ++i) write_into(outs[i], results[i], name, factory);
  if (!pair) return out_arg.inc_ref().ptr();
  // The out variant of the result's tuple type (cgrad.return_types.max_out), holding the
  // given tensors.
  return out_return_type(py::type::of(result))(py::tuple(py::reinterpret_borrow<py::object>(out_arg)))
      .release()
      .ptr();
}

}  // namespace

bool has_out_keyword(PyObject* kwnames) {
  for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); ++k)
    if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k), "out") == 0) return true;
  return false;
}

PyObject* call_with_out(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames,
                        Dispatch dispatch) {
  const FunctionInfo* info = function_info(self);
  if (!info || info->style != CallStyle::Native || !out_functions().count(info->native_name) ||
      info->has_param("out"))
    return dispatch(self, args, nargsf, kwnames);
  const size_t nargs = PyVectorcall_NARGS(nargsf);
  try {
    std::vector<PyObject*> rest(args, args + nargs);
    py::list keywords;
    py::handle out_arg;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); ++k) {
      PyObject* key = PyTuple_GET_ITEM(kwnames, k);
      if (PyUnicode_CompareWithASCIIString(key, "out") == 0) {
        out_arg = args[nargs + k];
        continue;
      }
      keywords.append(py::handle(key));
      rest.push_back(args[nargs + k]);
    }
    if (out_arg.is_none()) {  // out=None: an ordinary call
      py::tuple names(keywords);
      return dispatch(self, rest.data(), nargs, keywords.empty() ? nullptr : names.ptr());
    }
    return run_with_out(info->native_name, out_arg, self, rest, nargs, keywords, dispatch);
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    py::detail::try_translate_exceptions();
  }
  return nullptr;
}

}  // namespace cgrad::bindings
