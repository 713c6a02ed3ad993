// The cgrad._C extension module: one init_* call per area.
#include "bindings.h"
#include "cgrad/errors.h"
#include "registry.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "cgrad's C++ core: tensors, kernels and the autograd engine";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cgrad::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const cgrad::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const cgrad::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const cgrad::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const cgrad::OverflowError& e) {
      PyErr_SetString(PyExc_OverflowError, e.what());
    } catch (const py::cast_error& e) {
      // An argument of the wrong Python type: TypeError, as torch raises, not pybind11's
      // default RuntimeError, worded without pybind11's advice on debug builds.
      std::string message = e.what();
      const size_t hint = message.find(" (#define PYBIND11_DETAILED_ERROR_MESSAGES");
      if (hint != std::string::npos) message.erase(hint);
      PyErr_SetString(PyExc_TypeError, message.c_str());
    }
  });
  using namespace cgrad::bindings;
  // cgrad.nn.functional's and cgrad.linalg's compiled functions live in these submodules;
  // areas add to them (Note [Op registry] lists each area's additions).
  m.def_submodule("_nn", "The ops behind cgrad.nn.functional");
  m.def_submodule("_linalg", "The ops behind cgrad.linalg");
  init_dtype(m);
  init_type_promotion(m);
  init_memory_format(m);
  TensorClass cls = init_tensor(m);
  init_autograd(m, cls);
  init_function(m);
  init_storage(m);
  init_dlpack(m, cls);
  init_parallel(m);
  init_optim(m);
  init_memory(m);
  init_pointwise_table(m);
  init_reduction_table(m);
  init_activation_table(m);
  init_docstrings(m);
  OpRegistry ops(m, cls);
  ops.record_area("creation", [&] { init_creation(m); });
  ops.record_area("random", [&] { init_random(m, cls); });
  ops.record_area("pointwise", [&] { init_elementwise(m, cls); });
  ops.record_area("math functions", [&] { init_math_functions(m, cls); });
  ops.record_area("activations", [&] { init_activation(m, cls); });
  ops.record_area("reductions", [&] { init_reduction(m, cls); });
  ops.record_area("linear algebra", [&] {
    init_linalg(m, cls);
    init_dense_linalg(m, cls);
  });
  ops.record_area("losses", [&] { init_loss(m); });
  ops.record_area("normalization", [&] { init_normalization(m); });
  ops.record_area("padding and embedding", [&] {
    init_padding(m);
    init_embedding(m);
  });
  ops.record_area("convolution and pooling", [&] { init_convolution(m); });
  ops.record_area("resampling", [&] { init_resample(m); });
  ops.record_area("views and joins", [&] { init_view(m, cls); });
  ops.record_area("rearranging and diagonals", [&] { init_shape_ops(m, cls); });
  ops.record_area("sorting and selection", [&] {
    init_sorting(m, cls);
    init_search(m, cls);
  });
  ops.record_area("indexing", [&] {
    init_subscript(m, cls);
    init_indexing(m, cls);
  });
  ops.record_area("selection and products", [&] { init_selection_math(m, cls); });
  ops.record_area("in-place", [&] { init_inplace(m, cls); });
  install_operator_slots(cls);  // after every __add__ ... is bound
  ops.publish();
  install_call_checks(m);  // last: every function is bound
}
