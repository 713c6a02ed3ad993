// `out=`: the result written into a tensor the caller gives.
//
// Note [out= arguments]: torch's functions (not its methods, nor nn.functional) take an
// `out` tensor for their result; cgrad honours it on the same functions, in one place
// for all of them (the call checks, Note [Call checks]), by running the function as
// usual and writing its result into out as torch does:
//   - out is returned, the same object; functions with several results (max/min with a
//     dim, sort, linalg.qr, ...) take a tuple and return it as torch's `<name>_out` type;
//   - the result must be castable to out's dtype ("result type Float can't be cast to the
//     desired output type Long"), or of the very dtype the function's rule asks for;
//     factories (ones, rand, arange, ...) and sum-like reductions instead make out's
//     dtype theirs, and refuse another dtype given with it;
//   - an out of another shape is resized to the result's, with torch's deprecation
//     warning unless it was empty, and takes the result's memory order where that is
//     dense, as torch's kernels restride a resized out; its memory is reused when large
//     enough, else replaced (a view that must grow then stops sharing memory with its
//     base, where torch would grow the shared storage);
//   - out must not overlap an input partly, nor repeat memory (torch's errors);
//   - with grad mode on, neither out nor an input may require grad: out= functions are
//     not differentiable (torch's RuntimeError).
// Which functions take out=, and the rule each follows for out's dtype, are derived from
// the op tables' rows where a row holds the function (Note [out= rules], out_rules.cpp).
// A function torch gives no `out` refuses the keyword like any unknown one. Functions are
// known by torch's native names (linalg's as linalg_<name>), so cgrad.det and
// cgrad.linalg.det can differ as torch's do.
#include "out_argument.h"

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"
#include "out_rules.h"
#include "signature.h"

namespace cgrad::bindings {

namespace {

// torch's words for an out of the wrong dtype where `rule` requires another.
std::string out_dtype_mismatch(const std::string& name, OutWording wording, DType result,
                               DType out) {
  const std::string r = dtype_torch_name(result), o = dtype_torch_name(out);
  switch (wording) {
    case OutWording::kFoundDtype: return "Found dtype " + o + " but expected " + r;
    case OutWording::kInputAndOut:
      return "Expected the dtype for input and out to match, but got " + r +
             " for input's dtype and " + o + " for out's dtype.";
    case OutWording::kScalarType: return "expected scalar_type " + r + " but found " + o;
    case OutWording::kBoolResult: return name + " only supports bool tensor for result, got: " + o;
    case OutWording::kNonBoolean: return name + " does not support non-boolean outputs.";
    case OutWording::kFloatingResult:
      return name + "(): Expected floating point type for result tensor, but got: " + o;
    case OutWording::kCannotCast:
      return "result type " + r + " can't be cast to the desired output type " + o;
    case OutWording::kOpCannotCast: return name + " can't be cast to the desired output type " + o;
    case OutWording::kDot: return "result dtype " + o + " does not match input dtype " + r;
    case OutWording::kMultinomial: return "multinomial expects Long tensor out, got: " + o;
    case OutWording::kWhere: return "Expected out type to be " + r + " but got " + o;
    case OutWording::kTensordot:
      return "tensordot: Expected the output tensor to have dtype " + r +
             ", but got an output tensor with dtype " + o;
    case OutWording::kSelectSameType:
      return name + "(): self and result must have the same scalar type";
    case OutWording::kTake:
      return "take(): self and out expected to have the same dtype, but got self.dtype = " + r +
             " and out.dtype = " + o;
    case OutWording::kNanToNum:
      return "nan_to_num: dtype of out: " + o + " should be same as input: " + r;
    case OutWording::kNansum:
      return "nansum: provided dtype must match dtype of result. Got " + o + " and " + r + ".";
    case OutWording::kRowError:
    case OutWording::kDefault: break;
  }
  return std::string("Expected out tensor to have dtype ") + dtype_cpp_name(result) + ", but got " +
         dtype_cpp_name(out) + " instead";
}

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

void write_into(Tensor out, const Tensor& result, const std::string& name, const OutRule& rule) {
  const bool factory = rule.dtype == OutDtype::kFactory;
  if ((rule.dtype == OutDtype::kBool && out->dtype != DType::Bool) ||
      ((rule.dtype == OutDtype::kResultDtype || rule.dtype == OutDtype::kInputDtype) &&
       out->dtype != result->dtype) ||
      (rule.dtype == OutDtype::kFloating && !is_floating(out->dtype)))
    throw std::runtime_error(out_dtype_mismatch(name, rule.wording, result->dtype, out->dtype));
  if ((name == "searchsorted" || name == "bucketize") && out->dtype != result->dtype)
    throw std::runtime_error(
        std::string("torch.searchsorted(): output tensor's dtype is wrong, it can only be "
                    "Int(int32) or Long(int64) depending on whether out_int32 flag is True, but "
                    "we got output tensor's dtype ") + dtype_torch_name(out->dtype) +
        " and out_int32 flag is " + (result->dtype == DType::Int32 ? "True" : "False"));
  // (cat and the joins made of it say it as a TypeError before the cast check of
  // apply_inplace)
  static const std::unordered_set<std::string> joins{
      "cat", "concat", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack"};
  if (joins.count(name) && is_floating(result->dtype) && !is_floating(out->dtype))
    throw TypeError(std::string("torch.cat(): input types can't be cast to the desired output type ") +
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

// The call's `input`: its first positional argument or its `input=` keyword; null if none.
PyObject* input_argument(const std::vector<PyObject*>& args, size_t nargs, py::list& keywords) {
  if (nargs > 0) return args[0];
  for (size_t k = 0; k < keywords.size(); ++k)
    if (keywords[k].cast<std::string>() == "input") return args[nargs + k];
  return nullptr;
}

// The promoted dtype of a binary call's two operands (`input`/`other` as given, tensors
// or numbers); nullopt when either is missing or neither (the function's own errors then
// come first).
std::optional<DType> promoted_operands(const std::vector<PyObject*>& args, size_t nargs,
                                       py::list& keywords) {
  PyObject* operands[2] = {nargs > 0 ? args[0] : nullptr, nargs > 1 ? args[1] : nullptr};
  for (size_t k = 0; k < keywords.size(); ++k) {
    const std::string key = keywords[k].cast<std::string>();
    if (key == "input" || key == "self") operands[0] = args[nargs + k];
    if (key == "other") operands[1] = args[nargs + k];
  }
  if (!operands[0] || !operands[1]) return std::nullopt;
  Tensor a = as_operand(operands[0]), b = as_operand(operands[1]);
  if (!a || !b) return std::nullopt;
  return result_type(a, b);
}

// The call checked and run: the outs it writes, then the dispatch without `out`.
PyObject* run_with_out(const std::string& name, OutRule rule, py::handle out_arg, PyObject* self,
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
  if (tensor_normal) rule.dtype = OutDtype::kCast;
  const bool factory = rule.dtype == OutDtype::kFactory;
  if (tensor_normal && outs.size() == 1) {
    out_dtype = py::cast(outs[0]);
    keywords.append(py::str("_out"));
    args.push_back(out_dtype.ptr());
  }
  if ((factory || rule.dtype == OutDtype::kDtypeArgument) && outs.size() == 1) {
    bool dtype_given = false;
    size_t none_at = args.size();  // where dtype=None was passed
    for (size_t k = 0; k < keywords.size(); ++k) {
      if (keywords[k].cast<std::string>() != "dtype") continue;
      py::handle dtype(args[nargs + k]);
      dtype_given = !dtype.is_none();
      if (!dtype_given) none_at = nargs + k;
      if (!dtype_given || dtype_from_py(dtype) == outs[0]->dtype) continue;
      if (!factory)
        throw std::runtime_error(
            out_dtype_mismatch(name, rule.wording, dtype_from_py(dtype), outs[0]->dtype));
      throw std::runtime_error(std::string("dtype ") + dtype_torch_name(dtype_from_py(dtype)) +
                               " does not match dtype of out parameter (" +
                               dtype_torch_name(outs[0]->dtype) + ")");
    }
    if (!dtype_given) {
      out_dtype = dtype_object(outs[0]->dtype);
      if (none_at < args.size()) {
        args[none_at] = out_dtype.ptr();
      } else {
        keywords.append(py::str("dtype"));
        args.push_back(out_dtype.ptr());
      }
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
  if ((rule.dtype == OutDtype::kCastOperands || rule.dtype == OutDtype::kOperandsDtype) &&
      outs.size() == 1) {
    const DType out_dtype = outs[0]->dtype;
    const std::optional<DType> operands = promoted_operands(args, nargs, keywords);
    if (operands && rule.dtype == OutDtype::kCastOperands && !can_cast(*operands, out_dtype))
      throw std::runtime_error(out_dtype_mismatch(name, rule.wording, *operands, out_dtype));
    if (operands && rule.dtype == OutDtype::kOperandsDtype && *operands != out_dtype)
      throw std::runtime_error(rule.message);
  }
  // torch's nansum kernel has no integer version; its functional dtype= casts instead
  // (nanmean writes through nansum's out)
  if (rule.wording == OutWording::kNansum && outs.size() == 1 && !is_floating(outs[0]->dtype)) {
    PyObject* input = input_argument(args, nargs, keywords);
    if (input && py::isinstance<TensorImpl>(input) &&
        is_floating(py::handle(input).cast<Tensor>()->dtype))
      throw NotImplementedError(std::string("\"nansum_cpu\" not implemented for '") +
                                dtype_torch_name(outs[0]->dtype) + "'");
  }
  if (rule.dtype == OutDtype::kInputDtype && outs.size() == 1) {
    PyObject* input = input_argument(args, nargs, keywords);
    if (input && py::isinstance<TensorImpl>(input) &&
        py::handle(input).cast<Tensor>()->dtype != outs[0]->dtype)
      throw std::runtime_error(out_dtype_mismatch(
          name, rule.wording, py::handle(input).cast<Tensor>()->dtype, outs[0]->dtype));
  }

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
  for (size_t i = 0; i < outs.size(); ++i) write_into(outs[i], results[i], name, rule);
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
  const OutRule* rule = info && info->style == CallStyle::Native ? out_rule(info->native_name)
                                                                 : nullptr;
  if (!rule || info->has_param("out"))
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
    return run_with_out(info->native_name, *rule, out_arg, self, rest, nargs, keywords, dispatch);
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    py::detail::try_translate_exceptions();
  }
  return nullptr;
}

}  // namespace cgrad::bindings
