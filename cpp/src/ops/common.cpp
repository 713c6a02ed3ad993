#include "ops/common.h"

namespace cgrad::detail {

Tensor cast(const Tensor& t, DType dtype) {
  if (t->dtype == dtype) return t;
  Tensor out = empty(t->sizes, dtype);
  kernels::copy(*t, *out);
  out->is_wrapped_number = t->is_wrapped_number;
  return out;
}

namespace {
// `t` in dtype `d`: itself when it already is (no copy, no refcount traffic), else a
// converted copy kept alive by `holder`.
const TensorImpl& in_dtype(const Tensor& t, DType d, Tensor& holder) {
  return t->dtype == d ? *t : *(holder = cast(t, d));
}
}  // namespace

Tensor binary_forward(kernels::BinaryOp op, const Tensor& a, const Tensor& b, DType compute,
                      DType out_dtype, kernels::OpParams params) {
  Shape shape = broadcast_shapes(a->sizes, b->sizes);
  Tensor a_cast, b_cast;
  const TensorImpl& ca = in_dtype(a, compute, a_cast);
  const TensorImpl& cb = in_dtype(b, compute, b_cast);
  Tensor out = empty(std::move(shape), out_dtype);
  kernels::binary(op, ca, cb, *out, params);
  return out;
}

Tensor unary_forward(kernels::UnaryOp op, const Tensor& a, DType dtype,
                     kernels::OpParams params) {
  return unary_forward(op, a, dtype, dtype, params);
}

Tensor unary_forward(kernels::UnaryOp op, const Tensor& a, DType compute, DType out_dtype,
                     kernels::OpParams params) {
  Tensor a_cast;
  const TensorImpl& ca = in_dtype(a, compute, a_cast);
  Tensor out = empty(a->sizes, out_dtype);
  kernels::unary(op, ca, *out, params);
  return out;
}

}  // namespace cgrad::detail

namespace cgrad {

namespace {
// torch's three promotion tiers: tensors with dims, 0-d tensors, Python scalars. A
// lower tier only matters when it brings a higher category (bool < int < float).
enum Tier { kDimTensor, kZeroDim, kWrapped };

std::optional<DType> combine_categories(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_floating(*higher)) return higher;
  if (*higher == DType::Bool || is_floating(*lower)) return promote_types(*higher, *lower);
  return higher;
}
}  // namespace

DType result_type(const Tensor& a, const Tensor& b) { return result_type({&a, &b}); }

DType result_type(std::initializer_list<const Tensor*> operands) {
  std::optional<DType> tiers[3];
  for (const Tensor* t : operands) {
    if (!*t) continue;  // an absent optional operand (clamp's min or max)
    Tier k = (*t)->is_wrapped_number ? kWrapped : ((*t)->dim() == 0 ? kZeroDim : kDimTensor);
    DType d = (*t)->dtype;
    if (k == kWrapped && is_floating(d)) d = kDefaultFloat;
    tiers[k] = tiers[k] ? promote_types(*tiers[k], d) : d;
  }
  return *combine_categories(tiers[kDimTensor],
                             combine_categories(tiers[kZeroDim], tiers[kWrapped]));
}

}  // namespace cgrad
