// Intra-op threads (cgrad.set_num_threads / get_num_threads) and, for tests, the vector
// instruction set that the math kernels use.
#include "bindings.h"
#include "cgrad/errors.h"
#include "cgrad/parallel.h"
#include "kernels/vecmath.h"

namespace cgrad::bindings {

void init_parallel(py::module_& m) {
  m.def("set_num_threads", &cgrad::set_num_threads, py::arg("int"));
  m.def("get_num_threads", &cgrad::get_num_threads);

  // Tests only: which vector instruction set vecmath uses, and forcing a narrower one.
  m.def("_vecmath_isa", [] { return std::string(vecmath::isa_name(vecmath::active_isa())); });
  m.def("_vecmath_isas", [] {
    std::vector<std::string> names;
    for (int i = static_cast<int>(vecmath::best_isa()); i >= 0; --i)
      names.push_back(vecmath::isa_name(static_cast<vecmath::Isa>(i)));
    return names;
  }, "Instruction sets this CPU can run, widest first.");
  m.def("_set_vecmath_isa", [](const std::string& name) {
    for (int i = 0; i <= static_cast<int>(vecmath::best_isa()); ++i)
      if (name == vecmath::isa_name(static_cast<vecmath::Isa>(i)))
        return vecmath::set_isa(static_cast<vecmath::Isa>(i));
    throw ValueError("unsupported instruction set: " + name);
  }, py::arg("name"));
}

}  // namespace cgrad::bindings
