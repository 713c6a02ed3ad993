#pragma once
// Arithmetic (definitions in cpp/src/ops/arithmetic.cpp).
#include "cgrad/tensor.h"

namespace cgrad {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor rsub(const Tensor& a, const Tensor& b);  // b - a, recorded as RsubBackward1
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& a);
Tensor reciprocal(const Tensor& a);

}  // namespace cgrad
