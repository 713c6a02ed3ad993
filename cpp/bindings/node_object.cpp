// Graph nodes as Python sees them: each an instance of a class named after the node.
#include <string>
#include <unordered_map>

#include "bindings.h"
#include "cgrad/autograd/node.h"
#include "python_callback.h"

namespace cgrad::bindings {

// Note [Node classes]: torch shows every node as an instance of a class of its own name
// (`type(fn).__name__ == "MulBackward0"`, `AccumulateGrad`), and tools read that type
// (torchviz labels nodes with it; other code dispatches on it). The C++ nodes are one
// bound class, `Node`; the first time a node is wrapped for Python, its wrapper is given
// the subclass of `Node` for the node's name, made once per name and kept. As torch's
// C++ node classes, these live in `builtins`, so `repr(fn)` reads
// `<MulBackward0 object at 0x...>`. A custom Function's node carries its own class
// (FBackward) and attribute dict instead (Note [Function nodes are their ctx]).
// Wrappers are made only when Python asks for a node, so recording an op pays nothing.
std::string node_class_name(const char* node_name) {
  std::string name = node_name;
  auto pos = name.rfind("::");
  return pos == std::string::npos ? name : name.substr(pos + 2);
}

namespace {

// The bound base class (borrowed: the module keeps it for the process's life).
PyObject* node_base() {
  static PyObject* base = py::type::of<Node>().ptr();
  return base;
}

PyObject* class_for_name(const char* node_name) {
  // Keyed by the name's pointer first (names are literals or interned, so this almost
  // always hits), then by its text, so that equal names share one class. Both maps and
  // their classes live as long as the process.
  static auto* by_pointer = new std::unordered_map<const char*, PyObject*>();
  static auto* by_text = new std::unordered_map<std::string, PyObject*>();
  if (auto it = by_pointer->find(node_name); it != by_pointer->end()) return it->second;
  std::string name = node_class_name(node_name);
  PyObject*& cls = (*by_text)[name];
  if (!cls) {
    py::dict body;
    body["__slots__"] = py::tuple();
    body["__module__"] = "builtins";
    py::object type = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type));
    cls = type(name, py::make_tuple(py::handle(node_base())), body).release().ptr();
  }
  (*by_pointer)[node_name] = cls;
  return cls;
}

// `obj.__class__ = cls` without the layout checks Python's setattr makes on every call:
// these classes add no slots to Node (above), so they pass by construction. Half the cost
// of handing a node to Python went to those checks.
void set_name_class(PyObject* obj, PyObject* cls) {
  PyTypeObject* old = Py_TYPE(obj);
  Py_INCREF(cls);
  Py_SET_TYPE(obj, reinterpret_cast<PyTypeObject*>(cls));
  Py_DECREF(old);  // a heap type, which its instances hold a reference to
}

}  // namespace

py::object node_object(const std::shared_ptr<Node>& node) {
  if (!node) return py::none();
  py::object obj = py::cast(node);
  if (reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr())) != node_base())
    return obj;  // a wrapper that is still alive already has its class
  std::shared_ptr<void>* slot = node->python_state_if_made();
  auto* state = slot ? static_cast<PyGraphState*>(slot->get()) : nullptr;
  if (state && state->node_class) {  // a Python class: checked assignment
    obj.attr("__class__") = state->node_class->get();
    obj.attr("__dict__") = state->node_dict->get();
  } else {
    set_name_class(obj.ptr(), class_for_name(node->name()));
  }
  return obj;
}

}  // namespace cgrad::bindings
