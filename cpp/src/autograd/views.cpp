#include "cgrad/autograd/views.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "cgrad/autograd/copy_slices.h"
#include "cgrad/autograd/anomaly_mode.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/ops.h"

namespace cgrad {

// Note [Views and in-place]: a view shares its base's memory and version counter, so a
// write to the base, or to any view of it, changes the view's value too — and with it
// the view's history. As torch does, history follows the memory:
// - Writing a view `v.op_(...)` records op as node N; the base's history becomes
//   CopySlices(N) (Note [CopySlices]): "the old base, with v's region replaced by N's
//   result".
// - Every view remembers the version its grad_fn was set at. When the version has moved
//   (its base or any view of the base was written since), reading its grad_fn first
//   replaces it with AsStridedBackward0: "my elements, read from the base's current
//   history". So a view taken before `y.mul_(2)` sees the doubled y, as torch's does.
//   The written view itself gets its new grad_fn the same way.
// - A view also requires grad when its base does.
// Some views may not be written in place while a graph is recorded, because no history
// could be right for them (ViewCreation): views made under no_grad or inference mode,
// the outputs of ops returning several views (their one node cannot be split), and views
// a custom Function returned (CopySlices would bypass its backward). Writing one raises
// torch's error, and so does reading its grad_fn after its base was written.

namespace {

ViewCreation creation_in_current_mode(ViewCreation requested) {
  if (InferenceMode::is_enabled()) return ViewCreation::InferenceMode;
  if (!GradMode::is_enabled()) return ViewCreation::NoGradMode;
  return requested;
}

// A view of a view inherits its input's record unless it has one of its own; inference
// mode is never overridden.
ViewCreation propagate(ViewCreation input, ViewCreation now) {
  if (now == ViewCreation::Default) return input;
  return input == ViewCreation::InferenceMode ? input : now;
}

// "SliceBackward0" -> "Slice": torch names the op in these messages without the suffix.
std::string op_name(const Node& n) {
  std::string name = n.name();
  auto pos = name.rfind("Backward");
  return pos == std::string::npos ? name : name.substr(0, pos);
}

}  // namespace

void mark_as_view(const Tensor& out, const Tensor& input, ViewCreation requested) {
  out->view_base = input->view_base ? input->view_base : input;
  out->view_version = out->version->get();
  ViewCreation now = creation_in_current_mode(requested);
  out->view_creation = input->view_base ? propagate(input->view_creation, now) : now;
}

void check_view_writable(const TensorImpl& view, bool indirect) {
  const ViewCreation creation = view.view_creation;
  if (creation == ViewCreation::Default) return;
  // The node the view was made by; none when it was made without recording.
  const Node* fn = view.autograd ? view.autograd->grad_fn.get() : nullptr;
  const std::string modified =
      indirect ? "its base or another view of its base has been" : "is being";
  std::string msg;
  if (creation == ViewCreation::InferenceMode || creation == ViewCreation::NoGradMode || !fn) {
    std::string prefix = fn ? "Output " + std::to_string(view.autograd->output_nr) + " of " +
                                  op_name(*fn) + " is a view of a view which was created in"
                            : std::string("A view was created in");
    msg = creation == ViewCreation::InferenceMode
              ? prefix + " inference mode and " + modified + " modified inplace in normal mode."
              : prefix + " no_grad mode and " + modified +
                    " modified inplace with grad mode enabled.";
  } else {
    msg = "Output " + std::to_string(view.autograd->output_nr) + " of " + op_name(*fn) +
          " is a view and " + modified + " modified inplace.";
  }
  switch (creation) {
    case ViewCreation::MultiOutput:
      msg += " This view is the output of a function that returns multiple views. Such "
             "functions do not allow the output views to be modified inplace. You should "
             "replace the inplace operation by an out-of-place one.";
      break;
    case ViewCreation::NoGradMode:
    case ViewCreation::InferenceMode: {
      const char* block =
          creation == ViewCreation::NoGradMode ? "no_grad" : "inference_mode";
      msg += std::string(" Given that this use case is ambiguous and error-prone, it is "
                         "forbidden. You can clarify your code by moving both the view and the "
                         "inplace either both inside the ") + block +
             " block (if you don't want the inplace to be tracked) or both outside (if you "
             "want the inplace to be tracked).";
      break;
    }
    case ViewCreation::InCustomFunction:
      msg += " This view was created inside a custom Function (or because an input was "
             "returned as-is) and the autograd logic to handle view+inplace would override "
             "the custom backward associated with the custom Function, leading to incorrect "
             "gradients. This behavior is forbidden. You can fix this by cloning the output "
             "of the custom Function.";
      break;
    case ViewCreation::Default:
      break;
  }
  throw std::runtime_error(msg);
}

// Note [Input histories are read first]: torch's autograd layer wraps each op and runs
// before the op's own checks: an in-place op first refuses a self that may not be
// written (check_view_writable, direct), then any op that will record a node — grad mode
// on, some input requiring grad — reads every input's grad_fn to link the node, which
// raises for a stale view that may not follow its base's history. So such a view among
// the inputs makes an op raise that error ahead of its shape, dtype and dim errors
// (`split(x)[0] & 0.5` after x.mul_(2) raises the view error, not bitwise_and's dtype
// error). cgrad's ops record after they compute, so the bindings read the histories
// before dispatch (cpp/bindings/input_histories.cpp), for the ops torch records
// (comparisons, argmax and other ops torch never differentiates read nothing), and ops
// that torch composes of others, whose own checks come first, read them at the point
// they hand over.
void read_input_histories(const TensorImpl* const* inputs, size_t count,
                          const TensorImpl* written) {
  if (!GradMode::records()) return;
  bool any_may_refuse = false;
  for (size_t i = 0; i < count && !any_may_refuse; ++i)
    any_may_refuse = inputs[i] && may_refuse_history(*inputs[i]);
  if (!any_may_refuse) return;  // reading the others' histories cannot raise
  bool any_requires_grad = false;
  for (size_t i = 0; i < count && !any_requires_grad; ++i)
    any_requires_grad = inputs[i] && inputs[i]->requires_grad();
  if (!any_requires_grad) return;
  if (written && written->view_base) check_view_writable(*written, /*indirect=*/false);
  for (size_t i = 0; i < count; ++i)
    if (inputs[i]) (void)inputs[i]->grad_fn();
}

void read_input_histories(std::initializer_list<const Tensor*> inputs) {
  bool any_may_refuse = false;
  for (const Tensor* t : inputs) any_may_refuse = any_may_refuse || (*t && may_refuse_history(**t));
  if (!any_may_refuse) return;
  std::vector<const TensorImpl*> impls;
  for (const Tensor* t : inputs) impls.push_back(t->get());
  read_input_histories(impls.data(), impls.size());
}

namespace {

// A tensor that retains its gradient keeps doing so for its new history: the hook that
// fills .grad moves to the new grad_fn, as in torch (the user's own hooks stay with the
// old value's node).
void move_retain_grad_hook(const TensorImpl& t, Node* old_fn, uint32_t old_output_nr,
                           Node& new_fn) {
  if (!t.autograd || !t.autograd->retains_grad || !old_fn || old_fn == &new_fn) return;
  if (GradHook hook = old_fn->take_retain_grad_hook(old_output_nr))
    new_fn.set_retain_grad_hook(t.autograd->output_nr, std::move(hook));
}

// `t` (not a view) takes output `output_nr` of `fn` as the history of its new value.
void set_new_history(const Tensor& t, const std::shared_ptr<Node>& fn, uint32_t output_nr) {
  std::shared_ptr<Node> old_fn = t->grad_fn();
  auto& meta = t->autograd_meta();
  uint32_t old_output_nr = meta.output_nr;
  meta.requires_grad = true;
  meta.grad_fn = fn;
  meta.output_nr = output_nr;
  move_retain_grad_hook(*t, old_fn.get(), old_output_nr, *fn);
  release_iteratively(std::move(old_fn));
}

}  // namespace

void rebase_history(const Tensor& self, const std::shared_ptr<Node>& fn, uint32_t output_nr) {
  if (!self->view_base) return set_new_history(self, fn, output_nr);
  const Tensor& base = self->view_base;
  auto copy_slices = std::allocate_shared<CopySlices>(CachingAllocator<CopySlices>(), base,
                                                      geometry_of(*self), fn);
  if (AnomalyMode::is_enabled()) copy_slices->set_forward_trace(fn->forward_trace());
  set_new_history(base, copy_slices, 0);
  self->grad_fn();  // the version moved: the view reads its part of the new history
}

const std::shared_ptr<Node>& refresh_view_grad_fn(const TensorImpl& view) {
  static const std::shared_ptr<Node> none;
  const Tensor& base = view.view_base;
  const std::shared_ptr<Node>& current = view.autograd ? view.autograd->grad_fn : none;
  if (!current && !base->requires_grad()) return current;  // no history to follow
  check_view_writable(view, /*indirect=*/true);
  ViewGeometry base_geometry = geometry_of(*base), view_geometry = geometry_of(view);
  auto node = make_node("AsStridedBackward0", {base},
                        [base_geometry, view_geometry](Node&, TensorList& g) -> TensorList {
                          if (as_strided_grad_is_zero(base_geometry.sizes, view_geometry.sizes))
                            return {full(base_geometry.sizes, 0.0, g[0]->dtype)};
                          return {view_grad_to_base(g[0], base_geometry, view_geometry)};
                        });
  std::shared_ptr<Node> old_fn = current;
  auto& meta = const_cast<TensorImpl&>(view).autograd_meta();
  uint32_t old_output_nr = meta.output_nr;
  meta.requires_grad = true;
  meta.grad_fn = node;
  meta.output_nr = 0;
  move_retain_grad_hook(view, old_fn.get(), old_output_nr, *node);
  view.view_version = view.version->get();
  release_iteratively(std::move(old_fn));
  return meta.grad_fn;
}

namespace {

bool is_contiguous_geometry(const ViewGeometry& g) {
  int64_t expected = 1;
  for (size_t i = g.sizes.size(); i-- > 0;) {
    if (g.sizes[i] == 1) continue;
    if (g.strides[i] != expected) return false;
    expected *= g.sizes[i];
  }
  return true;
}

ViewGeometry shifted(ViewGeometry g, int64_t by) {
  g.offset += by;
  return g;
}

// How many storage elements a geometry spans from its offset (strides are never
// negative here).
int64_t span_of(const ViewGeometry& g) {
  int64_t last = 0;
  for (size_t d = 0; d < g.sizes.size(); ++d) {
    if (g.sizes[d] == 0) return 0;
    last += (g.sizes[d] - 1) * g.strides[d];
  }
  return last + 1;
}

}  // namespace

Tensor view_grad_to_base(const Tensor& grad, const ViewGeometry& base, const ViewGeometry& view) {
  if (is_contiguous_geometry(base))
    return embed_in_zeros(grad, base.sizes, shifted(view, -base.offset));
  // A base laid out with gaps or permuted: place the gradient in a buffer laid out as the
  // storage, then read the base's elements out of it.
  Tensor storage_grad = embed_in_zeros(grad, {span_of(base)}, shifted(view, -base.offset));
  return as_strided_region(storage_grad, shifted(base, -base.offset));
}

Tensor view_grad_from_base(const Tensor& grad, const ViewGeometry& base, const ViewGeometry& view) {
  if (is_contiguous_geometry(base)) return as_strided_region(grad, shifted(view, -base.offset));
  Tensor storage_grad = embed_in_zeros(grad, {span_of(base)}, shifted(base, -base.offset));
  return as_strided_region(storage_grad, shifted(view, -base.offset));
}

}  // namespace cgrad
