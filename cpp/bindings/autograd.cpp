// Graph nodes as Python objects (grad_fn), and the thread-local grad mode switches.
#include <cstdio>
#include <string>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/node.h"

namespace cgrad::bindings {

namespace {
// torch prints AccumulateGrad by its class name, not the qualified name() it returns.
std::string class_name(const Node& n) {
  std::string name = n.name();
  auto pos = name.rfind("::");
  return pos == std::string::npos ? name : name.substr(pos + 2);
}
}  // namespace

void init_autograd(py::module_& m) {
  py::class_<Node, std::shared_ptr<Node>>(m, "Node", py::dynamic_attr())
      .def("name", [](const Node& n) { return std::string(n.name()); })
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple out(n.next_edges().size());
        for (size_t i = 0; i < n.next_edges().size(); ++i) {
          const Edge& e = n.next_edges()[i];
          out[i] = py::make_tuple(e.node ? py::cast(e.node) : py::none(), e.input_nr);
        }
        return out;
      })
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        if (auto* acc = dynamic_cast<const AccumulateGrad*>(&n)) return py::cast(acc->variable());
        throw py::attribute_error("'" + class_name(n) + "' object has no attribute 'variable'");
      })
      .def("__repr__", [](py::handle self) {
        char addr[32];
        std::snprintf(addr, sizeof addr, "%p", static_cast<void*>(self.ptr()));
        return "<" + class_name(self.cast<const Node&>()) + " object at " + addr + ">";
      });

  m.def("is_grad_enabled", &GradMode::is_enabled, "Whether autograd records operations.");
  m.def("_set_grad_enabled", &GradMode::set_enabled, py::arg("mode"));
}

}  // namespace cgrad::bindings
