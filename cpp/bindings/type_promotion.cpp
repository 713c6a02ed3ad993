// cgrad.promote_types, cgrad.result_type and cgrad.can_cast: torch's promotion rules as
// queries, answered by the same lattice (dtype.cpp) and tiers (ops/common.cpp) the ops use.
#include <string>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// A dtype argument: a cgrad.dtype, or Python's float, int or bool type (as torch takes).
DType dtype_arg(py::handle h, const char* op, const char* name, int position) {
  try {
    return dtype_from_py(h);
  } catch (const TypeError&) {
    throw TypeError(std::string(op) + "(): argument '" + name + "' (position " +
                    std::to_string(position) + ") must be cgrad.dtype, not " + type_name(h));
  }
}

}  // namespace

void init_type_promotion(py::module_& m) {
  m.def("promote_types", [](py::handle type1, py::handle type2) {
    return dtype_object(promote_types(dtype_arg(type1, "promote_types", "type1", 1),
                                      dtype_arg(type2, "promote_types", "type2", 2)));
  }, py::arg("type1"), py::arg("type2"));
  m.def("can_cast", [](py::handle from, py::handle to) {
    return can_cast(dtype_arg(from, "can_cast", "from_", 1), dtype_arg(to, "can_cast", "to", 2));
  }, py::arg("from_"), py::arg("to"));
  m.def("result_type", [](py::handle tensor, py::handle other) {
    Tensor a = as_operand(tensor), b = as_operand(other);
    if (!a || !b)
      throw TypeError("result_type() received an invalid combination of arguments - got (" +
                      type_name(tensor) + ", " + type_name(other) + "), but expected one of:\n"
                      " * (Tensor tensor, Tensor other)\n * (Number scalar, Tensor tensor)\n"
                      " * (Tensor tensor, Number other)\n * (Number scalar1, Number scalar2)\n");
    return dtype_object(result_type(a, b));
  }, py::arg("tensor"), py::arg("other"));
}

}  // namespace cgrad::bindings
