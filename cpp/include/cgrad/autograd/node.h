#pragma once
// Backward-graph nodes. An op records one Node per differentiable call; its class name
// is torch's (`MulBackward0`) and its backward formula sits next to the op's forward.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cgrad/autograd/node_vector.h"
#include "cgrad/autograd/saved_slots.h"
#include "cgrad/autograd/saved_values.h"
#include "cgrad/tensor.h"

namespace cgrad {

// Note [Hooks]: a gradient hook (GradHook, tensor.h) sees the gradient flowing into a
// tensor and may return a replacement. A leaf keeps its hooks itself, since its
// AccumulateGrad node may come and go; a non-leaf's hooks sit on its grad_fn, keyed by
// output. Node hooks see a node's gradients: pre-hooks the incoming ones
// (grad_outputs), post-hooks both sides; either may return replacements. The engine
// runs, per node: gradient hooks, retain_grad's hook, pre-hooks, apply, post-hooks.
using NodePreHook = std::function<std::optional<TensorList>(const TensorList&)>;
using NodePostHook = std::function<std::optional<TensorList>(
    const TensorList& grad_inputs, const TensorList& grad_outputs)>;
// Unique ids, so a handle can remove exactly the hook it added.
int64_t next_hook_id();

struct Edge {
  std::shared_ptr<Node> node;  // null: that input needs no gradient
  uint32_t input_nr = 0;
  bool is_valid() const { return static_cast<bool>(node); }
};

// Shape and dtype of one forward input; the engine checks and casts gradients to them.
// Two dims inline, not Shape's four: with the dtype that is 32 bytes, so a two-input
// node's metas fill one 64-byte block (Note [Inline shapes]).
struct InputMeta {
  SmallVector<int64_t, 2> sizes;
  DType dtype;
};

// A tensor saved for backward, with the version it had when saved.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output, saved::Slot slot, bool in_list = false);
  // Raises torch's errors if released or modified in place since it was saved.
  Tensor unpack(const std::shared_ptr<Node>& owner) const;
  // The checks of unpack alone.
  void check(const std::shared_ptr<Node>& owner) const;
  // A slot that never held a tensor stays unsaved: unpacking it after backward gives
  // nothing, not torch's "backward through the graph a second time" (which torch raises
  // only for a tensor it did save).
  void release() {
    released_ = released_ || data_;
    data_.reset();
  }
  // Whether this is `t` saved as an op's own input `self` (Note [In-place self and other]).
  bool is_self_input(const Tensor& t) const;
  // Keeps a private copy of the current value (taken before an in-place write).
  void replace_with_copy();
  // An output of `result`'s memory now lives in `self` (an in-place op wrote it there).
  void retarget_output(const Tensor& result, const Tensor& self);
  // Note [Saved outputs of in-place ops on views]: after `view.exp_()` the node that
  // saved the result is CopySlices' inner function, not a node of the graph, so the
  // unpacked result must carry the view's new history (AsStridedBackward0 -> CopySlices),
  // held weakly as torch's SavedVariable does; re-attaching the inner node would put it
  // in double-backward graphs beside its CopySlices, and it would run (and free its
  // saved tensors) twice.
  void follow_view_history(const Tensor& view, const std::shared_ptr<Node>& view_grad_fn);
  saved::Slot slot() const { return slot_; }
  // One entry of a list saved under its slot (index's `indices`), not a tensor alone.
  bool in_list() const { return in_list_; }

 private:
  // Note [Saved outputs]: an output saved by its own grad_fn would form a cycle
  // (output -> grad_fn -> output). We keep a detached alias and re-attach the owning
  // node on unpack, as torch's SavedVariable does. record() sets the output's history
  // before saving it, which is what lets the alias name the node (Note [Named saved
  // slots]).
  Tensor data_;
  std::weak_ptr<Node> view_grad_fn_;  // set by follow_view_history
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool released_ = false;
  bool in_list_ = false;
  saved::Slot slot_ = saved::kSlotCount;
};

class Node;
// Note [Gradients a graph task needs]: while the engine applies a node for
// autograd.grad or backward(inputs=...), an input whose edge leads to no requested
// tensor needs no gradient (torch's task_should_compute_output): the backward formula
// skips it, so it neither runs nor raises, and post-hooks see None there. Only the node
// being applied asks the task; a node recorded meanwhile (create_graph) does not.
struct TaskEdgeFilter {
  const Node* applying;
  bool (*needed)(void* task, Node* next);
  void* task;
};
inline thread_local const TaskEdgeFilter* task_edge_filter __attribute__((tls_model("initial-exec"))) = nullptr;

class Node : public std::enable_shared_from_this<Node> {
 public:
  explicit Node(const char* name);
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  uint64_t sequence_nr() const { return sequence_nr_; }
  NodeVector<Edge>& next_edges() { return next_edges_; }
  const NodeVector<Edge>& next_edges() const { return next_edges_; }
  const NodeVector<InputMeta>& input_meta() const { return input_meta_; }
  size_t num_outputs() const { return next_edges_.size(); }
  // Forward outputs recorded with this node as grad_fn = gradients it receives.
  size_t num_inputs() const { return num_inputs_; }
  void set_num_inputs(size_t n) { num_inputs_ = static_cast<uint32_t>(n); }
  // Note [Save for the inputs that have an edge]: a tensor saved only for one input's
  // gradient is saved when that input has an edge (needs_input_grad, torch's
  // should_compute_output), not when it merely requires grad: a view made under no_grad
  // of a tensor that requires grad has no edge, so torch saves nothing for it, and a
  // second backward through the node finds nothing freed.
  bool needs_input_grad(size_t i) const {
    if (i >= next_edges_.size() || !next_edges_[i].is_valid()) return false;
    const TaskEdgeFilter* f = task_edge_filter;  // Note [Gradients a graph task needs]
    return !f || f->applying != this || f->needed(f->task, next_edges_[i].node.get());
  }

  // grads: one per forward output (undefined where no gradient flowed).
  // Returns one gradient per forward input (undefined where not needed).
  virtual TensorList apply(TensorList&& grads) = 0;
  // AccumulateGrad: a sink, whose (empty) output the engine does not validate.
  virtual bool is_sink() const { return false; }
  // Note [Nodes reached by no gradient]: torch's engine runs every node on the path to
  // the inputs, even when no gradient flowed into it (norm(x, p=0) sends none back).
  // A built-in node then unpacks its saved tensors (so a write into one still raises)
  // and sends no gradients on; CopySlices returns at once, unpacking nothing; a custom
  // Function calls its backward (on zeros, if it materializes gradients).
  enum class WithoutGrads { CheckSaved, Skip, Apply };
  virtual WithoutGrads without_grads() const { return WithoutGrads::CheckSaved; }

  // ---- hooks (run by the engine around apply) ----
  int64_t add_grad_hook(uint32_t output_nr, GradHook fn);
  // retain_grad's hook: runs after the user's gradient hooks, at most one per output.
  void set_retain_grad_hook(uint32_t output_nr, GradHook fn);
  // Removes and returns it (empty if none), for a tensor whose history moved on.
  GradHook take_retain_grad_hook(uint32_t output_nr);
  int64_t add_pre_hook(NodePreHook fn);
  int64_t add_post_hook(NodePostHook fn);
  bool remove_hook(int64_t id);
  void clear_hooks();
  // Gradient hooks on the incoming gradients; a leaf's sink reads its tensor's hooks.
  virtual void run_grad_hooks(TensorList& grads);
  void run_pre_hooks(TensorList& grads);
  void run_post_hooks(TensorList& grad_inputs, const TensorList& grad_outputs);
  bool has_post_hooks() const { return extras_ && !extras_->post_hooks.empty(); }

  // Where the forward op was called, captured only under anomaly detection.
  const std::string& forward_trace() const;
  void set_forward_trace(std::string trace) { extras().forward_trace = std::move(trace); }

  // Opaque state owned by the Python layer (grad_fn.metadata, a custom Function's class,
  // Python hooks' callables), made on first use; few nodes have one, so it sits in the
  // extras. The second form is null when none was made.
  std::shared_ptr<void>& python_state() { return extras().python_state; }
  std::shared_ptr<void>* python_state_if_made() {
    return extras_ ? &extras_->python_state : nullptr;
  }

  // ---- saved values (Note [Saved values]) ----
  void save_value(const char* name, SavedValue value) {
    extras().values.emplace_back(name, std::move(value));
  }
  // The values stored by save_value, in order (none: empty).
  const std::vector<NamedSavedValue>& saved_values() const;

  // ---- saved tensors (Note [Named saved slots]); record() saves them ----
  // The tensor saved in `slot`, checked against in-place writes; undefined if none was.
  Tensor saved(saved::Slot slot);
  // The entries of the list saved in `slot`, in order.
  TensorList saved_list(saved::Slot slot);
  // Whether anything (a tensor, an undefined one, a list) was saved in `slot`.
  bool holds_saved(saved::Slot slot) const;
  bool saved_as_list(saved::Slot slot) const;
  // The slots that hold something, each once, in the order they were saved.
  std::vector<saved::Slot> saved_slots() const;
  virtual void release_saved();
  // Raises unpack's errors for any saved tensor, read back or not (the engine runs it
  // before apply; Note [Saved tensors are checked up front]).
  virtual void check_saved();
  // Before `t` is overwritten in place: saved references to it become copies of its
  // current value (torch saves the original self of an in-place op).
  void snapshot_saved(const Tensor& t);
  // After an in-place op wrote its out-of-place result into `self`: saved outputs now
  // refer to self, so later writes into self are caught (torch saves self as result).
  void retarget_saved_outputs(const Tensor& result, const Tensor& self);
  // Saved outputs now living in `view` unpack with the view's history (see SavedTensor).
  void saved_outputs_follow_view(const Tensor& view);
  // Keeps `t` in `slot`, as an output of this node's if `is_output` (which must then
  // already have this node as grad_fn: Note [Saved outputs]). Ops call record(), which
  // sees to both; a custom Function's node saves its ctx's tensors here itself.
  void save_in_slot(saved::Slot slot, const Tensor& t, bool is_output, bool in_list) {
    saved_.emplace_back(t, is_output, slot, in_list);
  }
  void reserve_saved(size_t more) { saved_.reserve(saved_.size() + more); }
  // Wires the edges to `inputs`' grad_fns / accumulators and records their meta.
  void set_next_edges(const Tensor* inputs, size_t count);
  void set_next_edges(const TensorList& inputs) { set_next_edges(inputs.data(), inputs.size()); }
  // One more edge, with the shape and dtype its gradient must have.
  void add_next_edge(Edge edge, InputMeta meta);

 private:
  static uint64_t next_sequence_nr();
  const char* name_;
  uint64_t sequence_nr_;
  NodeVector<Edge> next_edges_;
  NodeVector<InputMeta> input_meta_;
  NodeVector<SavedTensor> saved_;
  uint32_t num_inputs_ = 1;
  // Python state, hooks and the anomaly trace, made when first needed: few nodes have
  // them, and every node of a scalar graph is made and walked each step, so they stay
  // out of the node (a FunctionNode whose backward captures up to 8 bytes fits a 128-byte
  // block; Note [Compact node arrays]).
  struct Extras {
    std::shared_ptr<void> python_state;  // first: it outlives the hooks, as it did
    std::vector<GradHookEntry> grad_hooks;
    std::vector<std::pair<uint32_t, GradHook>> retain_grad_hooks;
    std::vector<std::pair<int64_t, NodePreHook>> pre_hooks;
    std::vector<std::pair<int64_t, NodePostHook>> post_hooks;
    std::string forward_trace;
    std::vector<NamedSavedValue> values;
  };
  Extras& extras();
  std::unique_ptr<Extras> extras_;
};

// Leaves' sink: adds the incoming gradient into `variable->autograd->grad`.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor variable);
  TensorList apply(TensorList&& grads) override;
  bool is_sink() const override { return true; }
  // Reached by no gradient, it still calls the leaf's post-accumulate hooks, as torch's.
  WithoutGrads without_grads() const override { return WithoutGrads::Apply; }
  void run_grad_hooks(TensorList& grads) override;  // the leaf's own hooks
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

// Node whose backward is a lambda written beside the op's forward (the common case).
// The lambda receives the node (for saved tensors and needs_input_grad) and the grads.
template <class F>
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, F fn) : Node(name), fn_(std::move(fn)) {}
  TensorList apply(TensorList&& grads) override { return fn_(*this, grads); }

 private:
  F fn_;
};

// True when grad mode is on and some input requires grad: the op must record a node.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool compute_requires_grad(const TensorList& inputs);

// One tensor, or one list of them, that record() saves in a slot. It refers to the
// caller's tensors, so it is made in record's own argument list; an empty one saves
// nothing (`take_sqrt ? ToSave(saved::result, out) : ToSave()`).
struct ToSave {
  ToSave() = default;
  ToSave(saved::Slot slot, const Tensor& t) : slot(slot), tensor(&t) {}
  ToSave(saved::Slot slot, const TensorList& ts) : slot(slot), list(&ts) {}
  saved::Slot slot = saved::kSlotCount;
  const Tensor* tensor = nullptr;
  const TensorList* list = nullptr;
};

// An op's one call to put its node into the graph: `node` becomes grad_fn of `outputs`
// (which become non-leaf, requiring grad), then `saves` are kept in their slots, those
// that are outputs without a cycle (Note [Named saved slots]).
// Note [Only floating outputs get history]: as torch's set_history, an integer or bool
// output refuses a grad_fn ("Autograd not support dtype: Long"): an op that would carry
// gradient into it raises instead of returning an integer tensor that requires grad.
// Ops torch treats as non-differentiable (comparisons, argmax, floor_divide of
// integers, casts to an integer) record nothing, so never get here. In-place ops are
// exempt (InplaceHistory): torch rebases self's history onto the op's node whatever
// self's dtype, so an integer tensor that already requires grad takes new history.
void record(const std::shared_ptr<Node>& node, const Tensor* outputs, size_t count,
            std::initializer_list<ToSave> saves);
inline void record(const std::shared_ptr<Node>& node, std::initializer_list<Tensor> outputs,
                   std::initializer_list<ToSave> saves = {}) {
  record(node, outputs.begin(), outputs.size(), saves);
}
inline void record(const std::shared_ptr<Node>& node, const TensorList& outputs,
                   std::initializer_list<ToSave> saves = {}) {
  record(node, outputs.data(), outputs.size(), saves);
}

// While alive, record accepts outputs of any dtype: apply_inplace's out-of-place
// result is only ever rebased into self, never handed out.
class InplaceHistory {
 public:
  InplaceHistory();
  ~InplaceHistory();
  InplaceHistory(const InplaceHistory&) = delete;
  InplaceHistory& operator=(const InplaceHistory&) = delete;
  static bool active();

 private:
  bool prev_;
};

template <class F>
std::shared_ptr<Node> make_node(const char* name, const Tensor* inputs, size_t count, F fn) {
  auto node = std::allocate_shared<FunctionNode<F>>(CachingAllocator<FunctionNode<F>>(), name,
                                                    std::move(fn));
  node->set_next_edges(inputs, count);
  return node;
}
template <class F>
std::shared_ptr<Node> make_node(const char* name, const TensorList& inputs, F fn) {
  return make_node(name, inputs.data(), inputs.size(), std::move(fn));
}
template <class F>
std::shared_ptr<Node> make_node(const char* name, std::initializer_list<Tensor> inputs, F fn) {
  return make_node(name, inputs.begin(), inputs.size(), std::move(fn));
}

// Drops a reference to a node without recursing down the graph: a node freed here has
// its own edges queued rather than destroyed in place (see Note [Iterative release]).
void release_iteratively(std::shared_ptr<Node>&& node);

// The edge a gradient for `t` takes: its grad_fn, its accumulator (leaf requiring
// grad) or none.
Edge gradient_edge(const Tensor& t);

// Tensor.register_hook: on a leaf the hook lives with the tensor, otherwise on its
// grad_fn for its output_nr. Returns the hook's id.
int64_t register_tensor_hook(const Tensor& t, GradHook fn);
// Tensor.retain_grad: a non-leaf keeps its gradient in .grad too.
void retain_grad(const Tensor& t);
// Removes a hook added by register_tensor_hook (or a node's add_*_hook) from `t`.
bool remove_tensor_hook(const Tensor& t, int64_t id);

// For leaves: the AccumulateGrad node, made on first use and shared after that.
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

}  // namespace cgrad
