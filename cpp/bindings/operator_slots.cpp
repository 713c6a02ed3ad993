// The number slots behind `a + b`, `a - b`, `a * b` and `a / b`.
//
// Note [Operator slots]: pybind11 binds __add__ and friends as methods, so CPython reaches
// them through its generic slot_nb_add: a lookup in the type's dict, a bound method, then
// pybind11's dispatcher converting each argument. For 4-element tensors that path costs
// more than the op. The slots installed here go straight from CPython's binary-operator
// protocol to the op: CPython calls a slot with the operands in source order, whichever
// operand's type provided it, so the slot picks the forward op when the tensor is on the
// left and the reflected one (what __radd__ ... compute) when it is on the right. Operands
// the methods would reject get NotImplemented, as from the methods. The methods stay
// bound, with the same results, for explicit calls such as x.__add__(y).
#include "bindings.h"
#include "cgrad/autograd/views.h"

namespace cgrad::bindings {

Tensor reflected_div(const Tensor& self, const Tensor& other) {
  return mul(reciprocal(self), other);
}

namespace {

PyTypeObject* slots_tensor_type = nullptr;  // cgrad.Tensor, set by install_operator_slots

// An operand as a tensor: a cgrad.Tensor's (or a Python subclass's, e.g. nn.Parameter)
// holder read directly (no pybind11 type lookup, and no reference taken: the Python
// object keeps it alive for the call), anything else (Python scalars) through as_operand
// into `made`; nullptr when it is neither.
const Tensor* operand(PyObject* o, Tensor& made) {
  if (PyObject_TypeCheck(o, slots_tensor_type)) {
    auto v_h = reinterpret_cast<py::detail::instance*>(o)->get_value_and_holder();
    if (v_h.holder_constructed()) return &v_h.holder<Tensor>();
  }
  made = as_operand(o);
  return made ? &made : nullptr;
}

template <BinaryFn Forward, BinaryFn Reflected>
PyObject* binary_slot(PyObject* left, PyObject* right) {
  try {
    const bool tensor_on_left = PyObject_TypeCheck(left, slots_tensor_type);
    Tensor made_self, made_other;
    const Tensor* self_ptr = operand(tensor_on_left ? left : right, made_self);
    const Tensor* other_ptr = operand(tensor_on_left ? right : left, made_other);
    if (!self_ptr || !other_ptr) Py_RETURN_NOTIMPLEMENTED;
    const Tensor& self = *self_ptr;
    const Tensor& other = *other_ptr;
    // Note [Input histories are read first]
    if (may_refuse_history(*self) || may_refuse_history(*other)) {
      const TensorImpl* inputs[] = {self.get(), other.get()};
      read_input_histories(inputs, 2);
    }
    Tensor out = tensor_on_left ? call_op(Forward, self, other) : call_op(Reflected, self, other);
    return wrap_new_tensor(std::move(out));
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  } catch (...) {
    py::detail::try_translate_exceptions();  // cgrad's translators, then pybind11's
    return nullptr;
  }
}

// Note [Slots of Tensor subclasses]: a Python subclass (nn.Parameter) does not inherit
// these slots: CPython sees Tensor's pybind11 __add__ method in the MRO and gives the
// subclass its generic slot_nb_add, which goes through the method again (about 1 us per
// op). Tensor.__init_subclass__ runs after CPython has set the subclass's slots, and puts
// ours back for every operator the subclass does not define itself.
void restore_operator_slots(py::handle subclass) {
  auto* type = reinterpret_cast<PyTypeObject*>(subclass.ptr());
  auto* heap_type = reinterpret_cast<PyHeapTypeObject*>(type);
  const PyNumberMethods& base = reinterpret_cast<PyHeapTypeObject*>(slots_tensor_type)->as_number;
  py::handle tensor_class(reinterpret_cast<PyObject*>(slots_tensor_type));
  auto inherited = [&](const char* name) {
    return subclass.attr(name).is(tensor_class.attr(name));
  };
  if (inherited("__add__") && inherited("__radd__")) heap_type->as_number.nb_add = base.nb_add;
  if (inherited("__sub__") && inherited("__rsub__"))
    heap_type->as_number.nb_subtract = base.nb_subtract;
  if (inherited("__mul__") && inherited("__rmul__"))
    heap_type->as_number.nb_multiply = base.nb_multiply;
  if (inherited("__truediv__") && inherited("__rtruediv__"))
    heap_type->as_number.nb_true_divide = base.nb_true_divide;
  PyType_Modified(type);
}

}  // namespace

void install_operator_slots(TensorClass& cls) {
  slots_tensor_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  init_tensor_wrap(cls);
  auto* heap_type = reinterpret_cast<PyHeapTypeObject*>(cls.ptr());
  PyNumberMethods& number = heap_type->as_number;
  number.nb_add = &binary_slot<&add, &add>;
  number.nb_subtract = &binary_slot<&sub, &rsub>;
  number.nb_multiply = &binary_slot<&mul, &mul>;
  number.nb_true_divide = &binary_slot<&div, &reflected_div>;
  PyType_Modified(slots_tensor_type);
  py::cpp_function init_subclass([](py::handle subclass, py::kwargs) {
    restore_operator_slots(subclass);
  });
  cls.attr("__init_subclass__") =
      py::reinterpret_steal<py::object>(PyClassMethod_New(init_subclass.ptr()));
}

}  // namespace cgrad::bindings
