#pragma once
// CopySlices: the node a base tensor gets when one of its views is written in place.
#include "cgrad/autograd/node.h"
#include "cgrad/ops/view.h"

namespace cgrad {

// Note [CopySlices]: after `view.op_(...)`, the base's new value is "old base, with the
// region of the view replaced by op(old view, ...)". Its gradient is the incoming
// gradient everywhere outside the region, and, inside it, what `fn` (op's node) sends
// to its first input; fn's other inputs get fn's other gradients.
class CopySlices final : public Node {
 public:
  // `base` with its history from before the write; `region` is the view's place in
  // base's contiguous layout.
  CopySlices(const Tensor& base, ViewGeometry region, std::shared_ptr<Node> fn);
  TensorList apply(TensorList&& grads) override;
  void release_saved() override;

 private:
  ViewGeometry region_;
  std::shared_ptr<Node> fn_;
};

}  // namespace cgrad
