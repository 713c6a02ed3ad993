// The node behind custom autograd Functions (cgrad.autograd.Function): its backward is
// the user's Python `backward`, called through the ctx object.
#include <string>
#include <unordered_set>

#include "bindings.h"
#include "cgrad/autograd/node.h"
#include "python_callback.h"

namespace cgrad::bindings {

namespace {

// Node names must outlive every node; class names are few, so they are kept forever.
const char* intern(const std::string& name) {
  static auto* pool = new std::unordered_set<std::string>();
  return pool->insert(name).first->c_str();
}

class PyFunctionNode final : public Node {
 public:
  PyFunctionNode(const char* name, py::object ctx, std::vector<InputMeta> outputs)
      : Node(name), ctx_(held_by(python_state, std::move(ctx))), outputs_(std::move(outputs)) {}

  TensorList apply(TensorList&& grads) override {
    py::gil_scoped_acquire gil;
    const py::object& ctx = ctx_->get();
    if (ctx.attr("_materialize_grads").cast<bool>())
      for (size_t i = 0; i < grads.size(); ++i)
        if (!grads[i]) grads[i] = full(outputs_[i].sizes, 0.0, outputs_[i].dtype);
    // The ctx reaches its saved tensors through the node only while backward runs, so
    // it never holds the node (a C++/Python cycle no collector could see).
    ctx.attr("_node") = py::cast(shared_from_this());
    py::object result;
    try {
      result = ctx.attr("_run_backward")(to_py_tuple(grads));
    } catch (...) {
      ctx.attr("_node") = py::none();
      throw;
    }
    ctx.attr("_node") = py::none();
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
  std::shared_ptr<PyCallback> ctx_;
  std::vector<InputMeta> outputs_;
};

}  // namespace

void init_function(py::module_& m) {
  m.def("_function_node", [](const std::string& name, py::object ctx, py::list inputs,
                             py::list outputs, py::list differentiable, py::list saved) {
    TensorList in;
    for (py::handle h : inputs) in.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
    TensorList out;
    std::vector<InputMeta> metas;
    for (py::handle h : outputs) {
      out.push_back(h.cast<Tensor>());
      metas.push_back({out.back()->sizes, out.back()->dtype});
    }
    auto node = std::make_shared<PyFunctionNode>(intern(name), std::move(ctx), std::move(metas));
    node->set_next_edges(in);
    node->set_num_inputs(out.size());
    for (size_t i = 0; i < out.size(); ++i) {
      if (!differentiable[i].cast<bool>() || !is_floating(out[i]->dtype)) continue;
      auto& meta = out[i]->autograd_meta();
      meta.requires_grad = true;
      meta.grad_fn = node;
      meta.output_nr = static_cast<uint32_t>(i);
    }
    // After the outputs have their grad_fn, so saved outputs are stored without a cycle
    // (Note [Saved outputs]).
    for (py::handle h : saved) {
      if (h.is_none()) {
        node->save(Tensor());
        continue;
      }
      Tensor t = h.cast<Tensor>();
      bool is_output = false;
      for (const Tensor& o : out) is_output = is_output || o == t;
      node->save(t, is_output);
    }
    return std::static_pointer_cast<Node>(node);
  }, "Builds the graph node of a custom Function call (used by cgrad.autograd.Function).");

  m.def("_saved_tensors", [](const std::shared_ptr<Node>& node) {
    py::tuple out(node->num_saved());
    for (size_t i = 0; i < node->num_saved(); ++i) {
      Tensor t = node->saved(i);
      out[i] = t ? py::cast(t) : py::none();
    }
    return out;
  }, "A node's saved tensors, checked against in-place changes.");
}

}  // namespace cgrad::bindings
