// TensorImpl's members that reach into the graph, kept apart from cpp/src/tensor.cpp so
// the tensor layer includes no graph header (Note [Layers] in CMakeLists.txt).
#include "cgrad/autograd/node.h"
#include "cgrad/autograd/views.h"
#include "cgrad/tensor.h"
#include "live_counts.h"

namespace cgrad {

TensorImpl::~TensorImpl() {
  live_counts::add(live_counts::kTensors, -1);
  if (autograd && autograd->grad_fn) release_iteratively(std::move(autograd->grad_fn));
}

const std::shared_ptr<Node>& TensorImpl::grad_fn() const {
  static const std::shared_ptr<Node> none;
  if (view_base && view_version != version->get()) return refresh_view_grad_fn(*this);
  return autograd ? autograd->grad_fn : none;
}

}  // namespace cgrad
