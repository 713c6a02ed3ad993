#pragma once
// Matrix products (definitions in cpp/src/ops/linalg.cpp). Every product runs on the one
// kernel entry point kernels::gemm, transposed operands passed as flags, not copies.
#include <string>

#include "cgrad/scalar.h"
#include "cgrad/tensor.h"

namespace cgrad {

Tensor mm(const Tensor& a, const Tensor& b);   // 2-D x 2-D (MmBackward0)
Tensor bmm(const Tensor& a, const Tensor& b);  // 3-D x 3-D, same batch (BmmBackward0)
Tensor mv(const Tensor& a, const Tensor& v);   // 2-D x 1-D (MvBackward0)
Tensor dot(const Tensor& a, const Tensor& b);  // 1-D x 1-D (DotBackward0)
// torch.matmul: picks dot/mv/mm/bmm by rank, folding or broadcasting batch dims, and
// records the same view/expand/copy nodes torch does around them.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);  // a[:, None] * b (MulBackward0)
// beta * bias + alpha * (a @ b), bias broadcast to the product (AddmmBackward0).
// beta and alpha keep their Python kind: it decides the error of an integer product.
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta = 1,
             const Scalar& alpha = 1);
// beta * input + alpha * product, input broadcast to the product (Note [Adding a product]):
// of a matrix and a vector (AddmvBackward0), of two vectors' outer product
// (AddrBackward0, promoting dtypes as torch's), batch by batch (BaddbmmBackward0), and of
// a batch's products summed (AddbmmBackward0).
Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
             const Scalar& alpha = 1);
Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1,
            const Scalar& alpha = 1);
Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2,
               const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor addbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2,
              const Scalar& beta = 1, const Scalar& alpha = 1);
// In place: self = beta * self + alpha * product, recorded as the out-of-place op's node
// (Note [Adding a product in place]); the product must have self's shape.
Tensor& addmm_(Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
               const Scalar& alpha = 1);
Tensor& addmv_(Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
               const Scalar& alpha = 1);
Tensor& addr_(Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1,
              const Scalar& alpha = 1);
Tensor& baddbmm_(Tensor& self, const Tensor& batch1, const Tensor& batch2,
                 const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor& addbmm_(Tensor& self, const Tensor& batch1, const Tensor& batch2,
                const Scalar& beta = 1, const Scalar& alpha = 1);
// input @ weight^T + bias (bias may be null), with torch's choice of addmm / matmul.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias);
// Einstein summation over the operands, by diagonals, permutes, sums, products and bmm.
Tensor einsum(const std::string& equation, const TensorList& operands);

}  // namespace cgrad
