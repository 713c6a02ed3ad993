#pragma once
// TensorImpl: storage + sizes/strides/offset + dtype + version, and autograd metadata
// only when autograd is involved. `Tensor` is a shared handle; null means undefined.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cgrad/dtype.h"
#include "cgrad/scalar.h"
#include "cgrad/shape.h"
#include "cgrad/storage.h"

namespace cgrad {

struct TensorImpl;
class Node;
using Tensor = std::shared_ptr<TensorImpl>;
// From the caching allocator: every node builds a few per backward (Note [Node allocations]).
using TensorList = std::vector<Tensor, CachingAllocator<Tensor>>;

// A hook on the gradient flowing into a tensor (Note [Hooks] in autograd/node.h): it may
// return a replacement gradient (undefined: keep it).
using GradHook = std::function<Tensor(const Tensor&)>;
struct GradHookEntry {
  int64_t id;
  uint32_t output_nr;  // which output of the node it watches (0 for a leaf's own hooks)
  GradHook fn;
};
using PostAccumulateHookEntry = std::pair<int64_t, std::function<void(const Tensor&)>>;

struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;
  // A leaf's gradient hooks (run before accumulation) and post-accumulate hooks; a
  // non-leaf's hooks live on its grad_fn.
  std::vector<GradHookEntry> hooks;
  std::vector<PostAccumulateHookEntry> post_accumulate_hooks;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;          // null for leaves
  std::weak_ptr<Node> grad_accumulator;   // leaves: the AccumulateGrad node, made lazily
  uint32_t output_nr = 0;
  // Opaque state owned by the Python layer (the Python hooks above, for its GC).
  std::shared_ptr<void> python_state;
};

// AutogradMeta comes from the caching allocator (Note [Node allocations]).
struct AutogradMetaDeleter {
  void operator()(AutogradMeta* meta) const;
};

// Note [Version counter ownership]: a tensor's version counter is nearly always the one
// in its own storage (views share the storage, hence the counter), and the storage
// pointer already keeps that alive, so it is held by a plain pointer. (An aliasing
// shared_ptr into the storage cost a locked increment and decrement per tensor.) Only
// `.data` (a fresh counter) and `.data =` (which keeps the tensor's counter while its
// storage is replaced) hold their counter through `owner_`.
class VersionRef {
 public:
  VersionRef() = default;
  explicit VersionRef(VersionCounter* in_own_storage) : counter_(in_own_storage) {}
  explicit VersionRef(std::shared_ptr<VersionCounter> owned)
      : counter_(owned.get()), owner_(std::move(owned)) {}
  VersionCounter* operator->() const { return counter_; }
  VersionCounter* get() const { return counter_; }

 private:
  VersionCounter* counter_ = nullptr;
  std::shared_ptr<VersionCounter> owner_;  // null when the counter is the storage's
};

// How a differentiable view came to be, as torch's CreationMeta: only views made the
// ordinary way may be written in place while autograd records (Note [Views and in-place]).
enum class ViewCreation : uint8_t {
  Default,
  NoGradMode,         // made with grad mode off
  InferenceMode,      // made in inference mode
  MultiOutput,        // one of several views one op returned (split, unbind, chunk)
  InCustomFunction,   // returned by a custom Function's forward
};

struct TensorImpl {
  TensorImpl(std::shared_ptr<Storage> storage, Shape sizes, Shape strides, int64_t offset,
             DType dtype);
  ~TensorImpl();

  std::shared_ptr<Storage> storage;
  Shape sizes;
  Shape strides;  // in elements
  int64_t offset = 0;  // in elements
  DType dtype;
  bool is_wrapped_number = false;  // a Python scalar; ranks lowest in type promotion
  bool is_inference;               // made under inference mode
  // Differentiable views (Note [Views and in-place]) only: how the view was made, and the
  // version of the shared counter its grad_fn was last set at (torch's attr_version).
  ViewCreation view_creation = ViewCreation::Default;
  mutable uint32_t view_version = 0;
  // For tensors made by a view op: the tensor that owns the memory (never itself a
  // view). In-place writes through a view rebase the base's history (CopySlices).
  Tensor view_base;
  VersionRef version;
  std::unique_ptr<AutogradMeta, AutogradMetaDeleter> autograd;
  // Note [Absorbing zeros] (ops/arithmetic.cpp): a gradient that is zero by construction
  // and stays zero in products, as torch's efficient zero tensor; valid until the memory
  // is written (the version moves) or handed out raw (numpy, DLPack, .data).
  bool absorbing_zero = false;
  uint32_t absorbing_zero_version = 0;
  bool is_absorbing_zero() const { return absorbing_zero && version->get() == absorbing_zero_version; }

  int64_t dim() const { return static_cast<int64_t>(sizes.size()); }
  // Inline: every op asks them, several times.
  int64_t numel() const {
    uint64_t n = 1;  // modulo 2**64: exact for the counts tensors have (Note [Element counts])
    for (int64_t s : sizes) n *= static_cast<uint64_t>(s);
    return static_cast<int64_t>(n);
  }
  bool is_contiguous() const {
    if (numel() == 0) return true;  // as torch: nothing to lay out
    int64_t expected = 1;
    for (size_t i = sizes.size(); i-- > 0;) {
      if (sizes[i] == 1) continue;
      if (strides[i] != expected) return false;
      expected *= sizes[i];
    }
    return true;
  }
  // Whether the elements fill a block of memory without gaps, each at its own place (a
  // contiguous tensor with its dims in some order).
  bool is_non_overlapping_and_dense() const;
  template <class T> T* data() const {
    return static_cast<T*>(storage->data()) + offset;
  }
  void* raw_data() const {
    return static_cast<char*>(storage->data()) + offset * static_cast<int64_t>(itemsize(dtype));
  }

  // No other tensor (view, alias) shares this buffer.
  bool storage_is_exclusive() const { return storage.use_count() == 1; }

  // A view also requires grad when its base does, as in torch (even one made under
  // no_grad, which then has no grad_fn and is a leaf).
  bool requires_grad() const {
    return (autograd && autograd->requires_grad) || (view_base && view_base->requires_grad());
  }
  // For a view whose base (or another view of it) was written in place since its grad_fn
  // was set, this first regenerates the grad_fn from the base's new history.
  const std::shared_ptr<Node>& grad_fn() const;
  bool is_leaf() const { return !grad_fn(); }
  // Note [Leaf checks read the recorded grad_fn]: torch's own checks (in-place on a leaf,
  // requires_grad_) ask whether a grad_fn was recorded, without regenerating a view's
  // first: a view made while its base needed no grad stays a leaf to them, even once the
  // base's history has moved on (until its grad_fn is read). Python's t.is_leaf does
  // regenerate. Both are kept apart here so that each check raises exactly where torch's does.
  bool has_recorded_grad_fn() const { return autograd && autograd->grad_fn; }
  AutogradMeta& autograd_meta();  // creates it on first use
  // Leaf only: raises torch's error for non-floating dtypes.
  void set_requires_grad(bool value);
};

// How many TensorImpls and Nodes exist now: leak tests watch these.
int64_t live_tensor_count();
int64_t live_node_count();

// Fresh contiguous tensor with uninitialised contents.
Tensor empty(Shape sizes, DType dtype);
// A view of `base`'s storage (shares the version counter, no autograd metadata).
Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset);
Tensor scalar_tensor(Scalar value, DType dtype);
// A 0-d tensor standing for a Python scalar in an op (`x + 2`).
Tensor wrapped_scalar(Scalar value, DType dtype);

// Element access for scalars and tests: reads element `flat` in row-major order.
double item_as_double(const TensorImpl& t, int64_t flat = 0);
int64_t item_as_int64(const TensorImpl& t, int64_t flat = 0);
// The element as a Scalar of its dtype's kind (exact for int64).
Scalar item_as_scalar(const TensorImpl& t, int64_t flat = 0);

}  // namespace cgrad
