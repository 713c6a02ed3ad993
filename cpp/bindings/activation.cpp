// Activations: cgrad.nn.functional's functions (the `_nn` submodule, re-exported by
// python/cgrad/nn/functional.py), the rows of the activation table
// (cgrad/activation/activation_ops.def, Note [Activation table]) with their Python
// parameters and docstrings, and by hand softmax/log_softmax, also as methods and cgrad
// functions.
#include <algorithm>
#include <string>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {
// Note [Functional inplace=True]: writing an activation back into its input goes through
// apply_inplace (cgrad/ops/inplace.h), which records the node of the op it is given. For
// relu and silu that is the out-of-place op, whose node torch records too
// (activation::kInplace); torch's leaky_relu_/elu_ record other nodes, which save the
// result (activation::kInplaceSavesResult), so those run `f_inplace`, the op that records
// them (leaky_relu_saving_result, Note [In-place activations save the result]).
template <class F, class G>
Tensor run_activation(const Tensor& input, bool inplace, const char* name, F f, G f_inplace) {
  if (!inplace) return without_gil_if_large(input->numel(), [&] { return f(input); });
  Tensor self = input;
  check_inplace_overlap(self, {});
  apply_inplace(self, name, [&] { return f_inplace(self); });
  return self;
}

// A parameter's Python form (PyParam<T>::py_type), its conversion to C++ (from_py) and its
// default as Python shows it (py_default); a number is itself.
template <class T> struct PyParam {
  using py_type = T;
  static T from_py(T value) { return value; }
  static T py_default(T value) { return value; }
};
template <> struct PyParam<GeluApproximation> {
  using py_type = std::string;
  static GeluApproximation from_py(const std::string& approximate) {
    if (approximate == "none") return GeluApproximation::None;
    if (approximate == "tanh") return GeluApproximation::Tanh;
    throw std::runtime_error("approximate argument must be either none or tanh.");
  }
  static const char* py_default(GeluApproximation approximate) {
    return approximate == GeluApproximation::Tanh ? "tanh" : "none";
  }
};

// nn.functional.name(input, params..., [inplace]) from a row, with its docstring.
template <class F, class... Args>
void def_activation(py::module_& nn, const char* name, const char* doc, F f, Args&&... args) {
  nn.def(name, f, py::arg("input"), std::forward<Args>(args)...);
  set_docstring(nn.attr(name), doc);
}

// The rows' Python parameters: the lambda's, py::arg's, and the C++ call's arguments.
#define CGRAD_PY_PARAM(T, name, value) , typename PyParam<T>::py_type name
#define CGRAD_PY_ARG(T, name, value) , py::arg(#name) = PyParam<T>::py_default(value)
#define CGRAD_FROM_PY(T, name, value) , PyParam<T>::from_py(name)
#define CGRAD_INPLACE_PARAM_kNoInplace
#define CGRAD_INPLACE_PARAM_kInplace , bool inplace
#define CGRAD_INPLACE_PARAM_kInplaceSavesResult , bool inplace
#define CGRAD_INPLACE_ARG_kNoInplace
#define CGRAD_INPLACE_ARG_kInplace , py::arg("inplace") = false
#define CGRAD_INPLACE_ARG_kInplaceSavesResult , py::arg("inplace") = false
#define CGRAD_INPLACE_VALUE_kNoInplace false
#define CGRAD_INPLACE_VALUE_kInplace inplace
#define CGRAD_INPLACE_VALUE_kInplaceSavesResult inplace
// The op inplace=True runs: the row's own, or the one recording torch's in-place node.
#define CGRAD_INPLACE_OP_kNoInplace(name) name
#define CGRAD_INPLACE_OP_kInplace(name) name
#define CGRAD_INPLACE_OP_kInplaceSavesResult(name) name##_saving_result

void def_activation_rows(py::module_& nn) {
#define CGRAD_ACTIVATION(name, params, dtype, error, kernel, node, saved, backward, inplace, \
                         doc)                                                                \
  def_activation(                                                                            \
      nn, #name, doc,                                                                        \
      [](const Tensor& input CGRAD_EACH_PARAM(CGRAD_PY_PARAM, params)                        \
             CGRAD_INPLACE_PARAM_##inplace) {                                                \
        return run_activation(                                                               \
            input, CGRAD_INPLACE_VALUE_##inplace, #name "_",                                 \
            [&](const Tensor& x) { return name(x CGRAD_EACH_PARAM(CGRAD_FROM_PY, params)); }, \
            [&](const Tensor& x) {                                                           \
              return CGRAD_INPLACE_OP_##inplace(name)(                                       \
                  x CGRAD_EACH_PARAM(CGRAD_FROM_PY, params));                                \
            });                                                                              \
      } CGRAD_EACH_PARAM(CGRAD_PY_ARG, params) CGRAD_INPLACE_ARG_##inplace);
#define CGRAD_NN_UNARY(name, inplace, doc)                                                   \
  def_activation(                                                                            \
      nn, #name, doc,                                                                        \
      [](const Tensor& input CGRAD_INPLACE_PARAM_##inplace) {                                \
        const auto f = [](const Tensor& x) { return name(x); };                             \
        return run_activation(input, CGRAD_INPLACE_VALUE_##inplace, #name "_", f, f);        \
      } CGRAD_INPLACE_ARG_##inplace);
#include "cgrad/activation/activation_ops.def"
}
#undef CGRAD_PY_PARAM
#undef CGRAD_PY_ARG
#undef CGRAD_FROM_PY
#undef CGRAD_INPLACE_PARAM_kNoInplace
#undef CGRAD_INPLACE_PARAM_kInplace
#undef CGRAD_INPLACE_PARAM_kInplaceSavesResult
#undef CGRAD_INPLACE_ARG_kNoInplace
#undef CGRAD_INPLACE_ARG_kInplace
#undef CGRAD_INPLACE_ARG_kInplaceSavesResult
#undef CGRAD_INPLACE_VALUE_kNoInplace
#undef CGRAD_INPLACE_VALUE_kInplace
#undef CGRAD_INPLACE_VALUE_kInplaceSavesResult
#undef CGRAD_INPLACE_OP_kNoInplace
#undef CGRAD_INPLACE_OP_kInplace
#undef CGRAD_INPLACE_OP_kInplaceSavesResult

// nn.functional.softmax's legacy dim=None: torch picks 0 for 0-, 1- and 3-d inputs, else 1,
// and warns that the implicit choice is deprecated. torch's `_stacklevel` counts two
// Python frames of its own (softmax and its helper) that we don't have.
int64_t softmax_dim(py::handle dim, const Tensor& input, const char* name, int stacklevel) {
  if (!dim.is_none()) return dim_from_py(dim);
  stacklevel = std::max(stacklevel - 2, 1);
  std::string message = std::string("Implicit dimension choice for ") + name +
                        " has been deprecated. Change the call to include dim=X as an "
                        "argument.";
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), stacklevel) != 0)
    throw py::error_already_set();
  const int64_t nd = input->dim();
  return (nd == 0 || nd == 1 || nd == 3) ? 0 : 1;
}
}  // namespace

void init_activation_table(py::module_& m) {
  py::list rows;
#define CGRAD_PARAM_NAME(type, name, value) names.append(#name);
#define CGRAD_ACTIVATION(name, params, dtype, error, kernel, node, saved, backward, inplace,  \
                         doc)                                                                 \
  {                                                                                           \
    py::list names;                                                                           \
    CGRAD_EACH_PARAM(CGRAD_PARAM_NAME, params)                                                \
    rows.append(py::dict(py::arg("name") = #name, py::arg("kind") = "activation",             \
                         py::arg("params") = names, py::arg("node") = node,                   \
                         py::arg("inplace") = #inplace));                                     \
  }
#define CGRAD_ACTIVATION_BACKWARD(name, of, input, params, forward, node, saved_grad, d_input) \
  rows.append(py::dict(py::arg("name") = #name, py::arg("kind") = "backward",                 \
                       py::arg("of") = #of, py::arg("input") = #input, py::arg("node") = node, \
                       py::arg("saved_grad") = #saved_grad));
#define CGRAD_NN_UNARY(name, inplace, doc)                                                    \
  rows.append(py::dict(py::arg("name") = #name, py::arg("kind") = "unary",                    \
                       py::arg("inplace") = #inplace));
#include "cgrad/activation/activation_ops.def"
#undef CGRAD_PARAM_NAME
  m.def("_activation_ops", [rows]() { return rows; },
        "The activation table's rows (Note [Activation table]): name, kind ('activation', "
        "'backward' or 'unary'), and params, node, inplace, of, input, saved_grad as the "
        "kind has them.");
}

void init_activation(py::module_& m, TensorClass& cls) {
  py::module_ nn = m.def_submodule("_nn");

  def_activation_rows(nn);

  using SoftmaxFn = Tensor (*)(const Tensor&, int64_t, std::optional<DType>);
  const std::pair<const char*, SoftmaxFn> softmaxes[] = {{"softmax", &softmax},
                                                         {"log_softmax", &log_softmax}};
  for (auto [name, fn] : softmaxes) {
    nn.def(name, [fn = fn, name = name](const Tensor& input, py::handle dim, int stacklevel,
                                        py::handle dtype) {
      const int64_t d = softmax_dim(dim, input, name, stacklevel);
      const auto dt = optional_dtype(dtype);
      return without_gil_if_large(input->numel(), [&] { return fn(input, d, dt); });
    }, py::arg("input"), py::arg("dim") = py::none(), py::arg("_stacklevel") = 3,
       py::arg("dtype") = py::none());
    // Tensor.softmax(dim) / cgrad.softmax(input, dim): dim required, dtype keyword-only.
    def_method_and_function(m, cls, name, [fn = fn](const Tensor& input, py::handle dim,
                                                    py::handle dtype) {
      const int64_t d = dim_from_py(dim);
      const auto dt = optional_dtype(dtype);
      return without_gil_if_large(input->numel(), [&] { return fn(input, d, dt); });
    }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  }
}

}  // namespace cgrad::bindings
