// The node behind custom autograd Functions (cgrad.autograd.Function): its backward is
// the user's Python `backward`, called on the node itself, which is also the ctx.
#include <string>
#include <unordered_set>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/node.h"
#include "cgrad/autograd/views.h"
#include "python_callback.h"

namespace cgrad::bindings {

// Note [Function nodes are their ctx]: as in torch, the `ctx` a custom Function's
// forward and backward see is its graph node (`y.grad_fn is ctx` while it lives, with
// ctx's attributes readable as `y.grad_fn.attr`, `y.grad_fn.saved_tensors`). The node
// is made before forward runs. Its Python wrapper may die and be made again later (the
// node lives on in the graph), so what the user stores on ctx cannot live in a wrapper:
// the node owns the attribute dict, and every wrapper of it shows that dict as its
// `__dict__` (node_object). The dict and the class sit in the node's PyGraphState, where
// Tensor's cycle collection sees them. The node never holds its own wrapper, so a graph
// is freed by reference counting alone, as before.
namespace {

// Node names must outlive every node; class names are few, so they are kept forever.
const char* intern(const std::string& name) {
  static auto* pool = new std::unordered_set<std::string>();
  return pool->insert(name).first->c_str();
}

class PyFunctionNode final : public Node {
 public:
  using Node::Node;
  // Shapes and dtypes of the forward outputs, for gradients that did not flow.
  void set_output_meta(std::vector<InputMeta> outputs) { outputs_ = std::move(outputs); }
  WithoutGrads without_grads() const override { return WithoutGrads::Apply; }

  TensorList apply(TensorList&& grads) override {
    py::gil_scoped_acquire gil;
    py::object ctx = node_object(shared_from_this());
    if (ctx.attr("materialize_grads").cast<bool>())
      for (size_t i = 0; i < grads.size(); ++i)
        if (!grads[i]) grads[i] = full(outputs_[i].sizes, 0.0, outputs_[i].dtype);
    py::object result = ctx.attr("_run_backward")(to_py_tuple(grads));
    TensorList out;
    for (py::handle h : result) out.push_back(tensor_or_undefined(h, "backward"));
    if (out.size() != num_outputs())
      throw std::runtime_error("function " + std::string(name()) +
                               " returned an incorrect number of gradients (expected " +
                               std::to_string(num_outputs()) + ", got " +
                               std::to_string(out.size()) + ")");
    return out;
  }

 private:
  std::vector<InputMeta> outputs_;
};

// A new view of `t` over all of it, recorded by no node (torch's view_as_self without
// grad): what an input returned as is becomes, so that the input's own history stays.
Tensor view_as_self(const Tensor& t) {
  GradModeGuard no_grad(false);
  return alias(t);
}

// Note [Function outputs]: as torch wraps a custom Function's outputs once forward has
// run (all under no_grad, so nothing in forward was recorded):
// - a differentiable output takes the node as grad_fn; an input returned as is is first
//   replaced by a view of itself; an input marked dirty (modified in place) keeps its
//   identity and has its history rebased onto the node (Note [Views and in-place]);
// - a differentiable output that is a view may not be written in place later
//   (ViewCreation::InCustomFunction): CopySlices would bypass the Function's backward;
// - a non-differentiable output that is an input requiring grad is replaced by a
//   detached alias, so the input itself is left alone.
void check_dirty(const TensorList& out, const std::vector<bool>& dirty) {
  for (size_t i = 0; i < out.size(); ++i) {
    if (!dirty[i]) continue;
    if (out[i]->requires_grad() && out[i]->is_leaf())
      throw std::runtime_error(
          "a leaf Variable that requires grad has been used in an in-place operation.");
    if (out[i]->view_base && out.size() > 1)
      throw std::runtime_error(
          "If your Function modifies inplace an input that is a view of another Tensor, your "
          "Function cannot return more than one Tensor. This is not supported by the current "
          "autograd engine. You should either make sure the input is not a view (using "
          ".clone() for example) or make your Function only return one Tensor (potentially "
          "splitting it into two Functions: one doing the inplace that returns a single Tensor "
          "and a second one that does the other operations). You can ask on the forum "
          "https://discuss.pytorch.org/ if you need help to do this change.");
  }
}

// Wires a Function call's node into the graph once forward has run: edges to the
// inputs, history on the differentiable outputs (Note [Function outputs]), then the
// tensors save_for_backward got. Returns the outputs to hand back.
py::list attach(const std::shared_ptr<Node>& node, py::list inputs, py::list outputs,
                const std::vector<bool>& differentiable, const std::vector<bool>& is_input,
                const std::vector<bool>& dirty, py::list saved) {
  auto* fn = dynamic_cast<PyFunctionNode*>(node.get());
  if (!fn) throw py::type_error("_function_attach expects a custom Function's node");
  TensorList in;
  for (py::handle h : inputs) in.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  TensorList out;
  std::vector<InputMeta> metas;
  for (py::handle h : outputs) {
    out.push_back(h.cast<Tensor>());
    metas.push_back({out.back()->sizes, out.back()->dtype});
  }
  check_dirty(out, dirty);
  fn->set_output_meta(std::move(metas));
  fn->set_next_edges(in);
  fn->set_num_inputs(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    Tensor& o = out[i];
    const auto nr = static_cast<uint32_t>(i);
    if (!differentiable[i] || !is_floating(o->dtype)) {
      if (is_input[i] && o->requires_grad()) o = detach(o);
      continue;
    }
    if (dirty[i]) {
      rebase_history(o, node, nr);
      continue;
    }
    if (is_input[i]) o = view_as_self(o);
    auto& meta = o->autograd_meta();
    meta.requires_grad = true;
    meta.grad_fn = node;
    meta.output_nr = nr;
    if (o->view_base) {
      o->view_creation = ViewCreation::InCustomFunction;
      o->view_version = o->version->get();
    }
  }
  // After the outputs have their grad_fn, so saved outputs are stored without a cycle
  // (Note [Saved outputs]).
  for (py::handle h : saved) {
    Tensor t = h.is_none() ? Tensor() : h.cast<Tensor>();
    bool is_output = false;
    for (const Tensor& o : out) is_output = is_output || (t && o == t);
    fn->save_in_slot(saved::saved_tensors, t, is_output, /*in_list=*/true);
  }
  py::list result;
  for (const Tensor& o : out) result.append(py::cast(o));
  return result;
}

// once_differentiable: the gradients a backward returned under create_graph get a node
// that raises `message` if anything differentiates through them, as torch's Error node.
// Its edges lead to fresh leaves, so that the engine does reach it.
py::tuple delayed_error(const std::string& message, py::tuple grads) {
  TensorList leaves;
  for (py::handle h : grads) {
    if (h.is_none()) continue;
    Tensor leaf = detach(h.cast<Tensor>());
    leaf->set_requires_grad(true);
    leaves.push_back(leaf);
  }
  if (leaves.empty()) return grads;
  auto node = make_node("torch::autograd::Error", leaves,
                        [message](Node&, TensorList&) -> TensorList {
                          throw std::runtime_error(message);
                        });
  TensorList outs;
  for (const Tensor& leaf : leaves) outs.push_back(detach(leaf));
  record(node, outs);
  py::tuple result(grads.size());
  for (size_t i = 0, k = 0; i < grads.size(); ++i)
    result[i] = grads[i].is_none() ? py::none() : py::cast(outs[k++]);
  return result;
}

}  // namespace

void init_function(py::module_& m) {
  m.def("_function_ctx", [](py::object node_class) {
    auto node = std::make_shared<PyFunctionNode>(intern(py::str(node_class.attr("__name__"))));
    auto& state = graph_state(node->python_state());
    state.node_class = std::make_shared<PyCallback>(std::move(node_class));
    state.node_dict = std::make_shared<PyCallback>(py::dict());
    return node_object(node);
  }, "A new custom Function node of class `node_class`: the ctx of one Function call.");
  m.def("_function_attach", &attach, py::arg("ctx"), py::arg("inputs"), py::arg("outputs"),
        py::arg("differentiable"), py::arg("is_input"), py::arg("dirty"), py::arg("saved"),
        "Puts a custom Function call's node (its ctx) into the graph after forward; returns "
        "the outputs to hand back (Note [Function outputs]).");
  m.def("_view_as_self", &view_as_self, py::arg("input"),
        "A view of all of `input`, recorded by no node.");
  m.def("_mark_modified", [](const Tensor& t) { t->version->bump("mark_dirty"); },
        py::arg("input"), "Counts a custom Function's in-place write (mark_dirty) in the version.");
  m.def("_delayed_error", &delayed_error, py::arg("message"), py::arg("grads"),
        "The gradients `grads`, with a node that raises `message` when differentiated.");

  m.def("_saved_tensors", [](const std::shared_ptr<Node>& node) {
    return to_py_tuple(node->saved_list(saved::saved_tensors));
  }, "A custom Function node's saved tensors (ctx.saved_tensors), checked against in-place "
     "changes.");
}

}  // namespace cgrad::bindings
