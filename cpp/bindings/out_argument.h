#pragma once
// `out=` on the functions that take it in torch (Note [out= arguments]).
#include "bindings.h"

namespace cgrad::bindings {

using Dispatch = PyObject* (*)(PyObject*, PyObject* const*, size_t, PyObject*);

// Whether the call's keyword names include `out`.
bool has_out_keyword(PyObject* kwnames);
// Runs the call without its `out` keyword through `dispatch` and writes the result into
// out, returning out; for functions torch gives no `out=`, dispatches the call as it is
// (so the keyword is refused like any unknown one). Vectorcall conventions; nullptr with
// an error set on failure.
PyObject* call_with_out(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames,
                        Dispatch dispatch);

}  // namespace cgrad::bindings
