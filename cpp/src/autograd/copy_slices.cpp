#include "cgrad/autograd/copy_slices.h"

#include <stdexcept>
#include <string>

#include "cgrad/autograd/views.h"
#include "cgrad/ops.h"

namespace cgrad {

CopySlices::CopySlices(const Tensor& base, ViewGeometry view, std::shared_ptr<Node> fn)
    : Node("torch::autograd::CopySlices"),
      base_(geometry_of(*base)),
      view_(std::move(view)),
      fn_(std::move(fn)) {
  add_next_edge(gradient_edge(base), {base->sizes, base->dtype});
  for (size_t i = 1; i < fn_->next_edges().size(); ++i)
    add_next_edge(fn_->next_edges()[i], fn_->input_meta()[i]);
}

TensorList CopySlices::apply(TensorList&& grads) {
  // Written with differentiable ops (no in-place writes into the gradient) so that
  // create_graph=True differentiates through the write as well.
  const Tensor& grad = grads[0];
  Tensor slot = view_grad_from_base(grad, base_, view_);
  TensorList fn_grads = fn_->apply({slot});
  if (fn_grads.size() != fn_->next_edges().size())
    throw std::runtime_error(std::string("CopySlices: ") + fn_->name() +
                             " returned the wrong number of gradients");
  Tensor in_view = view_grad_to_base(full(view_.sizes, 1.0, DType::Bool), base_, view_);
  Tensor replaced = fn_grads[0] ? view_grad_to_base(fn_grads[0], base_, view_)
                                : full({}, 0.0, grad->dtype);
  TensorList out{where(in_view, replaced, grad)};
  for (size_t i = 1; i < fn_grads.size(); ++i) out.push_back(fn_grads[i]);
  return out;
}

void CopySlices::release_saved() { fn_->release_saved(); }

}  // namespace cgrad
