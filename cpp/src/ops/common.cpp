#include "ops/common.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace cgrad::detail {

Tensor cast(const Tensor& t, DType dtype) {
  if (t->dtype == dtype) return t;
  Tensor out = empty_preserving_layout(*t, dtype);
  kernels::copy(*t, *out);
  out->is_wrapped_number = t->is_wrapped_number;
  return out;
}

namespace {
// Note [Output layout of elementwise ops]: torch's TensorIterator gives an elementwise
// result the memory order of its inputs, so `sigmoid(x.t())` is itself transposed and a
// later `.view` fails (or `flatten` copies, as _unsafe_view) exactly where torch's does.
// The order: dimensions sorted fastest-first by the inputs' strides, the first input
// deciding and later ones breaking ties, broadcast (stride 0) dimensions not voting,
// and equal strides putting the smaller size first; an insertion sort from the reversed
// order, as torch's `reorder_dimensions`. Before that torch's fast setup: inputs all of
// the result's shape that are all contiguous give a plain result, all channels-last
// contiguous (4-d) give channels-last strides, and all
// non-overlapping and dense with the same strides give those strides (size-1 dims'
// strides included). The channels-last test skips size-1 dims, so a 4-d input whose
// size-1 dims carry odd strides can pass it and come out with the canonical ones.
int should_swap(const Shape& shape, const std::vector<Shape>& strides, size_t d0, size_t d1) {
  for (const Shape& st : strides) {
    if (st[d0] == 0 || st[d1] == 0) continue;
    if (st[d0] < st[d1]) return -1;
    if (st[d0] > st[d1]) return 1;
    if (shape[d0] > shape[d1]) return 1;
  }
  return 0;
}

// The fastest-first dim order of torch's channels-last format (4-d only: the fast setup
// does not test channels-last-3d), or empty.
std::vector<size_t> channels_last_order(size_t rank) {
  if (rank == 4) return {1, 3, 2, 0};
  return {};
}

// Whether t is dense in `order` (fastest first), size-1 dims skipped, as torch's
// is_contiguous(memory_format=channels_last).
bool dense_in_order(const TensorImpl& t, const std::vector<size_t>& order) {
  int64_t expected = 1;
  for (size_t d : order) {
    if (t.sizes[d] == 1) continue;
    if (t.strides[d] != expected) return false;
    expected *= t.sizes[d];
  }
  return true;
}

Shape strides_in_order(const Shape& shape, const std::vector<size_t>& order) {
  Shape out(shape.size());
  int64_t step = 1;
  for (size_t d : order) {
    out[d] = step;
    step *= shape[d];
  }
  return out;
}
}  // namespace

Tensor empty_in_input_layout(Shape shape, DType dtype,
                             std::initializer_list<const TensorImpl*> inputs) {
  const size_t n = shape.size();
  const std::vector<size_t> channels_last = channels_last_order(n);
  bool same_shape = true, contiguous = true, dense_alike = true;
  bool in_channels_last = !channels_last.empty();
  const TensorImpl* first = nullptr;
  for (const TensorImpl* t : inputs) {
    if (!t) continue;
    if (!first) first = t;
    same_shape = same_shape && cgrad::same_shape(t->sizes, shape);
    contiguous = contiguous && t->is_contiguous();
    dense_alike = dense_alike && cgrad::same_shape(t->strides, first->strides);
    in_channels_last = in_channels_last && cgrad::same_shape(t->sizes, shape) &&
                       dense_in_order(*t, channels_last);
  }
  if (n == 0 || !first || (same_shape && contiguous)) return empty(std::move(shape), dtype);
  if (in_channels_last) {
    Tensor out = empty(shape, dtype);
    out->strides = strides_in_order(shape, channels_last);
    return out;
  }
  if (same_shape && dense_alike && first->is_non_overlapping_and_dense()) {
    Tensor out = empty(std::move(shape), dtype);
    out->strides = first->strides;
    return out;
  }
  std::vector<Shape> strides;  // each input's strides aligned to `shape`, 0 where broadcast
  for (const TensorImpl* t : inputs) {
    if (!t) continue;
    Shape st(n, 0);
    const size_t lead = n - t->sizes.size();
    for (size_t i = 0; i < t->sizes.size(); ++i)
      st[lead + i] = (t->sizes[i] == 1 && shape[lead + i] != 1) ? 0 : t->strides[i];
    strides.push_back(std::move(st));
  }
  return empty_in_layout(std::move(shape), dtype, strides);
}

Tensor dense_as(const Tensor& t, const Shape& sizes) {
  Tensor c = t;
  if (!t->is_contiguous()) {
    c = empty(t->sizes, t->dtype);
    kernels::copy(*t, *c);
  }
  return make_view(c, sizes, contiguous_strides(sizes), c->offset);
}

void check_adaptive_pool_grad(const Tensor& grad, const char* op) {
  for (int64_t d = 1; d < grad->dim(); ++d)
    if (grad->sizes[d] == 0)
      throw std::runtime_error(std::string(op) + "(): Expected grad_output to have non-zero size for "
                               "non-batch dimensions, but grad_output has sizes " + shape_str(grad->sizes) +
                               " with dimension " + std::to_string(d) + " being empty");
}

namespace {
Tensor copied_into(const Tensor& out, Tensor target) {
  if (target->strides == out->strides) return out;
  kernels::copy(*out, *target);
  return target;
}
}  // namespace

Tensor in_input_layout(const Tensor& out, std::initializer_list<const TensorImpl*> inputs) {
  return copied_into(out, empty_in_input_layout(out->sizes, out->dtype, inputs));
}

Tensor in_preserved_layout(const Tensor& out, const TensorImpl& t) {
  return copied_into(out, empty_preserving_layout(t, out->dtype));
}

namespace {
// Dense strides in the order the operands' strides give (Note [Output layout of
// elementwise ops]); empty when that order is the plain row-major one.
Shape ordered_dense_strides(const Shape& shape, const std::vector<Shape>& strides) {
  const size_t n = shape.size();
  std::vector<size_t> perm(n);  // perm[0] is the fastest dimension
  for (size_t i = 0; i < n; ++i) perm[i] = n - 1 - i;
  for (size_t i = 1; i < n; ++i) {
    size_t d1 = i;
    for (size_t d0 = i; d0-- > 0;) {
      int c = should_swap(shape, strides, perm[d0], perm[d1]);
      if (c > 0) {
        std::swap(perm[d0], perm[d1]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  bool reversed = true;
  for (size_t i = 0; i < n; ++i) reversed = reversed && perm[i] == n - 1 - i;
  if (reversed) return {};
  return strides_in_order(shape, perm);
}
}  // namespace

Tensor empty_in_layout(Shape shape, DType dtype, const std::vector<Shape>& strides) {
  Shape ordered = ordered_dense_strides(shape, strides);
  Tensor out = empty(std::move(shape), dtype);
  if (!ordered.empty()) out->strides = std::move(ordered);
  return out;
}

Shape preserved_strides(const TensorImpl& t) {
  if (t.is_non_overlapping_and_dense()) return t.strides;
  Shape ordered = ordered_dense_strides(t.sizes, {t.strides});
  return ordered.empty() ? contiguous_strides(t.sizes) : ordered;
}

Tensor empty_preserving_layout(const TensorImpl& t, DType dtype) {
  Tensor out = empty(t.sizes, dtype);
  if (out->strides != t.strides) out->strides = preserved_strides(t);
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
                      DType out_dtype, kernels::OpParams params, OutputLayout layout) {
  Shape shape = broadcast_shapes(a->sizes, b->sizes);
  Tensor a_cast, b_cast;
  const TensorImpl& ca = in_dtype(a, compute, a_cast);
  const TensorImpl& cb = in_dtype(b, compute, b_cast);
  const bool by_tensors = layout == OutputLayout::kTensorInputs;
  Tensor out = layout == OutputLayout::kPlain
                   ? empty(std::move(shape), out_dtype)
                   : empty_in_input_layout(std::move(shape), out_dtype,
                                           {by_tensors && a->is_wrapped_number ? nullptr : &ca,
                                            by_tensors && b->is_wrapped_number ? nullptr : &cb});
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
  Tensor out = empty_in_input_layout(a->sizes, out_dtype, {&ca});
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
    if (k == kWrapped && is_floating(d)) d = default_float();
    tiers[k] = tiers[k] ? promote_types(*tiers[k], d) : d;
  }
  return *combine_categories(tiers[kDimTensor],
                             combine_categories(tiers[kZeroDim], tiers[kWrapped]));
}

}  // namespace cgrad
