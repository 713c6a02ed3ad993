#pragma once
// Shared pieces of the pybind11 layer: one init_* per area, and the conversions from
// Python arguments (scalars, dtypes, sizes, dims) that every area uses.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "cgrad/ops.h"
#include "cgrad/parallel.h"
#include "cgrad/tensor.h"

namespace py = pybind11;

// Note [No None tensors]: pybind11's caster for a shared_ptr holder turns None into a null
// pointer when it may convert, so `cgrad.mm(None, x)` reached the op with a null Tensor
// and crashed. This caster refuses None for every `Tensor` parameter; pybind11 then
// reports a type mismatch (worded as torch's by Note [Argument errors]). Parameters that
// take None say so with std::optional<Tensor>, whose caster handles None itself.
namespace pybind11::detail {
template <>
class type_caster<std::shared_ptr<cgrad::TensorImpl>>
    : public copyable_holder_caster<cgrad::TensorImpl, std::shared_ptr<cgrad::TensorImpl>> {
 public:
  bool load(handle src, bool convert) {
    if (src.is_none()) return false;
    return copyable_holder_caster::load(src, convert);
  }
};

// Shapes (Note [Inline shapes]) cross as lists of ints, as std::vector's caster does.
template <>
struct type_caster<cgrad::Shape> : list_caster<cgrad::Shape, int64_t> {};
}  // namespace pybind11::detail

namespace cgrad::bindings {

using TensorClass = py::class_<TensorImpl, std::shared_ptr<TensorImpl>>;

// One init per area. Areas that add Tensor methods get the class; each binds an op's
// method form and its function form (cgrad.sin) side by side.
void init_dtype(py::module_& m);
void init_type_promotion(py::module_& m);  // promote_types, result_type, can_cast
void init_memory_format(py::module_& m);  // contiguous_format, channels_last, ...
bool is_contiguous_as(const TensorImpl& t, py::handle memory_format);
py::object contiguous_format_object();
TensorClass init_tensor(py::module_& m);
// Lets Python's cycle collector see the Python objects a tensor's graph holds.
void setup_tensor_gc(PyHeapTypeObject* heap_type);
void init_creation(py::module_& m);
void init_elementwise(py::module_& m, TensorClass& cls);
// From the pointwise op tables (pointwise_table.cpp): the ops with their methods (called
// by init_elementwise), their in-place variants (by init_inplace), the table as data.
void def_unary_ops(py::module_& m, TensorClass& cls);
void def_unary_inplace(py::module_& m, TensorClass& cls);
// The binary table's functions, methods, aliases and operators, and its in-place
// comparisons and in-place operators (pointwise_table.cpp).
void def_binary_ops(py::module_& m, TensorClass& cls);
void def_binary_inplace(py::module_& m, TensorClass& cls);
// The binary rows whose in-place method is their method written back (init_inplace), and
// for the in-place op `name` (without its `_`) that takes only a Tensor, its second
// argument's name (nullptr for the others).
std::vector<const char*> binary_inplace_through_method();
// Whether torch records nothing for the row's in-place op (logical_and_: a Bool result it
// never differentiates), so that it is no in-place op of the graph either.
bool binary_inplace_unrecorded(const std::string& name);
const char* binary_tensor_only_arg(const std::string& name);
void init_pointwise_table(py::module_& m);
// cgrad._C._reduction_ops(): the reduction table as data (Note [Reduction table]).
void init_reduction_table(py::module_& m);
// cgrad._C._activation_ops(): the activation table as data (Note [Activation table]).
void init_activation_table(py::module_& m);
void init_math_functions(py::module_& m, TensorClass& cls);  // exp2, xlogy, isclose ...
void init_activation(py::module_& m, TensorClass& cls);  // also fills the `_nn` submodule
void init_reduction(py::module_& m, TensorClass& cls);
void init_linalg(py::module_& m, TensorClass& cls);
void init_dense_linalg(py::module_& m, TensorClass& cls);  // cgrad.linalg (as _C._linalg)
void init_loss(py::module_& m);
void init_normalization(py::module_& m);  // layer_norm, batch_norm
void init_padding(py::module_& m);
void init_embedding(py::module_& m);
void init_convolution(py::module_& m);  // conv and pooling, in `_nn`
void init_resample(py::module_& m);  // upsample_*, in `_nn`
void init_view(py::module_& m, TensorClass& cls);
void init_shape_ops(py::module_& m, TensorClass& cls);  // flip, roll, repeat, tril, diagonal...
void init_sorting(py::module_& m, TensorClass& cls);  // sort, topk, median, cummax, mode...
void init_search(py::module_& m, TensorClass& cls);  // unique, searchsorted, bucketize
void init_inplace(py::module_& m, TensorClass& cls);
void init_subscript(py::module_& m, TensorClass& cls);
void init_indexing(py::module_& m, TensorClass& cls);
void init_selection_math(py::module_& m, TensorClass& cls);  // take, diff, kron, cdist ...
void init_random(py::module_& m, TensorClass& cls);
void init_autograd(py::module_& m, TensorClass& cls);
void init_function(py::module_& m);
void init_storage(py::module_& m);  // the storage access copy, deepcopy and pickle use
void init_dlpack(py::module_& m, TensorClass& cls);  // __dlpack__ and _from_dlpack
void init_parallel(py::module_& m);  // set_num_threads / get_num_threads
void init_optim(py::module_& m);     // cgrad._C._optim, behind cgrad.optim
void init_memory(py::module_& m);    // the allocator's figures, behind cgrad.memory
void init_docstrings(py::module_& m);  // _add_docstr, _signatures (Note [Docstrings])
// Gives a bound callable its docstring, once (Note [Docstrings]).
void set_docstring(py::handle callable, const std::string& doc);
// After every area is bound: routes every bound function through the call checks (Note
// [Call checks], call_checks.cpp).
void install_call_checks(py::module_& m);

// A torch.return_types-style struct sequence type named `qualified_name` (return_types.cpp)
// with the null-terminated `fields`, which must outlive it (values/indices when null);
// struct_result makes one holding `items`, values_indices one holding a pair of results.
py::object make_return_type(const char* qualified_name, PyStructSequence_Field* fields = nullptr);
// The type torch gives a result written through out= (cgrad.return_types.sort_out for
// cgrad.return_types.sort): the same fields, made once and kept in cgrad.return_types.
py::object out_return_type(py::handle type);
py::object struct_result(const py::object& type, std::initializer_list<Tensor> items);
py::object values_indices(const py::object& type, std::pair<Tensor, Tensor> r);

// The Python object of a graph node, an instance of its own class (AddBackward0, a
// custom Function's FBackward): every node handed to Python goes through here
// (Note [Node classes], node_object.cpp). None for a null node.
py::object node_object(const std::shared_ptr<Node>& node);
// The name of that class: "torch::autograd::AccumulateGrad" -> "AccumulateGrad".
std::string node_class_name(const char* node_name);

// Binds `fn` as Tensor method `name` and as module function `name`, whose first
// argument is called `input` as in torch. `extra` annotates the remaining arguments.
template <class F, class... Extra>
void def_method_and_function(py::module_& m, TensorClass& cls, const char* name, F&& fn,
                             const Extra&... extra) {
  cls.def(name, fn, extra...);
  m.def(name, std::forward<F>(fn), py::arg("input"), extra...);
}


// The Python dtype object (`cgrad.float32`) for a DType, and back.
py::object dtype_object(DType t);
DType dtype_from_py(py::handle h);  // also accepts Python's float/int/bool types
std::optional<DType> optional_dtype(py::handle h);  // None -> nullopt

// torch's device= argument: cgrad runs on the CPU, so None and the CPU pass and anything
// else raises torch's error rather than being ignored.
void check_device(py::handle device);
// Generator(device): as check_device, but CUDA raises RuntimeError, as torch's CPU build.
void check_generator_device(py::handle device);
// A device name: a str or a cgrad.device.
bool is_device(py::handle h);
// A generator= argument: None (the default generator) or a cgrad.Generator (random.cpp).
Generator* generator_from_py(py::handle generator, const char* op);
// A Python int (or int subclass) as int64, exactly (Note [Exact integer scalars]). Ints
// outside int64 raise as torch's scalar arguments do: OverflowError beyond uint64 or
// below int64, RuntimeError for [2**63, 2**64) (which torch reads as uint64 in some ops
// and wraps around; we refuse it everywhere rather than compute a wrong value).
int64_t int64_from_py(py::handle h);
// A value's Python type name as torch's TypeErrors show it ("list", "float").
std::string type_name(py::handle h);
// A Python number (bool, int, float, numpy scalar or one-element tensor) as a Scalar, for
// parameters torch types as Number (alpha=); TypeError naming `arg` otherwise.
Scalar number_from_py(py::handle h, const char* op, const char* arg);
// A Python int (or an object with __index__) read where torch reads a C++ int64 (sizes,
// dims, indices): ValueError "Overflow when unpacking long long" beyond int64, as torch.
int64_t unpack_int64(py::handle h);
// A tensor operand: Tensors pass through; Python scalars become wrapped 0-d tensors.
// Returns nullptr for anything else (the caller returns NotImplemented).
Tensor as_operand(py::handle h);
// cgrad.Size(...) for a shape.
py::object size_object(const Shape& s);
void set_size_class(py::object cls);
// Sizes from `f(2, 3)`, `f((2, 3))` or `f([2, 3])`; negative sizes raise.
Shape sizes_from_args(const py::args& args, const char* op);
// The same, but -1 passes through for the op to infer (view, reshape, expand).
Shape shape_from_args(const py::args& args, const char* op);
// One dim argument: an int (not a bool), else TypeError.
int64_t dim_from_py(py::handle h);
// None -> nullopt; int -> {d}; tuple or list of ints -> dims.
std::optional<DimList> dims_from_py(py::handle h);
// The p of norm(): None and 'fro' mean 2; numbers (inf included) pass through.
double norm_order(py::handle p);
// numpy interop (creation.cpp): from_numpy shares memory; to_numpy returns a view
// kept alive by `owner`.
Tensor from_numpy(py::array arr);
py::array to_numpy(const Tensor& t, py::handle owner);
// torch.tensor(data): a copy of nested sequences / scalars / arrays / tensors.
Tensor tensor_from_data(py::handle data, std::optional<DType> dtype);

// Note [GIL release]: an op whose operands have kGrainSize elements or more runs with
// the GIL released, so other Python threads go on while its kernels run (and kernels
// may use threads). Below that, releasing would cost more than the op. The ops touch
// no Python objects; the Python callables they may reach (anomaly traces, hooks) take
// the GIL themselves. Every binding area releases it through these helpers; `numel` is
// the elements the op reads (or a measure of its work), `threshold` where releasing pays.
// without_gil is for work of unknown size (a backward pass, emptying the allocator's cache).
template <class F> auto without_gil(F&& f) -> decltype(f()) {
  py::gil_scoped_release no_gil;
  return f();
}
template <class F>
auto without_gil_if_large(int64_t numel, F&& f, int64_t threshold = kGrainSize) -> decltype(f()) {
  if (numel < threshold) return f();
  return without_gil(f);
}
// f(a) or f(a, b), without the GIL for large operands.
template <class F> Tensor call_op(F f, const Tensor& a) {
  return without_gil_if_large(a->numel(), [&] { return f(a); });
}
template <class F> Tensor call_op(F f, const Tensor& a, const Tensor& b) {
  return without_gil_if_large(std::max(a->numel(), b->numel()), [&] { return f(a, b); });
}

// An op's several results (split, hsplit, atleast_1d of many) as a Python tuple.
inline py::tuple as_tuple(const TensorList& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = py::cast(ts[i]);
  return out;
}

// An optional tensor argument (weight=None) as the null Tensor the ops take for "none".
inline Tensor or_null(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

// ---- operand adapters for binary ops ----
using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
inline py::object not_implemented() {
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}
// For dunder operators: self (op) other, or NotImplemented so Python tries the reflected
// form and finally raises TypeError.
inline auto forward_op(BinaryFn f) {
  return [f](const Tensor& self, py::handle other) -> py::object {
    Tensor o = as_operand(other);
    if (!o) return not_implemented();
    return py::cast(call_op(f, self, o));
  };
}
// other (op) self, for __rpow__ and friends.
inline auto reflected_op(BinaryFn f) {
  return [f](const Tensor& self, py::handle other) -> py::object {
    Tensor o = as_operand(other);
    if (!o) return not_implemented();
    return py::cast(call_op(f, o, self));
  };
}
// other / self, as torch computes it: self.reciprocal() * other (MulBackward0).
Tensor reflected_div(const Tensor& self, const Tensor& other);
// The fast `+ - * /` (Note [Operator slots]); call after the dunder methods are bound.
void install_operator_slots(TensorClass& cls);
// A new reference to a Python Tensor for an op's result (Note [Wrapping fresh results]);
// init_tensor_wrap, once Tensor's class exists, enables the fast path.
void init_tensor_wrap(TensorClass& cls);
PyObject* wrap_new_tensor(Tensor&& t);

// For named methods/functions (x.add(y), cgrad.add(x, 2)): TypeError on a bad operand.
// `arg` names the parameter in the message; the call checks add its position.
Tensor operand_or_throw(py::handle other, const char* op, const char* arg = "other");
// div(other, rounding_mode=...): `mode` is no_rounding_mode() when the caller left it out
// (plain DivBackward0 division), else None, 'trunc' or 'floor' (elementwise.cpp).
py::handle no_rounding_mode();
Tensor div_any(const Tensor& input, py::handle other, py::handle mode, const char* op);
// An operand that must be a Tensor (torch has no Scalar overload: minimum, atan2, lerp's
// end): TypeError naming `arg` otherwise.
Tensor tensor_arg(py::handle h, const char* op, const char* arg);
inline auto named_op(BinaryFn f, const char* name) {
  return [f, name](const Tensor& self, py::handle other) {
    return call_op(f, self, operand_or_throw(other, name));
  };
}

// `self.data = src`: self takes src's memory, shape and dtype, keeping its own version
// counter (tensor.cpp).
void set_data(const Tensor& self, const Tensor& src);
// Python scalar for element 0 of a one-element tensor.
py::object item_object(const TensorImpl& t);

}  // namespace cgrad::bindings
