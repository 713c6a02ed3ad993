#include "cgrad/autograd/copy_slices.h"

#include <stdexcept>
#include <string>

#include "cgrad/ops.h"
#include "kernels/kernels.h"

namespace cgrad {

CopySlices::CopySlices(const Tensor& base, ViewGeometry region, std::shared_ptr<Node> fn)
    : Node("torch::autograd::CopySlices"), region_(std::move(region)), fn_(std::move(fn)) {
  add_next_edge(gradient_edge(base), {base->sizes, base->dtype});
  for (size_t i = 1; i < fn_->next_edges().size(); ++i)
    add_next_edge(fn_->next_edges()[i], fn_->input_meta()[i]);
}

TensorList CopySlices::apply(TensorList&& grads) {
  const Tensor& grad = grads[0];
  Tensor result = clone(grad);  // fresh and contiguous: the region is addressable
  Tensor slot = make_view(result, region_.sizes, region_.strides, region_.offset);
  TensorList fn_grads = fn_->apply({clone(slot)});
  if (fn_grads.size() != fn_->next_edges().size())
    throw std::runtime_error(std::string("CopySlices: ") + fn_->name() +
                             " returned the wrong number of gradients");
  if (fn_grads[0]) kernels::copy(*fn_grads[0], *slot);
  else kernels::fill(*slot, 0.0);
  TensorList out{result};
  for (size_t i = 1; i < fn_grads.size(); ++i) out.push_back(fn_grads[i]);
  return out;
}

void CopySlices::release_saved() { fn_->release_saved(); }

}  // namespace cgrad
