#pragma once
// Pointwise math (definitions in cpp/src/ops/unary.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);

}  // namespace cgrad
