#pragma once
// Forward plumbing shared by the op files: casting and kernel calls without autograd.
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/node.h"
#include "cgrad/errors.h"
#include "cgrad/ops.h"
#include "kernels/kernels.h"

namespace cgrad::detail {

// `t` in `dtype` (itself when it already is), laid out as torch's t.to(dtype) lays it out
// (preserve_format); never recorded.
Tensor cast(const Tensor& t, DType dtype);
// How an elementwise result is laid out: in its inputs' memory order (torch's binary ops,
// where a Python number takes part as a 0-d operand), in the order of its tensor inputs
// alone (torch's unary ops with a number argument: pow(x, 2), clamp(x, 0, 1)), or plainly
// (pow(2, x), whose result torch allocates before it looks at the exponent).
enum class OutputLayout { kInputs, kTensorInputs, kPlain };
// Broadcasts a and b, computes in `compute`, writes an `out_dtype` result.
Tensor binary_forward(kernels::BinaryOp op, const Tensor& a, const Tensor& b, DType compute,
                      DType out_dtype, kernels::OpParams params = {},
                      OutputLayout layout = OutputLayout::kInputs);
Tensor unary_forward(kernels::UnaryOp op, const Tensor& a, DType dtype,
                     kernels::OpParams params = {});
// For ops whose result dtype differs from the compute dtype (isnan: any -> Bool).
Tensor unary_forward(kernels::UnaryOp op, const Tensor& a, DType compute, DType out_dtype,
                     kernels::OpParams params = {});
// An uninitialized result in the memory order torch's TensorIterator gives the inputs
// (Note [Output layout of elementwise ops]); absent inputs (null) do not vote. Pass the
// inputs as converted to the op's common dtype (cast): torch converts before it orders.
Tensor empty_in_input_layout(Shape shape, DType dtype,
                             std::initializer_list<const TensorImpl*> inputs);
// `out`, made by a composite of ops, in the layout empty_in_input_layout gives `inputs`
// (what torch's one TensorIterator kernel gives): `out` itself if it has it, else a copy.
Tensor in_input_layout(const Tensor& out, std::initializer_list<const TensorImpl*> inputs);
// The same with the layout of empty_preserving_layout(t) (torch's ops that start from
// empty_like(self)).
Tensor in_preserved_layout(const Tensor& out, const TensorImpl& t);
// The same from the operands' strides, each already aligned to `shape` (0: broadcast).
Tensor empty_in_layout(Shape shape, DType dtype, const std::vector<Shape>& strides);
// torch's preserve_format (clone, .to, *_like): t's own strides where t is non-overlapping
// and dense (an empty t always is), else dense strides in t's order of dims.
Shape preserved_strides(const TensorImpl& t);
Tensor empty_preserving_layout(const TensorImpl& t, DType dtype);
// torch's error for a dtype a kernel lacks: "\"<kernel>\" not implemented for 'Long'".
inline NotImplementedError not_implemented_for(const char* kernel, DType t) {
  return NotImplementedError(std::string("\"") + kernel + "\" not implemented for '" +
                             dtype_torch_name(t) + "'");
}
// A raw (unrecorded) view of `t` with other sizes over t's data, or over a contiguous copy
// of it when t is strided: what a kernel reading plain [planes, ...] buffers needs.
Tensor dense_as(const Tensor& t, const Shape& sizes);
// torch's refusal, in adaptive average pooling's backward, of a gradient (an output) with
// an empty non-batch dim; `op` names the backward (adaptive_avg_pool2d_backward).
void check_adaptive_pool_grad(const Tensor& grad, const char* op);
// Records torch's NotImplemented node on `out` (Note [Ops without a derivative]).
void record_not_implemented(const Tensor& out, const char* aten_op, const Tensor& a,
                            const Tensor& b);
// torch's refusal of `-` with a bool operand (in or out of place).
void check_sub_operands(const Tensor& a, const Tensor& b);
// check_scalar_fits (cgrad/scalar.h) for a Python number wrapped as a tensor; tensors of
// any other kind pass.
inline void check_scalar_fits(const Tensor& maybe_wrapped, DType dtype) {
  if (maybe_wrapped && maybe_wrapped->is_wrapped_number)
    check_scalar_fits(item_as_scalar(*maybe_wrapped), dtype);
}
// The dtype of a float function of `a`: a's own when floating, else the default float.
inline DType float_result(const Tensor& a) {
  return is_floating(a->dtype) ? a->dtype : default_float();
}
// torch's zeros_like(grad): the gradient of piecewise-constant functions (not grad * 0,
// which would turn an inf or NaN gradient into NaN).
inline Tensor zeros_like(const Tensor& t) { return full(t->sizes, 0.0, t->dtype); }
// Reduction helpers shared by reduction.cpp (which defines them) and the composed ops:
// a reduced gradient brought back to the input's rank (1 in the dims `mask` marks)
// unless the reduction kept them; the dims `mask` marks as a list;
Tensor unreduce(const Tensor& g, const std::vector<bool>& mask, bool keepdim);
DimList reduced_dims(const std::vector<bool>& mask);
// d var / dx for a variance over the dims `mask` marks (`dims_given`: reduced over an
// explicit dim list), and a std's gradient turned into its variance's (0 where std is 0).
Tensor var_backward(const Tensor& g, const Tensor& x, const std::vector<bool>& mask,
                    bool dims_given, double correction, bool keepdim, double count);
Tensor std_grad_to_var_grad(const Tensor& g, const Tensor& std_out);
// d mean / dx for a mean of `count` elements over the dims `mask` marks (`dims_given`: an
// explicit dim list), to an input of `sizes` (Note [Mean backward divides after expanding]).
Tensor mean_backward(const Tensor& g, const std::vector<bool>& mask, bool keepdim, bool dims_given,
                     double count, const Shape& sizes);
// var (std with take_sqrt) of `a` over `dims`, no graph recorded; with `mean_out`, the
// one-pass variance and its running mean, as torch's var_mean/std_mean give them
// (Note [Variance to one element in two passes]).
Tensor variance_forward(const Tensor& a, const std::optional<DimList>& dims, double correction,
                        bool keepdim, bool take_sqrt, Tensor* mean_out = nullptr);
// Zeros that products keep zero (Note [Absorbing zeros]); the mark on a fresh tensor.
Tensor absorbing_zeros(const Shape& sizes, DType dtype);
Tensor mark_absorbing_zero(Tensor t);
// logcumsumexp's input gradient from its input and result along the wrapped dim `d`
// (Note [logcumsumexp backward]).
Tensor logcumsumexp_backward(const Tensor& g, const Tensor& self, const Tensor& result,
                             int64_t d);
// A Python-scalar-like constant for backward formulas (ranks lowest in promotion).
inline Tensor constant(double v) { return wrapped_scalar(v, DType::Float64); }

}  // namespace cgrad::detail
