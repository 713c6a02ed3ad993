#pragma once
// CopySlices: the node a base tensor gets when one of its views is written in place.
#include "cgrad/autograd/node.h"
#include "cgrad/ops/view.h"

namespace cgrad {

// Note [CopySlices]: after `view.op_(...)`, the base's new value is "old base, with the
// view's elements replaced by op(old view, ...)". Its gradient is the incoming gradient
// at every other element and, at the view's, what `fn` (op's node) sends to its first
// input; fn's other inputs get fn's other gradients. The view's elements are selected,
// not subtracted out, so an infinite gradient elsewhere stays infinite.
class CopySlices final : public Node {
 public:
  // `base` with its history from before the write; `view` is the written view's
  // geometry in their shared storage.
  CopySlices(const Tensor& base, ViewGeometry view, std::shared_ptr<Node> fn);
  TensorList apply(TensorList&& grads) override;
  void release_saved() override;
  void check_saved() override;
  WithoutGrads without_grads() const override { return WithoutGrads::Skip; }

 private:
  ViewGeometry base_;
  ViewGeometry view_;
  std::shared_ptr<Node> fn_;
};

}  // namespace cgrad
