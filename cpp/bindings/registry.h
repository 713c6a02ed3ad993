#pragma once
// Records which names each binding area adds (Note [Op registry]).
#include <functional>

#include "bindings.h"

namespace cgrad::bindings {

class OpRegistry {
 public:
  OpRegistry(py::module_& m, TensorClass& cls);
  // Runs an area's init and registers everything it bound under `area`.
  void record_area(const char* area, const std::function<void()>& init);
  // Exposes the table as cgrad._C._op_registry().
  void publish();

 private:
  py::module_& m_;
  TensorClass& cls_;
  py::object nn_;
  py::object linalg_;
  py::dict areas_;
};

}  // namespace cgrad::bindings
