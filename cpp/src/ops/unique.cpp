// unique (_unique2 and unique_dim in torch) and unique_consecutive: rows in some order,
// grouped by the kernels in kernels/unique.h, the values picked with index_select.
#include "cgrad/ops/unique.h"

#include <algorithm>
#include <string>

#include "kernels/unique.h"
#include "ops/common.h"

namespace cgrad {

namespace {

// `values` gets a node that raises as torch's does for ops without a derivative formula:
// `aten_name` is the name torch's message gives the op.
void record_no_derivative(const Tensor& values, const Tensor& a, const char* node_name,
                          const char* aten_name) {
  if (!any_requires_grad({&a})) return;
  std::string message = std::string("the derivative for '") + aten_name + "' is not implemented.";
  record(make_node(node_name, {a}, [message](Node&, TensorList&) -> TensorList {
      throw NotImplementedError(message);
    }), {values});
}

Tensor int64_vector(const std::vector<int64_t>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t->data<int64_t>());
  return t;
}

// What the grouping kernels compare: a small dtype widened to its compute dtype (Note
// [Small dtypes]), which keeps every ==, < and NaN; the values still come from `rows`.
Tensor comparable(const Tensor& rows) {
  return is_small(rows->dtype) ? detail::cast(rows, compute_dtype(rows->dtype)) : rows;
}

// Groups the rows of `rows` ([n, ...], contiguous) read in `order` (null: as they are):
// values are the rows that start each group, in a [groups, ...] tensor.
UniqueResult group_rows(const Tensor& rows, const Tensor& order) {
  const int64_t n = rows->sizes[0];
  const int64_t width = n == 0 ? 0 : rows->numel() / n;
  std::vector<int64_t> first, counts;
  Tensor inverse = empty({n}, DType::Int64);
  kernels::consecutive_groups(*comparable(rows), n, width,
                              order ? order->data<int64_t>() : nullptr, first, counts,
                              inverse->data<int64_t>());
  return {index_select(rows, 0, int64_vector(first)), inverse, int64_vector(counts)};
}

// The elements of `a` as rows of one, grouped; inverse gets a's shape.
UniqueResult unique_elements(const Tensor& a, bool sort_first) {
  GradModeGuard no_grad(false);
  Tensor flat = reshape(contiguous(a), {a->numel()});
  // torch's CPU unique is its sort followed by this grouping: equal values, NaNs apart,
  // come in the sort's order (Note [Unstable sort order]), which decides the inverse of
  // each NaN and whether 0. or -0. is kept.
  Tensor order = sort_first ? sort(flat, 0).second : Tensor();
  UniqueResult r = group_rows(flat, order);
  r.inverse = reshape(r.inverse, a->sizes);
  return r;
}

// The slices of `a` along dim as rows, grouped; values have a's layout with the groups at
// dim (a view of the [groups, ...] result, as torch's).
UniqueResult unique_slices(const Tensor& a, int64_t dim, bool sort_first) {
  if (a->dim() == 0)
    throw IndexError("Dimension specified as " + std::to_string(dim) +
                     " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, a->dim());
  GradModeGuard no_grad(false);
  if (a->numel() == 0) {
    if (std::count(a->sizes.begin(), a->sizes.end(), 0) > 1)
      throw std::runtime_error(
          "Number of zero sized dimensions is more than one, so unique cannot be applied ");
    if (a->sizes[d] != 0)
      throw std::runtime_error(
          "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied");
    return {empty(a->sizes, a->dtype), empty({0}, DType::Int64), empty({0}, DType::Int64)};
  }
  Tensor moved = contiguous(movedim(a, {d}, {0}));
  const int64_t n = moved->sizes[0];
  Tensor rows = reshape(moved, {n, moved->numel() / n});
  Tensor order;
  if (sort_first) {
    order = empty({n}, DType::Int64);
    kernels::lexicographic_order(*comparable(rows), n, rows->sizes[1], order->data<int64_t>());
  }
  UniqueResult r = group_rows(moved, order);
  r.values = movedim(r.values, {0}, {d});
  return r;
}

}  // namespace

UniqueResult unique(const Tensor& a) {
  UniqueResult r = unique_elements(a, true);
  record_no_derivative(r.values, a, "Unique2Backward0", "_unique2");
  return r;
}

UniqueResult unique_dim(const Tensor& a, int64_t dim) {
  UniqueResult r = unique_slices(a, dim, true);
  record_no_derivative(r.values, a, "UniqueDimBackward0", "unique_dim");
  return r;
}

UniqueResult unique_consecutive(const Tensor& a, std::optional<int64_t> dim) {
  UniqueResult r = dim ? unique_slices(a, *dim, false) : unique_elements(a, false);
  record_no_derivative(r.values, a, "UniqueConsecutiveBackward0", "unique_consecutive");
  return r;
}

}  // namespace cgrad
