#pragma once
// Forward plumbing shared by the op files: casting and kernel calls without autograd.
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/node.h"
#include "cgrad/errors.h"
#include "cgrad/ops.h"
#include "kernels/kernels.h"

namespace cgrad::detail {

// `t` in `dtype` (itself when it already is); never recorded.
Tensor cast(const Tensor& t, DType dtype);
// Broadcasts a and b, computes in `compute`, writes an `out_dtype` result.
Tensor binary_forward(kernels::BinaryOp op, const Tensor& a, const Tensor& b, DType compute,
                      DType out_dtype, kernels::OpParams params = {});
Tensor unary_forward(kernels::UnaryOp op, const Tensor& a, DType dtype,
                     kernels::OpParams params = {});
// For ops whose result dtype differs from the compute dtype (isnan: any -> Bool).
Tensor unary_forward(kernels::UnaryOp op, const Tensor& a, DType compute, DType out_dtype,
                     kernels::OpParams params = {});
// torch's error for a dtype a kernel lacks: "\"<kernel>\" not implemented for 'Long'".
inline NotImplementedError not_implemented_for(const char* kernel, DType t) {
  return NotImplementedError(std::string("\"") + kernel + "\" not implemented for '" +
                             dtype_torch_name(t) + "'");
}
// torch's refusal of `-` with a bool operand (in or out of place).
void check_sub_operands(const Tensor& a, const Tensor& b);
// check_scalar_fits (cgrad/scalar.h) for a Python number wrapped as a tensor; tensors of
// any other kind pass.
inline void check_scalar_fits(const Tensor& maybe_wrapped, DType dtype) {
  if (maybe_wrapped && maybe_wrapped->is_wrapped_number)
    check_scalar_fits(item_as_scalar(*maybe_wrapped), dtype);
}
// A reduced gradient brought back to the input's rank (1 in the dims `mask` marks), unless
// the reduction kept them (reduction.cpp).
Tensor unreduce(const Tensor& g, const std::vector<bool>& mask, bool keepdim);
// A Python-scalar-like constant for backward formulas (ranks lowest in promotion).
inline Tensor constant(double v) { return wrapped_scalar(v, DType::Float64); }

}  // namespace cgrad::detail
