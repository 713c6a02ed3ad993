// Tensor's cycle-collector support (Note [Python objects held by the graph]).
#include "bindings.h"
#include "cgrad/autograd/node.h"
#include "python_callback.h"

namespace cgrad::bindings {

namespace {

traverseproc base_traverse = nullptr;
inquiry base_clear = nullptr;

// The TensorImpl behind a Python Tensor, when this object is its only owner: only then
// are the Python objects it holds unreachable from anywhere else in C++.
TensorImpl* sole_owner(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto vh = inst->get_value_and_holder();
  if (!vh.holder_constructed()) return nullptr;
  auto& holder = vh.holder<std::shared_ptr<TensorImpl>>();
  return holder && holder.use_count() == 1 ? holder.get() : nullptr;
}

// The grad_fn too, when the tensor is its only owner. The one last recorded: a view's
// grad_fn() could regenerate (and raise), which the cycle collector must never do.
Node* sole_grad_fn(TensorImpl* t) {
  const auto& fn = t->autograd->grad_fn;
  return fn && fn.use_count() == 1 ? fn.get() : nullptr;
}

int visit_state(const std::shared_ptr<void>& slot, visitproc visit, void* arg) {
  if (!slot) return 0;
  auto* state = static_cast<PyGraphState*>(slot.get());
  for (auto& cb : state->objects) Py_VISIT(cb->get().ptr());
  for (auto* held : {&state->metadata, &state->node_class, &state->node_dict})
    if (*held) Py_VISIT((*held)->get().ptr());
  return 0;
}

int tensor_traverse(PyObject* self, visitproc visit, void* arg) {
  if (int r = base_traverse(self, visit, arg)) return r;
  TensorImpl* t = sole_owner(self);
  if (!t || !t->autograd) return 0;
  if (int r = visit_state(t->autograd->python_state, visit, arg)) return r;
  if (Node* fn = sole_grad_fn(t))
    if (std::shared_ptr<void>* state = fn->python_state_if_made())
      return visit_state(*state, visit, arg);
  return 0;
}

// Drops what traverse showed, breaking the cycle; the hooks go with their callables.
int tensor_clear(PyObject* self) {
  if (TensorImpl* t = sole_owner(self); t && t->autograd) {
    auto& meta = *t->autograd;
    meta.hooks.clear();
    meta.post_accumulate_hooks.clear();
    meta.python_state.reset();
    if (Node* fn = sole_grad_fn(t)) {
      fn->clear_hooks();
      if (std::shared_ptr<void>* state = fn->python_state_if_made()) state->reset();
    }
  }
  return base_clear(self);
}

}  // namespace

void setup_tensor_gc(PyHeapTypeObject* heap_type) {
  auto* type = &heap_type->ht_type;
  // pybind11's own slots (for the instance __dict__) stay in charge of the rest.
  base_traverse = type->tp_traverse;
  base_clear = type->tp_clear;
  type->tp_flags |= Py_TPFLAGS_HAVE_GC;
  type->tp_traverse = tensor_traverse;
  type->tp_clear = tensor_clear;
}

}  // namespace cgrad::bindings
