#include "cgrad/autograd/node.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <stdexcept>
#include <string>

#include "cgrad/autograd/anomaly_mode.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/ops.h"
#include "live_counts.h"

namespace cgrad {

// ---- lifetime ----

// Note [Iterative release]: a graph is a chain of shared_ptrs (tensor -> grad_fn ->
// edge -> node -> ...). Letting destructors recurse overflows the C stack on a chain of
// 100 000 ops. Every drop of a node reference that might be the last goes through this
// queue instead: a node freed while the queue drains only queues its own edges.
namespace {
struct ReleaseQueue {
  std::vector<std::shared_ptr<Node>> pending;
  bool draining = false;
};
// initial-exec: a plain load (Note [Thread block cache] in storage.cpp)
thread_local ReleaseQueue release_queue __attribute__((tls_model("initial-exec")));
}  // namespace

void release_iteratively(std::shared_ptr<Node>&& node) {
  if (!node) return;
  if (node.use_count() > 1) {  // not the last reference: nothing can recurse
    node.reset();
    return;
  }
  auto& q = release_queue;
  q.pending.push_back(std::move(node));
  if (q.draining) return;
  q.draining = true;
  while (!q.pending.empty()) {
    std::shared_ptr<Node> n = std::move(q.pending.back());
    q.pending.pop_back();
    n.reset();
  }
  q.draining = false;
}

int64_t live_node_count() { return live_counts::total(live_counts::kNodes); }

Node::Node(const char* name) : name_(name), sequence_nr_(next_sequence_nr()) {
  live_counts::add(live_counts::kNodes, 1);
}

Node::~Node() {
  live_counts::add(live_counts::kNodes, -1);
  for (auto& e : next_edges_) release_iteratively(std::move(e.node));
}

// Per thread, as torch's: the number only orders a graph's ready nodes (later-created
// first), and a shared counter cost a locked increment per recorded op. (For a graph
// built on several threads, as in torch, ties then fall to an arbitrary order.)
uint64_t Node::next_sequence_nr() {
  static thread_local uint64_t counter __attribute__((tls_model("initial-exec"))) = 0;
  return counter++;
}

// ---- saved tensors ----

// Note [Modified saved tensor message]: torch's words, with its legacy type names and
// the node named without "Backward" (and without a 0 suffix): "[torch.FloatTensor [3]],
// which is output 0 of Exp, is at version 2; expected version 1 instead". A saved output
// names the node that saved it; a saved input names the grad_fn the tensor has now (a
// tensor without one, a leaf, names none).
namespace {
std::string short_node_name(const std::string& name) {
  const size_t at = name.rfind("Backward");
  if (at == std::string::npos || at + 9 != name.size() || !std::isdigit(name.back())) return name;
  return name.substr(0, at) + (name.back() == '0' ? "" : name.substr(at + 8));
}
}  // namespace

SavedTensor::SavedTensor(const Tensor& t, bool is_output, saved::Slot slot, bool in_list)
    : in_list_(in_list), slot_(slot) {
  if (!t) return;
  if (t->is_inference && !InferenceMode::is_enabled())
    throw std::runtime_error(
        "Inference tensors cannot be saved for backward. To work around you can make a clone "
        "to get a normal tensor and use it in autograd.");
  version_ = t->version->get();
  requires_grad_ = t->requires_grad();
  is_output_ = is_output && !t->is_leaf();
  if (is_output_) {
    output_nr_ = t->autograd->output_nr;
    data_ = make_view(t, t->sizes, t->strides, t->offset);
  } else {
    data_ = t;
  }
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner) const {
  check(owner);
  if (!data_ || !is_output_) return data_;
  Tensor t = make_view(data_, data_->sizes, data_->strides, data_->offset);
  if (requires_grad_) {
    auto& meta = t->autograd_meta();
    meta.requires_grad = true;
    std::shared_ptr<Node> view_fn = view_grad_fn_.lock();
    meta.grad_fn = view_fn ? view_fn : owner;
    meta.output_nr = view_fn ? 0 : output_nr_;
  }
  return t;
}

void SavedTensor::check(const std::shared_ptr<Node>& owner) const {
  if (released_)
    throw std::runtime_error(
        "Trying to backward through the graph a second time (or directly access saved "
        "tensors after they have already been freed). Saved intermediate values of the "
        "graph are freed when you call .backward() or autograd.grad(). Specify "
        "retain_graph=True if you need to backward through the graph a second time or if "
        "you need to access saved tensors after calling backward.");
  if (!data_) return;
  uint32_t now = data_->version->get();
  if (now != version_) {
    std::string produced_by;
    if (is_output_) {
      produced_by = ", which is output " + std::to_string(output_nr_) + " of " +
                    short_node_name(owner->name()) + ",";
    } else if (const auto& fn = data_->grad_fn()) {
      produced_by = ", which is output " + std::to_string(data_->autograd->output_nr) + " of " +
                    short_node_name(fn->name()) + ",";
    }
    throw std::runtime_error(
        "one of the variables needed for gradient computation has been modified by an "
        "inplace operation: [" + dtype_legacy_type_name(data_->dtype) + " " + shape_str(data_->sizes) +
        "]" + produced_by + " is at version " + std::to_string(now) + "; expected version " +
        std::to_string(version_) +
        " instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).");
  }
}

// A node saves a handful of tensors, so finding a slot is a short scan of one byte each.
Tensor Node::saved(saved::Slot slot) {
  for (const auto& s : saved_)
    if (s.slot() == slot) return s.unpack(shared_from_this());
  return {};
}

TensorList Node::saved_list(saved::Slot slot) {
  TensorList out;
  for (const auto& s : saved_)
    if (s.slot() == slot) out.push_back(s.unpack(shared_from_this()));
  return out;
}

bool Node::holds_saved(saved::Slot slot) const {
  for (const auto& s : saved_)
    if (s.slot() == slot) return true;
  return false;
}

bool Node::saved_as_list(saved::Slot slot) const {
  for (const auto& s : saved_)
    if (s.slot() == slot) return s.in_list();
  return false;
}

std::vector<saved::Slot> Node::saved_slots() const {
  std::vector<saved::Slot> out;
  for (const auto& s : saved_)
    if (std::find(out.begin(), out.end(), s.slot()) == out.end()) out.push_back(s.slot());
  return out;
}

namespace {
thread_local bool inplace_history __attribute__((tls_model("initial-exec"))) = false;
}

InplaceHistory::InplaceHistory() : prev_(inplace_history) { inplace_history = true; }
InplaceHistory::~InplaceHistory() { inplace_history = prev_; }
bool InplaceHistory::active() { return inplace_history; }

namespace {
// Makes `node` grad_fn of `outputs`: record()'s first half.
void set_history(const Tensor* outputs, size_t count, const std::shared_ptr<Node>& node) {
  if (!inplace_history)  // Note [Only floating outputs get history]
    for (size_t i = 0; i < count; ++i)
      if (outputs[i] && !is_floating(outputs[i]->dtype))
        throw std::runtime_error(std::string("Autograd not support dtype: ") +
                                 dtype_torch_name(outputs[i]->dtype));
  node->set_num_inputs(count);
  if (AnomalyMode::is_enabled() && node->forward_trace().empty())
    node->set_forward_trace(AnomalyMode::capture_trace());
  for (size_t i = 0; i < count; ++i) {
    auto& meta = outputs[i]->autograd_meta();
    meta.requires_grad = true;
    meta.grad_fn = node;
    meta.output_nr = static_cast<uint32_t>(i);
  }
}
}  // namespace

// Note [Graph size]: on small tensors, backward is bound by memory latency, not by
// instructions. It walks the graph the forward wrote, in reverse, and each node's first
// loads (its edges, input shapes, saved tensors) miss the cache: perf puts 50-95% of
// the engine's samples on such loads in the scalar MLP benchmark. The benchmark's 9727
// ops hold 4.2 MB at 433 bytes each, past a 2 MiB L2, so its step time follows how busy
// the shared L3 is. So no node holds room it does not use, shapes are inline (Note
// [Inline shapes]) and a node's arrays compact (Note [Compact node arrays]): an add's
// node with its edges and input metas is 240 bytes in three blocks (336 in five before
// both), a one-element tensor 272 in three (304 in five), and the benchmark's graph 336
// bytes per op (433 before), measured with cgrad.memory.stats().
void record(const std::shared_ptr<Node>& node, const Tensor* outputs, size_t count,
            std::initializer_list<ToSave> saves) {
  set_history(outputs, count, node);  // first: a saved output then aliases without a cycle
  auto is_output = [&](const Tensor& t) {
    for (size_t i = 0; i < count; ++i)
      if (t && outputs[i] == t) return true;
    return false;
  };
  // Exactly what is saved: most nodes save fewer tensors than they take (add saves
  // none), and the graph's bytes per op bound small ops' backward (Note [Graph size]).
  size_t saved = 0;
  for (const ToSave& s : saves) saved += (s.tensor ? 1 : 0) + (s.list ? s.list->size() : 0);
  node->reserve_saved(saved);
  for (const ToSave& s : saves) {
    if (s.tensor) node->save_in_slot(s.slot, *s.tensor, is_output(*s.tensor), false);
    if (s.list)
      for (const Tensor& t : *s.list) node->save_in_slot(s.slot, t, is_output(t), true);
  }
}

// Note [Saved tensors are checked up front]: torch's nodes unpack every saved tensor
// when they run, whether or not the gradients asked for read it (gather's self, pow's
// result when only the base needs a gradient, a loss's integer target). A write into
// any of them therefore raises, and so does a second backward through a node that
// saved something. cgrad's formulas read saved tensors lazily, so the engine checks all
// of them first.
void Node::check_saved() {
  if (saved_.empty()) return;
  auto self = shared_from_this();
  for (const auto& s : saved_) s.check(self);
}

void Node::release_saved() {
  for (auto& s : saved_) s.release();
}

void SavedTensor::replace_with_copy() {
  // The copy keeps the old value's history (CloneBackward0), so gradients of gradients
  // still see how the saved value depends on the inputs.
  data_ = clone_contiguous(data_);
  version_ = data_->version->get();
}

// Note [In-place self and other]: torch's in-place op saves a copy of the original self
// but any other argument as it is, even when that argument is self itself
// (x.mul_(x), x.fmod_(x)): its saved `other` then sees the write and backward raises.
// So only the slot saved as `self` becomes a copy.
bool SavedTensor::is_self_input(const Tensor& t) const {
  return data_ == t && !is_output_ && slot_ == saved::self;
}

void Node::snapshot_saved(const Tensor& t) {
  for (auto& s : saved_)
    if (s.is_self_input(t)) s.replace_with_copy();
}

void SavedTensor::retarget_output(const Tensor& result, const Tensor& self) {
  if (!is_output_ || !data_ || data_->storage != result->storage) return;
  data_ = make_view(self, self->sizes, self->strides, self->offset);
  version_ = self->version->get();
}

void SavedTensor::follow_view_history(const Tensor& view,
                                      const std::shared_ptr<Node>& view_grad_fn) {
  if (is_output_ && data_ && data_->storage == view->storage) view_grad_fn_ = view_grad_fn;
}

void Node::retarget_saved_outputs(const Tensor& result, const Tensor& self) {
  for (auto& s : saved_) s.retarget_output(result, self);
}

void Node::saved_outputs_follow_view(const Tensor& view) {
  const std::shared_ptr<Node>& view_fn = view->grad_fn();
  if (!view_fn) return;
  for (auto& s : saved_) s.follow_view_history(view, view_fn);
}

void Node::add_next_edge(Edge edge, InputMeta meta) {
  next_edges_.push_back(std::move(edge));
  input_meta_.push_back(std::move(meta));
}

Edge gradient_edge(const Tensor& t) {
  if (!t->requires_grad()) return {};
  if (t->grad_fn()) return {t->grad_fn(), t->autograd->output_nr};
  // A leaf accumulates only if it was asked to itself: a view made under no_grad of a
  // base that requires grad reports requires_grad but collects nothing, as in torch.
  if (!t->autograd || !t->autograd->requires_grad) return {};
  return {grad_accumulator(t), 0};
}

// ---- wiring ----

void Node::set_next_edges(const Tensor* inputs, size_t count) {
  next_edges_.reserve(count);
  input_meta_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const Tensor& t = inputs[i];
    if (!t || !t->requires_grad()) {
      next_edges_.emplace_back();
      input_meta_.push_back({{}, DType::Float32});
      continue;
    }
    next_edges_.push_back(gradient_edge(t));
    input_meta_.push_back({t->sizes, t->dtype});
  }
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::records()) return false;
  for (const Tensor* t : inputs)
    if (*t && (*t)->requires_grad()) return true;
  return false;
}

bool compute_requires_grad(const TensorList& inputs) {
  if (!GradMode::records()) return false;
  for (const Tensor& t : inputs)
    if (t && t->requires_grad()) return true;
  return false;
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  auto& meta = leaf->autograd_meta();
  if (auto existing = meta.grad_accumulator.lock()) return existing;
  auto acc = std::allocate_shared<AccumulateGrad>(CachingAllocator<AccumulateGrad>(), leaf);
  meta.grad_accumulator = acc;
  return acc;
}

// ---- hooks ----

int64_t next_hook_id() {
  static std::atomic<int64_t> counter{0};
  return ++counter;
}

Node::Extras& Node::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

const std::vector<NamedSavedValue>& Node::saved_values() const {
  static const std::vector<NamedSavedValue> none;
  return extras_ ? extras_->values : none;
}

const std::string& Node::forward_trace() const {
  static const std::string none;
  return extras_ ? extras_->forward_trace : none;
}

int64_t Node::add_grad_hook(uint32_t output_nr, GradHook fn) {
  int64_t id = next_hook_id();
  extras().grad_hooks.push_back({id, output_nr, std::move(fn)});
  return id;
}

void Node::set_retain_grad_hook(uint32_t output_nr, GradHook fn) {
  for (auto& [nr, hook] : extras().retain_grad_hooks)
    if (nr == output_nr) {
      hook = std::move(fn);
      return;
    }
  extras_->retain_grad_hooks.emplace_back(output_nr, std::move(fn));
}

GradHook Node::take_retain_grad_hook(uint32_t output_nr) {
  if (!extras_) return {};
  auto& list = extras_->retain_grad_hooks;
  for (auto it = list.begin(); it != list.end(); ++it)
    if (it->first == output_nr) {
      GradHook hook = std::move(it->second);
      list.erase(it);
      return hook;
    }
  return {};
}

int64_t Node::add_pre_hook(NodePreHook fn) {
  int64_t id = next_hook_id();
  extras().pre_hooks.emplace_back(id, std::move(fn));
  return id;
}

int64_t Node::add_post_hook(NodePostHook fn) {
  int64_t id = next_hook_id();
  extras().post_hooks.emplace_back(id, std::move(fn));
  return id;
}

namespace {
template <class List, class Id>
bool erase_by_id(List& list, int64_t id, Id id_of) {
  for (auto it = list.begin(); it != list.end(); ++it)
    if (id_of(*it) == id) {
      list.erase(it);
      return true;
    }
  return false;
}

void run_hook_list(const std::vector<GradHookEntry>& hooks, TensorList& grads) {
  // A copy: a hook may add or remove hooks while it runs.
  std::vector<GradHookEntry> snapshot = hooks;
  for (auto& h : snapshot) {
    if (h.output_nr >= grads.size()) continue;  // an absent gradient is passed as None
    Tensor replaced = h.fn(grads[h.output_nr]);
    if (replaced) grads[h.output_nr] = replaced;
  }
}
}  // namespace

bool Node::remove_hook(int64_t id) {
  if (!extras_) return false;
  return erase_by_id(extras_->grad_hooks, id, [](auto& h) { return h.id; }) ||
         erase_by_id(extras_->pre_hooks, id, [](auto& h) { return h.first; }) ||
         erase_by_id(extras_->post_hooks, id, [](auto& h) { return h.first; });
}

void Node::clear_hooks() {
  if (!extras_) return;
  extras_->grad_hooks.clear();
  extras_->retain_grad_hooks.clear();
  extras_->pre_hooks.clear();
  extras_->post_hooks.clear();
}

void Node::run_grad_hooks(TensorList& grads) {
  if (!extras_) return;
  run_hook_list(extras_->grad_hooks, grads);
  // By index: a hook may set or take a retain_grad hook meanwhile (extras_ stays).
  auto& retain = extras_->retain_grad_hooks;
  for (size_t i = 0; i < retain.size(); ++i) {
    auto& [nr, hook] = retain[i];
    if (nr >= grads.size() || !grads[nr]) continue;
    const GradHook call = hook;  // the list may change while it runs
    call(grads[nr]);
  }
}

void Node::run_pre_hooks(TensorList& grads) {
  if (!extras_ || extras_->pre_hooks.empty()) return;
  auto snapshot = extras_->pre_hooks;
  for (auto& [id, hook] : snapshot)
    if (auto replaced = hook(grads)) grads = std::move(*replaced);
}

void Node::run_post_hooks(TensorList& grad_inputs, const TensorList& grad_outputs) {
  if (!extras_ || extras_->post_hooks.empty()) return;
  auto snapshot = extras_->post_hooks;
  for (auto& [id, hook] : snapshot)
    if (auto replaced = hook(grad_inputs, grad_outputs)) grad_inputs = std::move(*replaced);
}

int64_t register_tensor_hook(const Tensor& t, GradHook fn) {
  if (!t->requires_grad())
    throw std::runtime_error("cannot register a hook on a tensor that doesn't require gradient");
  if (t->grad_fn()) return t->grad_fn()->add_grad_hook(t->autograd->output_nr, std::move(fn));
  int64_t id = next_hook_id();
  t->autograd->hooks.push_back({id, 0, std::move(fn)});
  return id;
}

bool remove_tensor_hook(const Tensor& t, int64_t id) {
  if (!t->autograd) return false;
  if (t->grad_fn() && t->grad_fn()->remove_hook(id)) return true;
  auto& meta = *t->autograd;
  return erase_by_id(meta.hooks, id, [](auto& h) { return h.id; }) ||
         erase_by_id(meta.post_accumulate_hooks, id, [](auto& h) { return h.first; });
}

void retain_grad(const Tensor& t) {
  if (!t->requires_grad())
    throw std::runtime_error("can't retain_grad on Tensor that has requires_grad=False");
  // A leaf keeps its grad anyway. As torch, "leaf" is read from the recorded grad_fn
  // (Note [Leaf checks read the recorded grad_fn]): a view whose base took a history
  // after the view was made is a leaf here, and retains nothing.
  if (!t->has_recorded_grad_fn() || t->autograd->retains_grad) return;
  t->autograd->retains_grad = true;
  // Weak: the tensor owns its grad_fn, which owns this hook.
  std::weak_ptr<TensorImpl> weak = t;
  t->grad_fn()->set_retain_grad_hook(t->autograd->output_nr, [weak](const Tensor& g) {
    if (Tensor self = weak.lock()) {
      auto& meta = self->autograd_meta();
      if (!meta.grad) meta.grad = GradMode::is_enabled() ? g : clone_contiguous(g);
      else meta.grad = add(meta.grad, g);
    }
    return Tensor();
  });
}

// ---- AccumulateGrad ----

AccumulateGrad::AccumulateGrad(Tensor variable)
    : Node("torch::autograd::AccumulateGrad"), variable_(std::move(variable)) {}

void AccumulateGrad::run_grad_hooks(TensorList& grads) {
  if (variable_->autograd) run_hook_list(variable_->autograd->hooks, grads);
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor& g = grads[0];
  auto& meta = variable_->autograd_meta();
  if (g && g->is_absorbing_zero()) g = clone(g);  // .grad holds ordinary zeros, as torch's
  // Note [A leaf that stopped being one]: between the forward and this backward the leaf
  // may have been given a history (requires_grad_(False), then an in-place op with an
  // input that requires grad): torch refuses to accumulate into it. A leaf that merely
  // stopped requiring grad gets nothing, silently, as in torch.
  if (g && !variable_->is_leaf())
    throw std::runtime_error("leaf variable has been moved into the graph interior");
  if (g && !variable_->requires_grad()) return {};  // no hooks either, as torch's
  if (!g) {
    // Reached by no gradient: nothing to accumulate, but the hooks below run (as torch's).
  } else if (GradMode::is_enabled()) {  // create_graph: the gradient keeps its own history
    meta.grad = meta.grad ? add(meta.grad, g) : g;
  } else if (!meta.grad) {
    // Steal the incoming buffer only when nobody else can see it; a broadcast (stride 0)
    // or borrowed gradient is copied so later in-place accumulation is safe.
    bool exclusive = g.use_count() == 1 && g->is_contiguous() && !g->autograd &&
                     g->storage_is_exclusive();
    meta.grad = exclusive ? g : clone_contiguous(g);
  } else {
    add_(meta.grad, g);
  }
  auto post = meta.post_accumulate_hooks;  // a hook may add or remove hooks
  for (auto& [id, hook] : post) hook(variable_);
  return {};
}

}  // namespace cgrad
