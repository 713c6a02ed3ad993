#include "cgrad/autograd/engine.h"

#include <queue>
#include <string>
#include <unordered_map>

#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"
#include "cgrad/ops.h"

namespace cgrad {
namespace {

std::string size_str(const Shape& s) { return "cgrad.Size(" + shape_str(s) + ")"; }

// Checks a node's returned gradients against its inputs' shapes and casts dtypes, as
// torch's validate_outputs does.
void validate_grads(Node& node, TensorList& grads) {
  if (grads.size() != node.num_outputs())
    throw std::runtime_error(std::string("function ") + node.name() + " returned an incorrect "
                             "number of gradients (expected " +
                             std::to_string(node.num_outputs()) + ", got " +
                             std::to_string(grads.size()) + ")");
  for (size_t i = 0; i < grads.size(); ++i) {
    Tensor& g = grads[i];
    if (!g || !node.needs_input_grad(i)) continue;
    const InputMeta& meta = node.input_meta()[i];
    if (g->sizes != meta.sizes) {
      if (numel_of(g->sizes) != numel_of(meta.sizes) && g->numel() != 1)
        throw std::runtime_error(std::string("Function ") + node.name() +
                                 " returned an invalid gradient at index " + std::to_string(i) +
                                 " - got " + shape_str(g->sizes) +
                                 " but expected shape compatible with " + shape_str(meta.sizes));
      g = g->numel() == numel_of(meta.sizes) ? reshape(g, meta.sizes) : expand(g, meta.sizes);
    }
    if (g->dtype != meta.dtype) g = to_dtype(g, meta.dtype);
  }
}

struct ByPriority {
  // Later-created nodes first (torch's order); AccumulateGrad sinks whenever ready.
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

}  // namespace

void backward(const TensorList& roots, const TensorList& grad_roots, bool retain_graph,
              bool create_graph) {
  std::vector<Edge> root_edges;
  TensorList seeds;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& t = roots[i];
    if (!t->requires_grad())
      throw std::runtime_error("element " + std::to_string(i) +
                               " of tensors does not require grad and does not have a grad_fn");
    Tensor g = i < grad_roots.size() ? grad_roots[i] : Tensor();
    if (!g) {
      if (t->numel() != 1)
        throw std::runtime_error(
            "grad can be implicitly created only for scalar outputs; the output has shape " +
            shape_str(t->sizes) + ", so pass a gradient of that shape: "
            "backward(gradient=ones_like(output)) sums the output, for example");
      g = full(t->sizes, 1.0, t->dtype);
    } else if (g->sizes != t->sizes) {
      throw std::runtime_error("Mismatch in shape: grad_output[" + std::to_string(i) +
                               "] has a shape of " + size_str(g->sizes) + " and output[" +
                               std::to_string(i) + "] has a shape of " + size_str(t->sizes) + ".");
    } else if (g->dtype != t->dtype) {
      g = to_dtype(g, t->dtype);
    }
    root_edges.push_back(gradient_edge(t));
    seeds.push_back(std::move(g));
  }

  GradModeGuard grad_mode(create_graph);

  // Count, for every node reachable from the roots, how many edges lead into it.
  std::unordered_map<Node*, int> dependencies;
  {
    std::vector<Node*> stack;
    std::unordered_map<Node*, bool> seen;
    for (auto& e : root_edges)
      if (!seen[e.node.get()]) {
        seen[e.node.get()] = true;
        stack.push_back(e.node.get());
      }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (auto& e : n->next_edges()) {
        if (!e.is_valid()) continue;
        Node* child = e.node.get();
        dependencies[child] += 1;
        if (!seen[child]) {
          seen[child] = true;
          stack.push_back(child);
        }
      }
    }
  }

  std::unordered_map<Node*, TensorList> buffers;
  auto accumulate_into = [&](Node* node, uint32_t input_nr, Tensor g) {
    TensorList& buf = buffers[node];
    if (buf.size() < node->num_inputs()) buf.resize(node->num_inputs());
    Tensor& slot = buf[input_nr];
    slot = slot ? add(slot, g) : std::move(g);
  };

  std::priority_queue<Node*, std::vector<Node*>, ByPriority> ready;
  for (size_t i = 0; i < root_edges.size(); ++i)
    accumulate_into(root_edges[i].node.get(), root_edges[i].input_nr, seeds[i]);
  for (auto& e : root_edges) {
    Node* n = e.node.get();
    if (dependencies[n] == 0) {
      dependencies[n] = -1;  // queued once even when several roots share it
      ready.push(n);
    }
  }

  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    TensorList inputs = std::move(buffers[node]);
    buffers.erase(node);
    bool any_grad = false;
    for (auto& g : inputs) any_grad = any_grad || static_cast<bool>(g);
    TensorList outputs;
    if (any_grad) {
      outputs = node->apply(std::move(inputs));
      if (!dynamic_cast<AccumulateGrad*>(node)) validate_grads(*node, outputs);
    }
    if (!retain_graph) node->release_saved();
    auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      if (!edges[i].is_valid()) continue;
      Node* child = edges[i].node.get();
      if (i < outputs.size() && outputs[i]) accumulate_into(child, edges[i].input_nr, outputs[i]);
      if (--dependencies[child] == 0) ready.push(child);
    }
  }
}

}  // namespace cgrad
