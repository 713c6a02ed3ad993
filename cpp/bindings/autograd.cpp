// The Python face of autograd: grad_fn nodes, backward/grad, hooks, grad mode, anomaly
// detection.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "bindings.h"
#include "cgrad/autograd/anomaly_mode.h"
#include "cgrad/autograd/engine.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/node.h"
#include "python_callback.h"

namespace cgrad::bindings {

namespace {
TensorList tensor_list(py::handle seq, const char* what) {
  TensorList out;
  if (py::isinstance<TensorImpl>(seq)) return {seq.cast<Tensor>()};
  for (py::handle h : seq) {
    if (!py::isinstance<TensorImpl>(h))
      throw py::type_error(std::string(what) + " must be Tensors, not " +
                           type_name(h));
    out.push_back(h.cast<Tensor>());
  }
  return out;
}

// grad_tensors / grad_outputs: None, one tensor, or one entry (Tensor or None) per root.
TensorList optional_tensor_list(py::handle seq, size_t n) {
  if (seq.is_none()) return TensorList(n);
  if (py::isinstance<TensorImpl>(seq)) return {seq.cast<Tensor>()};
  TensorList out;
  for (py::handle h : seq) out.push_back(h.is_none() ? Tensor() : as_operand(h));
  return out;
}

std::string hook_name(py::handle fn) {
  return py::hasattr(fn, "__name__") ? std::string(py::str(fn.attr("__name__"))) : "<unknown>";
}

const char* legacy_type_name(DType t) {
  switch (t) {
    case DType::Float32: return "cgrad.FloatTensor";
    case DType::Float64: return "cgrad.DoubleTensor";
    case DType::Int64: return "cgrad.LongTensor";
    case DType::Int32: return "cgrad.IntTensor";
    case DType::Bool: return "cgrad.BoolTensor";
    case DType::UInt8: return "cgrad.ByteTensor";
    case DType::Int8: return "cgrad.CharTensor";
    case DType::Int16: return "cgrad.ShortTensor";
    case DType::Float16: return "cgrad.HalfTensor";
    case DType::BFloat16: return "cgrad.BFloat16Tensor";
  }
  return "cgrad.Tensor";
}

// Note [Hook results]: a Python hook may replace a gradient only by one of the same shape
// and dtype (None keeps the gradient, or in a node hook's tuple drops it); anything else
// raises torch's error here, naming the hook, before the engine uses the value.
Tensor checked_replacement(py::handle hook, py::handle value, const Tensor& original) {
  if (value.is_none()) return Tensor();
  if (!py::isinstance<TensorImpl>(value))
    throw py::type_error("expected Variable, but hook returned '" +
                         type_name(value) + "'");
  Tensor t = value.cast<Tensor>();
  if (!original)
    throw std::runtime_error("can't replace a None gradient with a non-None value");
  if (!same_shape(t->sizes, original->sizes))
    throw std::runtime_error("hook '" + hook_name(hook) + "' has changed the size of value");
  if (t->dtype != original->dtype)
    throw std::runtime_error("hook '" + hook_name(hook) + "' has changed the type of value (was " +
                             legacy_type_name(original->dtype) + " got " +
                             legacy_type_name(t->dtype) + ")");
  return t;
}

// The hook's Python callable is held by whoever holds the hook: a leaf itself, or the
// non-leaf's grad_fn (Note [Python objects held by the graph]).
GradHook tensor_hook(const Tensor& t, py::object fn) {
  auto& slot = t->grad_fn() ? t->grad_fn()->python_state() : t->autograd_meta().python_state;
  auto cb = held_by(slot, std::move(fn));
  return [cb](const Tensor& g) {
    py::gil_scoped_acquire gil;
    return checked_replacement(cb->get(), cb->get()(g), g);
  };
}

// A node hook's result: None keeps `grads`, else a tuple with one entry per gradient.
std::optional<TensorList> replacement(py::handle hook, py::handle result, const TensorList& grads) {
  if (result.is_none()) return std::nullopt;
  if (!PyTuple_Check(result.ptr()))
    throw py::type_error("expected tuple, but hook returned '" +
                         type_name(result) + "'");
  py::tuple values = py::reinterpret_borrow<py::tuple>(result);
  if (values.size() != grads.size())
    throw std::runtime_error("hook '" + hook_name(hook) + "' returned an incorrect number of "
                             "values (got " + std::to_string(values.size()) + ", but expected " +
                             std::to_string(grads.size()) + ")");
  TensorList out;
  for (size_t i = 0; i < grads.size(); ++i)
    out.push_back(checked_replacement(hook, values[i], grads[i]));
  return out;
}

// The value of `_saved_<name>` (Note [Named saved slots]): the tensor, None for an
// undefined one, or a list's entries as the tuple torch shows (undefined entries as None,
// trailing ones left out: an index list covers every dim, torch's ends at the last index
// given). nullopt where the node saved nothing under that name.
std::optional<py::object> saved_attribute(const std::shared_ptr<Node>& n, std::string_view name) {
  const std::optional<saved::Slot> slot = saved::slot_named(name);
  if (!slot || !n->holds_saved(*slot)) return std::nullopt;
  if (!n->saved_as_list(*slot)) {
    Tensor t = n->saved(*slot);
    return t ? py::cast(t) : py::none();
  }
  TensorList items = n->saved_list(*slot);
  while (!items.empty() && !items.back()) items.pop_back();
  return to_py_tuple(items);
}

// A saved value as torch shows it (Note [Saved values]). torch reads an int64 argument
// back through an unsigned conversion, so a negative one shows as itself + 2**64
// (`_saved_dim` of sum(-1) is 18446744073709551615); sizes and Scalars show as they are.
py::object saved_value_object(const SavedValue& value) {
  auto as_torch_int = [](int64_t v) -> py::object {
    return py::int_(static_cast<unsigned long long>(v));
  };
  if (std::holds_alternative<std::monostate>(value)) return py::none();
  if (auto* b = std::get_if<bool>(&value)) return py::bool_(*b);
  if (auto* i = std::get_if<int64_t>(&value)) return as_torch_int(*i);
  if (auto* d = std::get_if<double>(&value)) return py::float_(*d);
  if (auto* s = std::get_if<std::string>(&value)) return py::str(*s);
  if (auto* list = std::get_if<std::vector<int64_t>>(&value)) {
    py::tuple out(list->size());
    for (size_t k = 0; k < list->size(); ++k) out[k] = as_torch_int((*list)[k]);
    return std::move(out);
  }
  const Scalar& scalar = std::get<Scalar>(value);
  switch (scalar.kind()) {
    case Scalar::Kind::Bool: return py::bool_(scalar.to<bool>());
    case Scalar::Kind::Int: return py::int_(scalar.to_int64());
    default: return py::float_(scalar.to_double());
  }
}

// The value `_saved_<name>` shows for a non-tensor argument, stored or derived; nullopt
// where the node shows none under that name.
std::optional<py::object> saved_value_attribute(const Node& n, std::string_view name) {
  for (const auto& [stored, value] : n.saved_values())
    if (name == stored) return saved_value_object(value);
  for (const DerivedSavedValue& d : derived_saved_values()) {
    if (name != d.name || std::string_view(n.name()) != d.node) continue;
    using From = DerivedSavedValue::From;
    if (d.from == From::Default) return py::int_(d.default_value);
    const auto& sizes = n.input_meta().empty() ? SmallVector<int64_t, 2>() : n.input_meta()[0].sizes;
    if (d.from == From::FirstInputNumel) {
      int64_t numel = 1;
      for (int64_t s : sizes) numel *= s;
      return py::int_(numel);
    }
    return saved_value_object(saved_ints(sizes));
  }
  return std::nullopt;
}

// The names of the values saved_value_attribute shows.
std::vector<std::string> saved_value_names(const Node& n) {
  std::vector<std::string> names;
  for (const auto& entry : n.saved_values()) names.emplace_back(entry.first);
  for (const DerivedSavedValue& d : derived_saved_values())
    if (std::string_view(n.name()) == d.node &&
        std::find(names.begin(), names.end(), d.name) == names.end())
      names.emplace_back(d.name);
  return names;
}

// The handle register_hook returns; it holds its owner weakly so it keeps nothing alive.
struct RemovableHandle {
  std::weak_ptr<TensorImpl> tensor;
  std::weak_ptr<Node> node;
  int64_t id;
  void remove() {
    if (auto t = tensor.lock()) remove_tensor_hook(t, id);
    if (auto n = node.lock()) n->remove_hook(id);
  }
};

// The base class of every node (Note [Node classes]); cgrad.autograd.graph.Node.
void def_node_class(py::module_& m) {
  py::class_<Node, std::shared_ptr<Node>> node_cls(m, "Node", py::dynamic_attr());
  node_cls.attr("__module__") = "cgrad.autograd.graph";
  node_cls.def("name", [](const Node& n) { return std::string(n.name()); })
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple out(n.next_edges().size());
        for (size_t i = 0; i < n.next_edges().size(); ++i) {
          const Edge& e = n.next_edges()[i];
          out[i] = py::make_tuple(node_object(e.node), e.input_nr);
        }
        return out;
      })
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        if (auto* acc = dynamic_cast<const AccumulateGrad*>(&n)) return py::cast(acc->variable());
        throw py::attribute_error("'" + node_class_name(n.name()) +
                                  "' object has no attribute 'variable'");
      })
      .def_property_readonly("metadata", [](Node& n) {
        // Kept on the node (not on this wrapper object) so it lives as long as the node.
        auto& state = graph_state(n.python_state());
        if (!state.metadata) state.metadata = std::make_shared<PyCallback>(py::dict());
        return state.metadata->get();
      })
      .def("_sequence_nr", &Node::sequence_nr)
      .def("register_hook", [](const std::shared_ptr<Node>& n, py::object fn) {
        auto cb = held_by(n->python_state(), std::move(fn));
        int64_t id = n->add_post_hook([cb](const TensorList& grad_inputs, const TensorList& grad_outputs) {
          py::gil_scoped_acquire gil;
          py::object r = cb->get()(to_py_tuple(grad_inputs), to_py_tuple(grad_outputs));
          return replacement(cb->get(), r, grad_inputs);
        });
        return RemovableHandle{{}, n, id};
      }, py::arg("fn"), "fn(grad_inputs, grad_outputs) runs after the node; may return new grad_inputs.")
      .def("register_prehook", [](const std::shared_ptr<Node>& n, py::object fn) {
        auto cb = held_by(n->python_state(), std::move(fn));
        int64_t id = n->add_pre_hook([cb](const TensorList& grad_outputs) {
          py::gil_scoped_acquire gil;
          py::object r = cb->get()(to_py_tuple(grad_outputs));
          return replacement(cb->get(), r, grad_outputs);
        });
        return RemovableHandle{{}, n, id};
      }, py::arg("fn"), "fn(grad_outputs) runs before the node; may return new grad_outputs.")
      .def("__getattr__", [](const std::shared_ptr<Node>& n, const std::string& attr) -> py::object {
        // torch's _saved_<name> attributes: the saved tensors that carry a name, then the
        // non-tensor values (Note [Saved values]).
        const std::string_view prefix = "_saved_";
        if (attr.rfind(prefix, 0) == 0) {
          const std::string_view name = std::string_view(attr).substr(prefix.size());
          if (auto value = saved_attribute(n, name)) return *value;
          if (auto value = saved_value_attribute(*n, name)) return *value;
        }
        throw py::attribute_error("'" + node_class_name(n->name()) + "' object has no attribute '" +
                                  attr + "'");
      })
      .def("__dir__", [](py::handle self) {
        // The class's names and, as torch lists them, the node's `_saved_<name>`s;
        // `variable` only for AccumulateGrad, the one node that has it.
        py::list names = py::module_::import("builtins").attr("object").attr("__dir__")(self);
        const Node& n = self.cast<const Node&>();
        if (!dynamic_cast<const AccumulateGrad*>(&n)) names.attr("remove")("variable");
        for (saved::Slot slot : n.saved_slots())
          if (const char* name = saved::torch_name(slot))
            names.append(std::string("_saved_") + name);
        for (const std::string& name : saved_value_names(n)) names.append("_saved_" + name);
        return names;
      });
}

// Tensor.backward, tensor hooks and retain_grad.
void def_tensor_autograd(TensorClass& cls) {
  cls.def("backward", [](const Tensor& self, py::object gradient, py::object retain_graph,
                         bool create_graph, py::object inputs) {
       Tensor g = gradient.is_none() ? Tensor() : as_operand(gradient);
       bool retain = retain_graph.is_none() ? create_graph : retain_graph.cast<bool>();
       TensorList only = inputs.is_none() ? TensorList() : tensor_list(inputs, "inputs");
       without_gil([&] { backward({self}, {g}, retain, create_graph, only); });
     }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(),
     py::arg("create_graph") = false, py::arg("inputs") = py::none())
      .def("register_hook", [](const Tensor& t, py::object fn) {
        if (!t->requires_grad())
          throw std::runtime_error("cannot register a hook on a tensor that doesn't require gradient");
        int64_t id = register_tensor_hook(t, tensor_hook(t, std::move(fn)));
        return RemovableHandle{t, t->grad_fn(), id};
      }, py::arg("hook"))
      .def("register_post_accumulate_grad_hook", [](const Tensor& t, py::object fn) {
        if (!t->is_leaf())
          throw std::runtime_error("post accumulate grad hooks cannot be registered on non-leaf tensors");
        if (!t->requires_grad())
          throw std::runtime_error("cannot register a hook on a tensor that doesn't require gradient");
        auto cb = held_by(t->autograd->python_state, std::move(fn));
        int64_t id = next_hook_id();
        t->autograd->post_accumulate_hooks.emplace_back(id, [cb](const Tensor& leaf) {
          py::gil_scoped_acquire gil;
          cb->get()(leaf);
        });
        return RemovableHandle{t, {}, id};
      }, py::arg("hook"))
      .def("retain_grad", [](const Tensor& t) { retain_grad(t); })
      .def_property_readonly("retains_grad", [](const Tensor& t) {
        return t->autograd && t->autograd->retains_grad;
      });
}

// The engine's entry points behind cgrad.autograd.backward / grad, and its callbacks.
void def_engine_calls(py::module_& m) {
  m.def("_run_backward", [](py::handle tensors, py::handle grad_tensors, bool retain_graph,
                            bool create_graph, py::handle inputs) {
    TensorList roots = tensor_list(tensors, "tensors");
    TensorList seeds = optional_tensor_list(grad_tensors, roots.size());
    TensorList only = inputs.is_none() ? TensorList() : tensor_list(inputs, "inputs");
    without_gil([&] { backward(roots, seeds, retain_graph, create_graph, only); });
  });
  m.def("_run_grad", [](py::handle outputs, py::handle inputs, py::handle grad_outputs,
                        bool retain_graph, bool create_graph, bool allow_unused) {
    TensorList roots = tensor_list(outputs, "outputs");
    TensorList seeds = optional_tensor_list(grad_outputs, roots.size());
    TensorList wrt = tensor_list(inputs, "inputs");
    TensorList grads = without_gil([&] {
      return grad(roots, seeds, wrt, retain_graph, create_graph, allow_unused);
    });
    return to_py_tuple(grads);
  });

  m.def("_queue_callback", [](py::object fn) {
    auto cb = std::make_shared<PyCallback>(std::move(fn));  // freed with the GIL taken
    queue_final_callback([cb]() {
      py::gil_scoped_acquire gil;
      cb->get()();
    });
  }, py::arg("callback"), "Runs `callback` once the current backward pass has run every node.");
  m.def("_live_objects", []() { return py::make_tuple(live_tensor_count(), live_node_count()); },
        "(TensorImpls, graph nodes) alive now, for leak tests.");
}

// Grad mode, inference mode and anomaly detection.
void def_modes(py::module_& m, TensorClass& cls) {
  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled, py::arg("mode"));
  m.def("is_inference_mode_enabled", &InferenceMode::is_enabled);
  m.def("_set_inference_mode", &InferenceMode::set_enabled, py::arg("mode"));
  cls.def("is_inference", [](const Tensor& t) { return t->is_inference; });
  m.def("is_anomaly_enabled", &AnomalyMode::is_enabled);
  m.def("_set_anomaly_enabled", &AnomalyMode::set_enabled, py::arg("mode"));
  AnomalyMode::set_trace_capturer([]() -> std::string {
    py::gil_scoped_acquire gil;
    py::object stack = py::module_::import("traceback").attr("format_stack")();
    std::string text = "\nThe forward call that created it:\n";
    for (py::handle line : stack) text += py::str(line).cast<std::string>();
    return text;
  });
}

}  // namespace

void init_autograd(py::module_& m, TensorClass& cls) {
  py::class_<RemovableHandle>(m, "RemovableHandle")
      .def("remove", &RemovableHandle::remove)
      .def_readonly("id", &RemovableHandle::id)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](RemovableHandle& h, py::args) { h.remove(); });
  def_node_class(m);
  def_tensor_autograd(cls);
  def_engine_calls(m);
  def_modes(m, cls);
}

}  // namespace cgrad::bindings
