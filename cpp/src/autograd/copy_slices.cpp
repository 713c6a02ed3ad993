#include "cgrad/autograd/copy_slices.h"

#include <stdexcept>
#include <string>

#include "cgrad/ops.h"

namespace cgrad {

CopySlices::CopySlices(const Tensor& base, ViewGeometry region, std::shared_ptr<Node> fn)
    : Node("torch::autograd::CopySlices"), region_(std::move(region)), fn_(std::move(fn)) {
  add_next_edge(gradient_edge(base), {base->sizes, base->dtype});
  for (size_t i = 1; i < fn_->next_edges().size(); ++i)
    add_next_edge(fn_->next_edges()[i], fn_->input_meta()[i]);
}

TensorList CopySlices::apply(TensorList&& grads) {
  // Written with differentiable ops (no in-place writes into the gradient) so that
  // create_graph=True differentiates through the write as well.
  const Tensor& grad = grads[0];
  Tensor slot = as_strided_region(grad, region_);
  TensorList fn_grads = fn_->apply({slot});
  if (fn_grads.size() != fn_->next_edges().size())
    throw std::runtime_error(std::string("CopySlices: ") + fn_->name() +
                             " returned the wrong number of gradients");
  // Outside the region the gradient passes through; inside, it is fn's gradient for the
  // view's old value (zero where fn sends none).
  Tensor result = sub(grad, embed_in_zeros(slot, grad->sizes, region_));
  if (fn_grads[0]) result = add(result, embed_in_zeros(fn_grads[0], grad->sizes, region_));
  TensorList out{result};
  for (size_t i = 1; i < fn_grads.size(); ++i) out.push_back(fn_grads[i]);
  return out;
}

void CopySlices::release_saved() { fn_->release_saved(); }

}  // namespace cgrad
