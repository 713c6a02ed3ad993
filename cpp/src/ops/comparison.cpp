// Comparisons: computed in the promoted dtype, bool results, never recorded.
#include "ops/common.h"

namespace cgrad {

namespace {
Tensor compare(kernels::BinaryOp op, const Tensor& a, const Tensor& b) {
  return detail::binary_forward(op, a, b, result_type(a, b), DType::Bool);
}
}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(kernels::BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(kernels::BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(kernels::BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(kernels::BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(kernels::BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(kernels::BinaryOp::Ge, a, b); }

}  // namespace cgrad
