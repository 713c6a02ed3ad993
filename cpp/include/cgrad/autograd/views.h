#pragma once
// Differentiable views and in-place writes (Note [Views and in-place] in
// cpp/src/autograd/views.cpp): which views may be written, how a write rebases history,
// and how a view's grad_fn follows its base's.
#include <initializer_list>

#include "cgrad/autograd/node.h"
#include "cgrad/ops/view.h"

namespace cgrad {

// Makes `out`, which shares `input`'s memory, a differentiable view of input's base.
// `requested` is Default or MultiOutput; the grad mode in force and input's own record
// decide the rest, as torch's creation meta.
void mark_as_view(const Tensor& out, const Tensor& input,
                  ViewCreation requested = ViewCreation::Default);

// Raises torch's error if `view` may not be written in place while a graph is recorded
// (made under no_grad or inference mode, by a multi-output op, in a custom Function).
// indirect: its base or another view of it was written, and its grad_fn is wanted now.
void check_view_writable(const TensorImpl& view, bool indirect);

// Whether reading `t`'s history can raise check_view_writable's error: a view made under
// no_grad or inference mode, by a multi-output op, or in a custom Function.
inline bool may_refuse_history(const TensorImpl& t) {
  return t.view_base && t.view_creation != ViewCreation::Default;
}

// What torch's autograd layer does before an op runs its own checks (Note [Input
// histories are read first]): when a graph is recorded and some input requires grad, a
// `written` view that may not be written in place raises, then every input's grad_fn is
// read, which raises for a view that may not follow its base's new history. Null
// entries are skipped; `written` is the self of an in-place op, or null.
void read_input_histories(const TensorImpl* const* inputs, size_t count,
                          const TensorImpl* written = nullptr);
// The same for an op torch composes of others, at the point its own checks are done and
// it hands over to a recorded op.
void read_input_histories(std::initializer_list<const Tensor*> inputs);

// After `self` was overwritten by an op recorded as `fn`: a plain tensor takes fn (its
// output `output_nr`) as its grad_fn; a view's base takes CopySlices(fn), and the view
// reads its part back from it (fn must then have a single output).
void rebase_history(const Tensor& self, const std::shared_ptr<Node>& fn, uint32_t output_nr = 0);

// TensorImpl::grad_fn's slow path, for a view whose version moved since its grad_fn was
// set: the grad_fn becomes AsStridedBackward0 of the base's current history.
const std::shared_ptr<Node>& refresh_view_grad_fn(const TensorImpl& view);

// The gradient for a base, given the gradient `grad` of its view: zero outside the
// view's elements. Both geometries are in elements of their shared storage.
Tensor view_grad_to_base(const Tensor& grad, const ViewGeometry& base, const ViewGeometry& view);
// The reverse: the view's elements of a gradient laid out as the base (grad has the
// base's shape, any strides).
Tensor view_grad_from_base(const Tensor& grad, const ViewGeometry& base, const ViewGeometry& view);

inline ViewGeometry geometry_of(const TensorImpl& t) { return {t.sizes, t.strides, t.offset}; }

}  // namespace cgrad
