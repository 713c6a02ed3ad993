// searchsorted and bucketize: torch's argument checks, in its order, then the binary search
// of kernels/search.h on contiguous inputs in their promoted dtype.
#include <string>

#include "cgrad/ops/search.h"
#include "kernels/search.h"
#include "ops/common.h"

namespace cgrad {

namespace {

std::runtime_error searchsorted_error(const std::string& what) {
  return std::runtime_error("torch.searchsorted(): " + what);
}

bool same_leading_dims(const Tensor& sorted, const Tensor& values) {
  if (sorted->dim() != values->dim()) return false;
  for (int64_t d = 0; d + 1 < sorted->dim(); ++d)
    if (sorted->sizes[d] != values->sizes[d]) return false;
  return true;
}

// torch's checks of the sorter: its shape, dtype, then every index within the row.
void check_sorter(const Tensor& sorted, const Tensor& sorter) {
  if (!same_shape(sorter->sizes, sorted->sizes))
    throw searchsorted_error("boundary and sorter must have the same size, but got boundary tensor " +
                             shape_str(sorted->sizes) + "and got sorter tensor " +
                             shape_str(sorter->sizes));
  if (sorter->dtype != DType::Int64)
    throw searchsorted_error(std::string("sorter must be a tensor of long dtype but got dtype ") +
                             dtype_torch_name(sorter->dtype));
  if (sorter->numel() == 0) return;
  const int64_t n = sorted->dim() == 0 ? 1 : sorted->sizes.back();
  Tensor c = contiguous(sorter);
  const int64_t* p = c->data<int64_t>();
  for (int64_t i = 0; i < c->numel(); ++i)
    if (p[i] < 0 || p[i] >= n) throw searchsorted_error("sorter index out of range");
}

}  // namespace

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32,
                    bool right, const std::optional<std::string>& side, const Tensor& sorter) {
  if (side) {
    if (*side != "left" && *side != "right")
      throw searchsorted_error("side can only be 'left' or 'right' but got " + *side);
    if (*side == "left" && right)
      throw searchsorted_error("side and right can't be set to opposites, got side of left while "
                               "right was True");
    right = right || *side == "right";
  }
  if (sorter) check_sorter(sorted_sequence, sorter);
  if (values->dim() == 0 && sorted_sequence->dim() != 1)
    throw searchsorted_error(
        "input value can be a scalar only when boundaries tensor dimension is 1, but we got "
        "boundaries tensor dim(" + std::to_string(sorted_sequence->dim()) +
        ") and input value's dim(0) numel(1)");
  if (sorted_sequence->dim() == 0)
    throw searchsorted_error("boundaries tensor should have positive dimension, but got 0 dimension");
  if (sorted_sequence->dim() != 1 && !same_leading_dims(sorted_sequence, values))
    throw searchsorted_error(
        "boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
        "tensor and input value tensor must match, but we got boundaries tensor " +
        shape_str(sorted_sequence->sizes) + " and input value tensor " + shape_str(values->sizes));
  const DType common = result_type(sorted_sequence, values);
  if (common == DType::Bool) throw detail::not_implemented_for("searchsorted_out_cpu", common);
  Tensor seq = contiguous(detail::cast(sorted_sequence, common));
  Tensor vals = contiguous(detail::cast(values, common));
  Tensor order = sorter ? contiguous(sorter) : nullptr;
  Tensor out = empty(values->sizes, out_int32 ? DType::Int32 : DType::Int64);
  kernels::searchsorted(*seq, *vals, order ? order.get() : nullptr, right, *out);
  return out;
}

Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32, bool right) {
  if (boundaries->dim() != 1)
    throw std::runtime_error("boundaries tensor must be 1 dimension, but got dim(" +
                             std::to_string(boundaries->dim()) + ")");
  return searchsorted(boundaries, input, out_int32, right);
}

// Each element searched for in the sorted test elements: n log m work where comparing
// every pair is n m, and exact for int64 (no float detour). NaN finds nothing, as NaN !=
// NaN in torch's isin; -0.0 finds 0.0.
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool /*assume_unique*/,
            bool invert) {
  for (const Tensor* t : {&elements, &test_elements})
    if ((*t)->dtype == DType::Bool)
      throw std::runtime_error("Unsupported input type encountered for isin(): Bool");
  GradModeGuard no_grad(false);
  const DType common = result_type(elements, test_elements);
  const int64_t m = test_elements->numel();
  Tensor found;
  if (m == 0) {
    found = full(elements->sizes, 0.0, DType::Bool);
  } else {
    Tensor values = detail::cast(elements, common);
    Tensor sorted = sort(reshape(detail::cast(test_elements, common), {m})).first;
    Tensor at = clamp_max(searchsorted(sorted, values),
                          scalar_tensor(static_cast<double>(m - 1), DType::Int64));
    found = eq(reshape(take(sorted, at), elements->sizes), values);
  }
  return invert ? logical_not(found) : found;
}

}  // namespace cgrad
