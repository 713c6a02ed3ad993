// Comparisons, predicates, logical and bitwise ops: never recorded. Comparisons compute
// in the promoted dtype; logical ops only ask "nonzero?", so they compute on bools.
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

namespace {
// Bitwise ops on the promoted dtype; `kernel` names torch's kernel in the dtype error.
Tensor bitwise(kernels::BinaryOp op, const char* kernel, const Tensor& a, const Tensor& b) {
  broadcast_shapes(a->sizes, b->sizes);  // torch reports mismatched shapes before dtypes
  DType t = result_type(a, b);
  if (is_floating(t)) throw detail::not_implemented_for(kernel, t);
  return detail::binary_forward(op, a, b, t, t);
}
}  // namespace

// Casting to bool maps each operand to "nonzero?" (NaN counts as true), then the bitwise
// kernels on bools are the logical ones.
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return detail::binary_forward(kernels::BinaryOp::BitwiseAnd, a, b, DType::Bool, DType::Bool);
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return detail::binary_forward(kernels::BinaryOp::BitwiseOr, a, b, DType::Bool, DType::Bool);
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  return detail::binary_forward(kernels::BinaryOp::BitwiseXor, a, b, DType::Bool, DType::Bool);
}

Tensor bitwise_and(const Tensor& a, const Tensor& b) {
  return bitwise(kernels::BinaryOp::BitwiseAnd, "bitwise_and_cpu", a, b);
}
Tensor bitwise_or(const Tensor& a, const Tensor& b) {
  return bitwise(kernels::BinaryOp::BitwiseOr, "bitwise_or_cpu", a, b);
}
Tensor bitwise_xor(const Tensor& a, const Tensor& b) {
  return bitwise(kernels::BinaryOp::BitwiseXor, "bitwise_xor_cpu", a, b);
}

}  // namespace cgrad
