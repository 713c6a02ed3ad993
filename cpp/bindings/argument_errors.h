#pragma once
// torch's wording for arguments that match no overload (Note [Argument errors]).
#include "signature.h"

namespace cgrad::bindings {

// Called with the error pybind11's dispatcher set for the call (args, nargs, kwnames, as
// the vectorcall received them): when it is pybind11's "incompatible function arguments",
// replaces it with torch's one-line message; any other error is left as it is. Returns
// nullptr, for the caller to return.
// `function_self` is the function's PyCFunction self, as the dispatcher receives it.
PyObject* reword_argument_error(PyObject* function_self, PyObject* const* args, size_t nargs,
                                PyObject* kwnames);

}  // namespace cgrad::bindings
