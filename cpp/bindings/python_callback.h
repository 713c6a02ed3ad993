#pragma once
// Python callables kept by C++ (hooks, custom Functions): called with the GIL taken, and
// released with it, since the engine runs with the GIL dropped.
#include <memory>
#include <vector>

#include "bindings.h"

namespace cgrad::bindings {

class PyCallback {
 public:
  explicit PyCallback(py::object fn) : fn_(std::move(fn)) {}
  ~PyCallback() {
    if (!Py_IsInitialized()) {  // interpreter gone: nothing left to decref into
      fn_.release();
      return;
    }
    py::gil_scoped_acquire gil;
    fn_ = py::object();
  }
  PyCallback(const PyCallback&) = delete;
  PyCallback& operator=(const PyCallback&) = delete;
  const py::object& get() const { return fn_; }

 private:
  py::object fn_;
};

// Note [Python objects held by the graph]: hooks, custom-Function contexts and
// grad_fn.metadata are Python objects owned by C++ nodes and tensors. Each owner keeps
// them in one PyGraphState (its `python_state` slot) so that Tensor's tp_traverse can
// show them to Python's cycle collector — a hook whose closure captures its own tensor
// is then collectable, as in torch — and tp_clear can drop them.
struct PyGraphState {
  std::vector<std::shared_ptr<PyCallback>> objects;
  std::shared_ptr<PyCallback> metadata;
  // A custom Function's node only: its Python class and the attribute dict its Python
  // object shows (Note [Function nodes are their ctx], function.cpp).
  std::shared_ptr<PyCallback> node_class;
  std::shared_ptr<PyCallback> node_dict;
};

inline PyGraphState& graph_state(std::shared_ptr<void>& slot) {
  if (!slot) slot = std::make_shared<PyGraphState>();
  return *static_cast<PyGraphState*>(slot.get());
}

// A PyCallback for `fn`, registered with the owner's state.
inline std::shared_ptr<PyCallback> held_by(std::shared_ptr<void>& slot, py::object fn) {
  auto cb = std::make_shared<PyCallback>(std::move(fn));
  graph_state(slot).objects.push_back(cb);
  return cb;
}

// A Tensor or None from Python as an optional gradient.
inline Tensor tensor_or_undefined(py::handle h, const char* what) {
  if (h.is_none()) return Tensor();
  if (!py::isinstance<TensorImpl>(h))
    throw py::type_error(std::string(what) + " must return a Tensor or None, not " +
                         type_name(h));
  return h.cast<Tensor>();
}

inline py::tuple to_py_tuple(const TensorList& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = ts[i] ? py::cast(ts[i]) : py::none();
  return out;
}

}  // namespace cgrad::bindings
