#pragma once
// Reading the inputs' histories before an op runs its own checks, as torch's autograd
// layer does (Note [Input histories are read first] in cpp/src/autograd/views.cpp).
#include "bindings.h"

namespace cgrad::bindings {

// Learns from the op registry which bound functions torch records a node for; call once
// every op is bound.
void learn_history_reading_ops(py::module_& m);

// After a call of the pybind11 function `function_self` (vectorcall arguments) gave
// `result` (nullptr: it raised): when an argument is a view whose history may be
// refused and the function is an op torch records, reads every tensor argument's
// history (read_input_histories; an in-place op's self as the tensor written), unless
// the call failed on its arguments (TypeError) or was an in-place op that succeeded. The
// result, or nullptr with the view's error (replacing any other) set.
PyObject* with_histories_read(PyObject* function_self, PyObject* const* args, size_t nargs,
                              PyObject* kwnames, PyObject* result);

}  // namespace cgrad::bindings
