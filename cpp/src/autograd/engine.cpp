#include "cgrad/autograd/engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>

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

void check_for_nan(const Node& node, const TensorList& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g || !is_floating(g->dtype)) continue;
    bool has_nan = false;
    for (int64_t k = 0; k < g->numel() && !has_nan; ++k) has_nan = std::isnan(item_as_double(*g, k));
    if (has_nan)
      throw std::runtime_error(std::string("Function '") + node.name() +
                               "' returned nan values in its " + std::to_string(i) +
                               "th output." + node.forward_trace);
  }
}

struct ByPriority {
  // Later-created nodes first (torch's order); AccumulateGrad sinks whenever ready.
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

// Where a gradient is captured: the input buffer slot (node, input_nr) of an edge.
struct Capture {
  Node* node;
  uint32_t input_nr;
  size_t index;  // into the inputs list
};

// Note [Graph tasks]: one run of the engine. Without captures it runs everything reachable
// and AccumulateGrad writes leaves' .grad (backward). With captures (autograd.grad, or
// backward(inputs=...)) it records the gradient reaching each input's edge and runs only
// the nodes that lie on a path to one — so no other .grad is touched.
class GraphTask {
 public:
  GraphTask(const TensorList& roots, const TensorList& grad_roots, bool retain_graph,
            bool create_graph)
      : retain_graph_(retain_graph), create_graph_(create_graph) {
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
      root_edges_.push_back(gradient_edge(t));
      seeds_.push_back(std::move(g));
    }
  }

  void capture(const TensorList& inputs) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& t = inputs[i];
      if (!t->requires_grad())
        throw std::runtime_error("One of the differentiated Tensors does not require grad");
      Edge e = gradient_edge(t);
      captures_.push_back({e.node.get(), e.input_nr, i});
      keep_alive_.push_back(e.node);  // a fresh accumulator must outlive the run
    }
    captured_.assign(inputs.size(), Tensor());
  }

  TensorList run() {
    GradModeGuard grad_mode(create_graph_);
    count_dependencies();
    if (!captures_.empty()) mark_needed();
    for (size_t i = 0; i < root_edges_.size(); ++i)
      accumulate_into(root_edges_[i].node.get(), root_edges_[i].input_nr, seeds_[i]);
    std::priority_queue<Node*, std::vector<Node*>, ByPriority> ready;
    for (auto& e : root_edges_) {
      Node* n = e.node.get();
      if (dependencies_[n] == 0) {
        dependencies_[n] = -1;  // queued once even when several roots share it
        ready.push(n);
      }
    }
    while (!ready.empty()) {
      Node* node = ready.top();
      ready.pop();
      TensorList outputs = execute(*node);
      auto& edges = node->next_edges();
      for (size_t i = 0; i < edges.size(); ++i) {
        if (!edges[i].is_valid()) continue;
        Node* child = edges[i].node.get();
        if (i < outputs.size() && outputs[i]) accumulate_into(child, edges[i].input_nr, outputs[i]);
        if (--dependencies_[child] == 0) ready.push(child);
      }
    }
    return captured_;
  }

 private:
  void count_dependencies() {
    std::vector<Node*> stack;
    for (auto& e : root_edges_)
      if (seen_.insert(e.node.get()).second) stack.push_back(e.node.get());
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (auto& e : n->next_edges()) {
        if (!e.is_valid()) continue;
        Node* child = e.node.get();
        dependencies_[child] += 1;
        if (seen_.insert(child).second) stack.push_back(child);
      }
    }
  }

  // A node must run when a capture lies strictly below it. Kahn's order over the
  // reachable graph, walked backwards, settles each node after all its children.
  void mark_needed() {
    std::unordered_set<Node*> targets;
    for (auto& c : captures_) targets.insert(c.node);
    std::unordered_map<Node*, int> pending = dependencies_;
    std::vector<Node*> topo, frontier;
    for (auto& e : root_edges_) {
      Node* root = e.node.get();
      if (pending[root] == 0 && std::find(frontier.begin(), frontier.end(), root) == frontier.end())
        frontier.push_back(root);
    }
    while (!frontier.empty()) {
      Node* n = frontier.back();
      frontier.pop_back();
      topo.push_back(n);
      for (auto& e : n->next_edges())
        if (e.is_valid() && --pending[e.node.get()] == 0) frontier.push_back(e.node.get());
    }
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      bool needed = false;
      for (auto& e : (*it)->next_edges())
        if (e.is_valid()) needed = needed || targets.count(e.node.get()) || needed_.count(e.node.get());
      if (needed) needed_.insert(*it);
    }
  }

  void accumulate_into(Node* node, uint32_t input_nr, Tensor g) {
    TensorList& buf = buffers_[node];
    if (buf.size() < node->num_inputs()) buf.resize(node->num_inputs());
    Tensor& slot = buf[input_nr];
    slot = slot ? add(slot, g) : std::move(g);
  }

  TensorList execute(Node& node) {
    TensorList inputs = std::move(buffers_[&node]);
    buffers_.erase(&node);
    if (inputs.size() < node.num_inputs()) inputs.resize(node.num_inputs());
    node.run_grad_hooks(inputs);
    for (auto& c : captures_)
      if (c.node == &node && inputs[c.input_nr])
        captured_[c.index] = captured_[c.index] ? add(captured_[c.index], inputs[c.input_nr])
                                                : inputs[c.input_nr];
    bool runs = captures_.empty() || needed_.count(&node);
    bool any_grad = false;
    for (auto& g : inputs) any_grad = any_grad || static_cast<bool>(g);
    TensorList outputs;
    if (runs && any_grad) {
      node.run_pre_hooks(inputs);
      TensorList grad_outputs = node.has_post_hooks() ? inputs : TensorList();
      outputs = node.apply(std::move(inputs));
      if (!dynamic_cast<AccumulateGrad*>(&node)) {
        validate_grads(node, outputs);
        node.run_post_hooks(outputs, grad_outputs);
        if (AnomalyMode::is_enabled()) check_for_nan(node, outputs);
      }
    }
    if (!retain_graph_) node.release_saved();
    return outputs;
  }

  bool retain_graph_, create_graph_;
  std::vector<Edge> root_edges_;
  TensorList seeds_;
  std::vector<Capture> captures_;
  TensorList captured_;
  std::vector<std::shared_ptr<Node>> keep_alive_;
  std::unordered_set<Node*> seen_, needed_;
  std::unordered_map<Node*, int> dependencies_;
  std::unordered_map<Node*, TensorList> buffers_;
};

std::atomic<bool> anomaly_enabled{false};
std::function<std::string()>& trace_capturer() {
  static auto* capture = new std::function<std::string()>();  // leaked: may outlive statics
  return *capture;
}

}  // namespace

void backward(const TensorList& roots, const TensorList& grad_roots, bool retain_graph,
              bool create_graph, const TensorList& inputs) {
  GraphTask task(roots, grad_roots, retain_graph, create_graph);
  if (inputs.empty()) {
    task.run();
    return;
  }
  // backward(inputs=...): gradients land in those tensors' .grad only.
  task.capture(inputs);
  TensorList grads = task.run();
  GradModeGuard grad_mode(create_graph);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!grads[i]) continue;
    auto& meta = inputs[i]->autograd_meta();
    meta.grad = meta.grad ? add(meta.grad, grads[i]) : (create_graph ? grads[i] : clone(grads[i]));
  }
}

TensorList grad(const TensorList& roots, const TensorList& grad_roots, const TensorList& inputs,
                bool retain_graph, bool create_graph, bool allow_unused) {
  GraphTask task(roots, grad_roots, retain_graph, create_graph);
  task.capture(inputs);
  TensorList grads = task.run();
  if (!allow_unused)
    for (const Tensor& g : grads)
      if (!g)
        throw std::runtime_error(
            "One of the differentiated Tensors appears to not have been used in the graph. Set "
            "allow_unused=True if this is the desired behavior.");
  return grads;
}

bool AnomalyMode::is_enabled() { return anomaly_enabled.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled.store(enabled); }
void AnomalyMode::set_trace_capturer(std::function<std::string()> capture) {
  trace_capturer() = std::move(capture);
}
std::string AnomalyMode::capture_trace() {
  return trace_capturer() ? trace_capturer()() : std::string();
}

}  // namespace cgrad
