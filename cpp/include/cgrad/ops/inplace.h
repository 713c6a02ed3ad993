#pragma once
// In place (definitions in cpp/src/ops/inplace.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor& fill_(Tensor& a, double value);
Tensor& zero_(Tensor& a);
// No autograd recording yet: allowed where no graph is being built (Note [In-place ops
// and autograd]).
Tensor& add_(Tensor& a, const Tensor& b);
Tensor& sub_(Tensor& a, const Tensor& b);
Tensor& mul_(Tensor& a, const Tensor& b);
Tensor& div_(Tensor& a, const Tensor& b);

}  // namespace cgrad
