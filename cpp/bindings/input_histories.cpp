// The bindings' half of Note [Input histories are read first]. A call whose arguments
// include a view that may refuse its history reads the histories of all its tensor
// arguments once pybind11 has converted them (so argument errors still come first, as in
// torch): when the op raised, the view's error replaces the op's own; when an
// out-of-place op returned without reading (cgrad records nothing where torch composes
// recorded ops), the view's error replaces the result. The scan for such a view is a few
// loads per argument; the rest runs only when one is found.
#include "input_histories.h"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/views.h"
#include "cgrad/pointwise/table.h"
#include "cgrad/reduction/table.h"
#include "signature.h"

namespace cgrad::bindings {

namespace {

PyTypeObject* histories_tensor_type = nullptr;
std::unordered_set<std::string>* history_reading_names = nullptr;

// Ops that read no history before their own checks, each checked against torch with a
// view whose history it refuses.
//
// Note [Rows that read no history]: torch never records a node for an op whose result it
// never differentiates, a Bool, an index or a count: the op table rows whose dtype rule
// gives one (unary predicates, comparisons, logical ops, all/any, argmax/argmin,
// count_nonzero), their aliases and operators, so these read no history
// (erase_undifferentiated_rows). Their in-place forms read where the row records a node
// for them (eq_ into a floating self, EqBackward1), and not where it records none
// (logical_and_).
// The ops below are not table rows, or are rows torch composes differently:
constexpr const char* kNoEarlyRead[] = {
    // never recorded
    "equal", "allclose", "nonzero", "multinomial", "contiguous", "detach",
    "searchsorted", "bucketize", "isin", "histc", "bincount", "isreal",
    // composed, checking first: ops torch composes of others (CompositeImplicitAutograd, or
    // Python in nn.functional), which check their arguments before the first recorded op
    // reads: cgrad composes them the same way, or reads at the hand-over point (matmul,
    // linear, isclose, the losses). Subscripts check their ints and slices first, and read
    // themselves.
    "flatten", "unflatten", "movedim", "moveaxis", "narrow", "chunk", "diff", "outer", "ger",
    "einsum", "matmul", "__matmul__", "__rmatmul__", "linear", "isclose", "__invert__", "pad",
    "norm",
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy",
    "__getitem__", "__setitem__"};
// Rows that read although their rule says otherwise: torch composes isfinite of recorded
// ops (an abs among them).
constexpr const char* kRowsThatRead[] = {"isfinite"};

constexpr bool has_node(const char* node) { return node != nullptr; }

// The table rows whose result torch never differentiates, with their aliases, operators
// and unrecorded in-place forms (Note [Rows that read no history]).
void erase_undifferentiated_rows(std::unordered_set<std::string>& names) {
  std::unordered_set<std::string> rows;  // the undifferentiated rows found so far
  const auto erase = [&](const std::string& name, bool undifferentiated, bool inplace_recorded) {
    if (!undifferentiated) return;
    for (const char* reads : kRowsThatRead)
      if (name == reads) return;
    rows.insert(name);
    names.erase(name);
    if (!inplace_recorded) names.erase(name + "_");
  };
#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, scalar, node, saved, backward, \
                       inplace, out)                                                       \
  erase(#name, pointwise::dtype == pointwise::kPredicate, false);
#define CGRAD_UNARY_ALIAS(alias, name, inplace) erase(#alias, rows.count(#name) > 0, false);
#include "cgrad/pointwise/unary_ops.def"
  std::unordered_set<std::string> recorded_inplace;  // rows whose in-place form records
#define CGRAD_BINARY_OP(Kernel, name, dtype, error, types, cost, scalar, node, ...)  \
  if (has_node(node)) recorded_inplace.insert(#name);                                \
  erase(#name, pointwise::dtype == pointwise::kCompare ||                            \
                   pointwise::dtype == pointwise::kLogical,                          \
        has_node(node));
#define CGRAD_BINARY_ALIAS(alias, name, inplace) \
  erase(#alias, rows.count(#name) > 0, recorded_inplace.count(#name) > 0);
#define CGRAD_BINARY_OPERATOR(op, rop, iop, name)                    \
  if (rows.count(#name))                                             \
    for (const char* dunder : std::initializer_list<const char*>{op, rop}) \
      if (dunder) names.erase(dunder);
#include "cgrad/pointwise/binary_ops.def"
#define CGRAD_REDUCTION(name, py_name, form, dtype, ...)                          \
  erase(#py_name,                                                                 \
        reduction::dtype == reduction::kBool || reduction::dtype == reduction::kIndexNotBool || \
            reduction::dtype == reduction::kInt64,                                  \
        false);
#include "cgrad/reduction/reduction_ops.def"
}

// The tensor `o` holds, or null.
const TensorImpl* tensor_of(PyObject* o) {
  if (!PyObject_TypeCheck(o, histories_tensor_type)) return nullptr;
  auto v_h = reinterpret_cast<py::detail::instance*>(o)->get_value_and_holder();
  return v_h.holder_constructed() ? v_h.holder<Tensor>().get() : nullptr;
}

// Calls f on each tensor in `o`: a tensor, or a list or tuple of them.
template <class F> void for_each_tensor(PyObject* o, F&& f) {
  if (const TensorImpl* t = tensor_of(o)) return f(t);
  if (!PyList_Check(o) && !PyTuple_Check(o)) return;
  PyObject* seq = o;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t i = 0; i < n; ++i)
    if (const TensorImpl* t = tensor_of(items[i])) f(t);
}

template <class F>
void for_each_argument_tensor(PyObject* const* args, size_t nargs, PyObject* kwnames, F&& f) {
  const size_t nkw = kwnames ? static_cast<size_t>(PyTuple_GET_SIZE(kwnames)) : 0;
  for (size_t i = 0; i < nargs + nkw; ++i) for_each_tensor(args[i], f);
}

bool reads_histories(PyObject* function_self) {
  static auto* decided = new std::unordered_map<const void*, bool>();
  const auto* rec = py::detail::function_record_ptr_from_PyObject(function_self);
  if (!rec || !history_reading_names) return false;
  auto it = decided->find(rec);
  if (it == decided->end())
    it = decided->emplace(rec, history_reading_names->count(rec->name) > 0).first;
  return it->second;
}

bool is_inplace_name(const std::string& name) {
  if (name.size() > 4 && name.compare(0, 3, "__i") == 0) return true;  // __iadd__ ...
  return name.size() > 1 && name.back() == '_' && name.front() != '_';
}

}  // namespace

void learn_history_reading_ops(py::module_& m) {
  histories_tensor_type = reinterpret_cast<PyTypeObject*>(py::type::of<TensorImpl>().ptr());
  auto* names = new std::unordered_set<std::string>();
  py::dict areas = m.attr("_op_registry")();
  for (auto [area, entry] : areas) {
    if (py::str(area).cast<std::string>() == "creation") continue;  // no tensor inputs read
    for (auto [kind, list] : py::reinterpret_borrow<py::dict>(entry))
      for (py::handle name : list) names->insert(py::str(name).cast<std::string>());
  }
  erase_undifferentiated_rows(*names);
  for (const char* name : kNoEarlyRead) names->erase(name);
  history_reading_names = names;
}

PyObject* with_histories_read(PyObject* function_self, PyObject* const* args, size_t nargs,
                              PyObject* kwnames, PyObject* result) {
  // Argument errors come before any history is read, in torch too: a wrong type, or a
  // Python int beyond 64 bits (torch's argument parser raises OverflowError for it).
  if (!result && (PyErr_ExceptionMatches(PyExc_TypeError) ||
                  PyErr_ExceptionMatches(PyExc_OverflowError)))
    return result;
  if (!histories_tensor_type || !GradMode::records()) return result;
  bool found = false;
  for_each_argument_tensor(args, nargs, kwnames,
                           [&](const TensorImpl* t) { found = found || may_refuse_history(*t); });
  if (!found || !reads_histories(function_self)) return result;
  const auto* rec = py::detail::function_record_ptr_from_PyObject(function_self);
  const bool inplace = nargs > 0 && is_inplace_name(rec->name);
  // An in-place op that succeeded has moved versions: reading now would see views it
  // made stale itself. It read what it needed while recording.
  if (result && inplace) return result;
  const TensorImpl* written = inplace ? tensor_of(args[0]) : nullptr;
  // torch's copy_ records nothing into a self of a type without gradients (an integer
  // self), so reads nothing either.
  if (written && rec->name == std::string("copy_") && !is_floating(written->dtype))
    return result;
  std::vector<const TensorImpl*> inputs;
  for_each_argument_tensor(args, nargs, kwnames,
                           [&](const TensorImpl* t) { inputs.push_back(t); });
  PyObject *error_type = nullptr, *error = nullptr, *traceback = nullptr;
  if (!result) PyErr_Fetch(&error_type, &error, &traceback);
  try {
    read_input_histories(inputs.data(), inputs.size(), written);
  } catch (...) {  // the view's error replaces the op's result or its own error
    Py_XDECREF(result);
    Py_XDECREF(error_type);
    Py_XDECREF(error);
    Py_XDECREF(traceback);
    py::detail::try_translate_exceptions();
    return nullptr;
  }
  if (!result) PyErr_Restore(error_type, error, traceback);
  return result;
}

}  // namespace cgrad::bindings
