// Intra-op threads (cgrad.set_num_threads / get_num_threads) and, for tests, the vector
// instruction set that the kernels use.
#include "bindings.h"
#include "cgrad/cpu_features.h"
#include "cgrad/errors.h"
#include "cgrad/parallel.h"

namespace cgrad::bindings {

void init_parallel(py::module_& m) {
  m.def("set_num_threads", &cgrad::set_num_threads, py::arg("int"));
  m.def("get_num_threads", &cgrad::get_num_threads);

  // Tests only: which vector instruction set the kernels use, and forcing a narrower one
  // (Note [One CPU feature check]).
  m.def("_cpu_isa", [] { return std::string(cpu::isa_name(cpu::active_isa())); });
  m.def("_cpu_isas", [] {
    std::vector<std::string> names;
    for (int i = static_cast<int>(cpu::best_isa()); i >= 0; --i)
      names.push_back(cpu::isa_name(static_cast<cpu::Isa>(i)));
    return names;
  }, "Instruction sets this CPU can run, widest first.");
  m.def("_set_cpu_isa", [](const std::string& name) {
    for (int i = 0; i <= static_cast<int>(cpu::best_isa()); ++i)
      if (name == cpu::isa_name(static_cast<cpu::Isa>(i)))
        return cpu::set_isa(static_cast<cpu::Isa>(i));
    throw ValueError("unsupported instruction set: " + name);
  }, py::arg("name"));
}

}  // namespace cgrad::bindings
