#include "cgrad/autograd/engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <queue>
#include <string>
#include <vector>

#include "cgrad/autograd/anomaly_mode.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"
#include "cgrad/ops.h"

namespace cgrad {
namespace {

std::string size_str(const Shape& s) { return "cgrad.Size(" + shape_str(s) + ")"; }

// True when `sizes` broadcasts to `target`: a gradient of `target`'s shape sums back.
template <class Sizes>
bool expandable_to(const Sizes& sizes, const Shape& target) {
  if (sizes.size() > target.size()) return false;
  const size_t lead = target.size() - sizes.size();
  for (size_t d = 0; d < sizes.size(); ++d)
    if (sizes[d] != 1 && sizes[d] != target[lead + d]) return false;
  return true;
}

// Checks a node's returned gradients against its inputs' shapes and dtypes, as torch's
// validate_outputs does: a gradient of a shape the input broadcasts to is summed back to
// the input's shape, any other shape is an error; another floating dtype is cast.
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
    if (!same_shape(g->sizes, meta.sizes)) {
      if (!expandable_to(meta.sizes, g->sizes))
        throw std::runtime_error(std::string("Function ") + node.name() +
                                 " returned an invalid gradient at index " + std::to_string(i) +
                                 " - got " + shape_str(g->sizes) +
                                 " but expected shape compatible with " + shape_str(meta.sizes));
      g = sum_to(g, meta.sizes);
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
                               "th output." + node.forward_trace());
  }
}

// Where a gradient is captured: the input buffer slot (node, input_nr) of an edge.
struct Capture {
  Node* node;
  uint32_t input_nr;
  size_t index;  // into the inputs list
};

// Per-node state of one graph task. Note [Node table]: kept in one open-addressing
// table keyed by node address, filled when dependencies are counted and only read after
// that, so references stay valid while the graph runs. Node-keyed std::unordered_maps
// cost an allocation per node per map, which was most of a small graph's backward.
struct NodeState {
  Node* node = nullptr;  // null: empty slot
  int dependencies = 0;
  int pending = 0;  // mark_needed's copy of the counts
  bool needed = false;
  bool captures = false;  // a gradient is captured from this node's input buffer
  TensorList buffer;  // gradients gathered for the node's inputs
};

class NodeTable {
 public:
  // Sized for as many nodes as the last graph on this thread had: a training loop builds
  // the same graph every step, and growing by doubling rehashes every node a dozen times.
  // (A small graph right after a big one clears a big table: about 10 ns per node of the
  // big graph, a few percent of what that graph's backward took.)
  NodeTable() {
    size_t capacity = 16;
    while (capacity < 2 * (last_size + 1)) capacity *= 2;
    resize(capacity);
  }
  ~NodeTable() { last_size = size_; }

  // The node's state, inserted if new; `inserted` tells which.
  NodeState& insert(Node* node, bool& inserted) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    NodeState& slot = probe(node);
    inserted = slot.node == nullptr;
    if (inserted) {
      slot.node = node;
      ++size_;
    }
    return slot;
  }
  NodeState& at(Node* node) { return probe(node); }  // node must be present
  template <class F> void for_each(F f) {
    for (NodeState& s : slots_)
      if (s.node) f(s);
  }

 private:
  size_t index(Node* node) const {  // Fibonacci hashing of the address
    return (reinterpret_cast<uintptr_t>(node) * 0x9E3779B97F4A7C15ull) >> shift_;
  }
  const NodeState& probe_const(Node* node) const {
    size_t i = index(node), mask = slots_.size() - 1;
    while (slots_[i].node && slots_[i].node != node) i = (i + 1) & mask;
    return slots_[i];
  }
  NodeState& probe(Node* node) { return const_cast<NodeState&>(probe_const(node)); }
  void grow() { resize(slots_.size() * 2); }
  void resize(size_t capacity) {  // a power of two
    Slots old = std::move(slots_);
    slots_ = Slots(capacity);
    shift_ = 64 - __builtin_ctzll(capacity);
    for (NodeState& s : old)
      if (s.node) probe(s.node) = std::move(s);
  }

  static thread_local size_t last_size __attribute__((tls_model("initial-exec")));

  // From the caching allocator: a big graph's table is megabytes, reused warm each step.
  using Slots = std::vector<NodeState, CachingAllocator<NodeState>>;
  Slots slots_;
  size_t size_ = 0;
  int shift_ = 64;
};

thread_local size_t NodeTable::last_size __attribute__((tls_model("initial-exec"))) = 0;

// The ready queue: later-created nodes first (torch's order); AccumulateGrad sinks
// whenever ready. Entries carry the sequence number, so ordering reads no node.
using ReadyEntry = std::pair<uint64_t, NodeState*>;
using ReadyQueue = std::priority_queue<ReadyEntry, std::vector<ReadyEntry>>;

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
      Edge edge = gradient_edge(t);
      if (!edge.is_valid())
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
      } else if (!same_shape(g->sizes, t->sizes)) {
        throw std::runtime_error("Mismatch in shape: grad_output[" + std::to_string(i) +
                                 "] has a shape of " + size_str(g->sizes) + " and output[" +
                                 std::to_string(i) + "] has a shape of " + size_str(t->sizes) + ".");
      } else if (g->dtype != t->dtype) {
        g = to_dtype(g, t->dtype);
      }
      root_edges_.push_back(std::move(edge));
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
    CurrentTask current(this);
    count_dependencies();
    if (!captures_.empty()) mark_needed();
    for (size_t i = 0; i < root_edges_.size(); ++i)
      accumulate_into(nodes_.at(root_edges_[i].node.get()), root_edges_[i].input_nr, seeds_[i]);
    ReadyQueue ready;
    for (auto& e : root_edges_) {
      NodeState& root = nodes_.at(e.node.get());
      if (root.dependencies == 0) {
        root.dependencies = -1;  // queued once even when several roots share it
        ready.push({root.node->sequence_nr(), &root});
      }
    }
    while (!ready.empty()) {
      NodeState& state = *ready.top().second;
      ready.pop();
      Node* node = state.node;
      TensorList outputs = execute(state);
      auto& edges = node->next_edges();
      for (size_t i = 0; i < edges.size(); ++i) {
        if (!edges[i].is_valid()) continue;
        NodeState& child = nodes_.at(edges[i].node.get());
        if (i < outputs.size() && outputs[i]) accumulate_into(child, edges[i].input_nr, outputs[i]);
        if (--child.dependencies == 0) ready.push({child.node->sequence_nr(), &child});
      }
    }
    // By index: a callback may queue another, which then runs in turn.
    for (size_t i = 0; i < final_callbacks_.size(); ++i) final_callbacks_[i]();
    return captured_;
  }

  static GraphTask* current() { return current_; }
  void queue_final_callback(std::function<void()> callback) {
    final_callbacks_.push_back(std::move(callback));
  }

 private:
  void count_dependencies() {
    std::vector<Node*> stack;
    bool inserted = false;
    for (auto& e : root_edges_) {
      nodes_.insert(e.node.get(), inserted);
      if (inserted) stack.push_back(e.node.get());
    }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (auto& e : n->next_edges()) {
        if (!e.is_valid()) continue;
        Node* child = e.node.get();
        nodes_.insert(child, inserted).dependencies += 1;
        if (inserted) stack.push_back(child);
      }
    }
  }

  // A node must run when a capture lies strictly below it. Kahn's order over the
  // reachable graph, walked backwards, settles each node after all its children.
  void mark_needed() {
    auto is_target = [&](Node* n) {
      for (auto& c : captures_)
        if (c.node == n) return true;
      return false;
    };
    nodes_.for_each([](NodeState& s) { s.pending = s.dependencies; });
    std::vector<NodeState*> topo, frontier;
    for (auto& e : root_edges_) {
      NodeState* root = &nodes_.at(e.node.get());
      if (root->pending == 0 && std::find(frontier.begin(), frontier.end(), root) == frontier.end())
        frontier.push_back(root);
    }
    while (!frontier.empty()) {
      NodeState* n = frontier.back();
      frontier.pop_back();
      topo.push_back(n);
      for (auto& e : n->node->next_edges()) {
        if (!e.is_valid()) continue;
        NodeState& child = nodes_.at(e.node.get());
        if (--child.pending == 0) frontier.push_back(&child);
      }
    }
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      (*it)->captures = is_target((*it)->node);
      bool needed = false;
      for (auto& e : (*it)->node->next_edges())
        if (e.is_valid())
          needed = needed || is_target(e.node.get()) || nodes_.at(e.node.get()).needed;
      (*it)->needed = needed;
    }
  }

  void accumulate_into(NodeState& state, uint32_t input_nr, Tensor g) {
    TensorList& buf = state.buffer;
    if (buf.size() < state.node->num_inputs()) buf.resize(state.node->num_inputs());
    Tensor& slot = buf[input_nr];
    if (!slot) {
      slot = std::move(g);
    } else if (g->is_absorbing_zero() && same_shape(slot->sizes, g->sizes) &&
               slot->dtype == g->dtype) {
      // adds nothing, and keeps an absorbing slot absorbing (Note [Absorbing zeros])
    } else if (slot->is_absorbing_zero() && same_shape(slot->sizes, g->sizes) &&
               slot->dtype == g->dtype) {
      slot = std::move(g);
    } else if (!create_graph_ && owned_here(slot) && same_shape(slot->sizes, g->sizes) &&
               slot->dtype == g->dtype) {
      add_(slot, g);  // as torch's InputBuffer: sum into a buffer nobody else holds
    } else {
      slot = add(slot, g);
    }
  }

  // A gradient only this buffer refers to: a fresh result no hook, node or user kept.
  static bool owned_here(const Tensor& t) {
    return t.use_count() == 1 && !t->autograd && t->is_contiguous() && !t->view_base &&
           t->storage_is_exclusive();
  }

  // Note [Hooks of nodes no gradient reached]: as torch's engine, every node the task
  // evaluates (all it reaches, or with captures those that run or capture) calls its
  // tensor hooks, with None for a gradient that never arrived; one that runs then calls
  // its pre-hooks, its backward (Note [Nodes reached by no gradient]) and its post-hooks,
  // whether or not any gradient arrived. A node that neither runs nor captures calls none.
  TensorList execute(NodeState& state) {
    Node& node = *state.node;
    TensorList inputs = std::move(state.buffer);  // leaves the buffer empty
    if (inputs.size() < node.num_inputs()) inputs.resize(node.num_inputs());
    const bool runs = captures_.empty() || state.needed;
    if (!runs && !state.captures) return {};
    node.run_grad_hooks(inputs);
    for (auto& c : captures_)
      if (c.node == &node && inputs[c.input_nr])
        captured_[c.index] = captured_[c.index] ? add(captured_[c.index], inputs[c.input_nr])
                                                : inputs[c.input_nr];
    if (!runs) return {};
    bool any_grad = false;
    for (auto& g : inputs) any_grad = any_grad || static_cast<bool>(g);
    node.run_pre_hooks(inputs);
    TensorList grad_outputs = node.has_post_hooks() ? inputs : TensorList();
    TensorList outputs;
    const auto without = node.without_grads();
    if (any_grad || without == Node::WithoutGrads::Apply) {
      node.check_saved();
      FilterEdges filter(*this, node);
      outputs = node.apply(std::move(inputs));
    } else {
      if (without == Node::WithoutGrads::CheckSaved) node.check_saved();
      if (!node.is_sink()) outputs.resize(node.num_outputs());  // no gradients sent on
    }
    if (!node.is_sink()) {
      validate_grads(node, outputs);
      node.run_post_hooks(outputs, grad_outputs);
      if (AnomalyMode::is_enabled()) check_for_nan(node, outputs);
    }
    if (!retain_graph_) node.release_saved();
    return outputs;
  }

  // Note [Gradients a graph task needs]: with captures, the node being applied computes
  // only the gradients whose edges lead to a node that runs or captures.
  struct FilterEdges {
    FilterEdges(GraphTask& task, const Node& node) : previous(task_edge_filter) {
      if (task.captures_.empty()) return;
      filter = {&node, &GraphTask::runs_or_captures, &task};
      task_edge_filter = &filter;
    }
    ~FilterEdges() { task_edge_filter = previous; }
    TaskEdgeFilter filter{};
    const TaskEdgeFilter* previous;
  };
  static bool runs_or_captures(void* task, Node* next) {
    const NodeState& s = static_cast<GraphTask*>(task)->nodes_.at(next);
    return s.needed || s.captures;
  }

  // Note [Final callbacks]: the graph task running on this thread, for queue_callback. A
  // node that itself calls backward (a reentrant pass) installs its own task and puts the
  // outer one back when done, so a callback goes to the pass that queued it.
  struct CurrentTask {
    explicit CurrentTask(GraphTask* task) : previous(current_) { current_ = task; }
    ~CurrentTask() { current_ = previous; }
    GraphTask* previous;
  };
  static thread_local GraphTask* current_ __attribute__((tls_model("initial-exec")));

  std::vector<std::function<void()>> final_callbacks_;
  bool retain_graph_, create_graph_;
  std::vector<Edge> root_edges_;
  TensorList seeds_;
  std::vector<Capture> captures_;
  TensorList captured_;
  std::vector<std::shared_ptr<Node>> keep_alive_;
  NodeTable nodes_;
};

thread_local GraphTask* GraphTask::current_ __attribute__((tls_model("initial-exec"))) = nullptr;

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
    // A tensor named twice in inputs= still gets its gradient once, as in torch.
    bool repeated = false;
    for (size_t j = 0; j < i; ++j) repeated = repeated || inputs[j].get() == inputs[i].get();
    if (repeated) continue;
    auto& meta = inputs[i]->autograd_meta();
    meta.grad = meta.grad ? add(meta.grad, grads[i]) : (create_graph ? grads[i] : clone_contiguous(grads[i]));
  }
}

TensorList grad(const TensorList& roots, const TensorList& grad_roots, const TensorList& inputs,
                bool retain_graph, bool create_graph, bool allow_unused) {
  GraphTask task(roots, grad_roots, retain_graph, create_graph);
  task.capture(inputs);
  TensorList grads = task.run();
  if (!allow_unused)
    for (size_t i = 0; i < grads.size(); ++i)
      if (!grads[i])
        throw std::runtime_error("The differentiated Tensor at index " + std::to_string(i) +
                                 " appears to not have been used in the graph. Set "
                                 "allow_unused=True if this is the desired behavior.");
  return grads;
}

void queue_final_callback(std::function<void()> callback) {
  GraphTask* task = GraphTask::current();
  if (!task) throw std::runtime_error("Final callbacks can only be installed during backward pass.");
  task->queue_final_callback(std::move(callback));
}

}  // namespace cgrad
