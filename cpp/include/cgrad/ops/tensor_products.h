#pragma once
// Products of whole tensors built on mul and mm (definitions in
// cpp/src/ops/tensor_products.cpp), recorded as the nodes torch's compositions give.
#include "cgrad/tensor.h"

namespace cgrad {

// The Kronecker product: block (i, j, ...) of the result is a[i, j, ...] * b, after the
// lower-rank operand gains leading dims of size 1 (UnsafeViewBackward0 over MulBackward0).
Tensor kron(const Tensor& a, const Tensor& b);
// Sums the products of a and b over the dims dims_a[k] of a paired with dims_b[k] of b;
// the result has a's other dims, then b's (ViewBackward0 over MmBackward0).
Tensor tensordot(const Tensor& a, const Tensor& b, const DimList& dims_a, const DimList& dims_b);
// The usual form: a's last `dims` dims against b's first `dims`.
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims);
// Sum over the last dims of a and b (tensordot of dims -1 and -1); a 0-d operand
// multiplies instead (MulBackward0).
Tensor inner(const Tensor& a, const Tensor& b);

}  // namespace cgrad
