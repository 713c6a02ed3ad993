// sort/argsort, topk, kthvalue, median/nanmedian, mode and cummax/cummin: the checks, the kernel
// call on a contiguous input, and the backward that sends each value's gradient to its
// index.
#include <limits>

#include "kernels/sort.h"
#include "cgrad/ops/search.h"
#include "ops/common.h"

namespace cgrad {

namespace {

// A 0-d input is handled as one element along a dim of size 1.
struct Along {
  Tensor input;  // contiguous, at least 1-d
  int64_t dim;
};
Along along(const Tensor& a, int64_t dim) {
  const int64_t d = wrap_dim(dim, a->dim());
  Tensor c = contiguous(a);
  if (a->dim() == 0) c = make_view(c, {1}, {1}, c->offset);
  return {c, d};
}

// Fresh results laid out as the input with `count` at dim.
std::pair<Tensor, Tensor> results(const Along& in, int64_t count) {
  Shape sizes = in.input->sizes;
  sizes[in.dim] = count;
  return {empty(sizes, in.input->dtype), empty(sizes, DType::Int64)};
}
// Gives fresh contiguous results the op's shape (same element count).
void relabel(std::pair<Tensor, Tensor>& out, const Shape& sizes) {
  for (Tensor* t : {&out.first, &out.second}) {
    (*t)->sizes = sizes;
    (*t)->strides = contiguous_strides(sizes);
  }
}

// The gradient of values picked out along dim at `indices`: zeros elsewhere. Positions
// picked more than once (cummax) add up.
Tensor scatter_back(const Tensor& g, const Tensor& indices, int64_t dim, const Shape& sizes,
                    bool keepdim, bool accumulate) {
  if (sizes.empty()) return g;
  Tensor gk = keepdim ? g : unsqueeze(g, dim);
  Tensor ik = keepdim ? indices : unsqueeze(indices, dim);
  Tensor zeros = full(sizes, 0.0, g->dtype);
  return accumulate ? scatter_add(zeros, dim, ik, gk) : scatter(zeros, dim, ik, gk);
}

std::pair<Tensor, Tensor> record_values(std::pair<Tensor, Tensor> out, const Tensor& a,
                                        const char* name, int64_t dim, bool keepdim,
                                        bool accumulate = false) {
  if (any_requires_grad({&a})) {
    const int64_t d = wrap_dim(dim, a->dim());
    auto node = make_node(name, {a}, [d, keepdim, accumulate](Node& n, TensorList& g) -> TensorList {
      return {scatter_back(g[0], n.saved(saved::indices), d, n.input_meta()[0].sizes, keepdim,
                           accumulate)};
    });
    record(node, {out.first}, {{saved::indices, out.second}});
  }
  return out;
}

// sort's and topk's nodes show the dim as given (Note [Saved values]).
std::pair<Tensor, Tensor> showing_dim(std::pair<Tensor, Tensor> out, int64_t dim) {
  if (out.first->autograd && out.first->autograd->grad_fn)
    out.first->autograd->grad_fn->save_value("dim", saved_int(dim));
  return out;
}

void check_not_bool(const char* kernel, const Tensor& a) {
  if (a->dtype == DType::Bool) throw detail::not_implemented_for(kernel, a->dtype);
}

void check_nonempty_dim(const char* op, const Tensor& a, int64_t dim) {
  if (a->dim() > 0 && a->sizes[wrap_dim(dim, a->dim())] == 0)
    throw IndexError(std::string(op) + "(): Expected reduction dim " +
                     std::to_string(wrap_dim(dim, a->dim())) +
                     " to have non-zero size.");
}

// The shape of a reduction along d.
Shape reduced_shape(const Tensor& a, int64_t d, bool keepdim) {
  Shape sizes = a->sizes;
  if (a->dim() > 0) {
    if (keepdim) sizes[d] = 1;
    else sizes.erase(sizes.begin() + d);
  }
  return sizes;
}

// median()/nanmedian() of every element: the value only. An empty input gives NaN, which
// torch's integer results hold as the type's lowest value (NaN converted on x86).
Tensor median_all(const Tensor& a, bool ignore_nan) {
  check_not_bool("median_cpu", a);
  Tensor out;
  if (a->numel() == 0) {
    if (a->dtype == DType::Int64) out = full({}, std::numeric_limits<int64_t>::min(), a->dtype);
    else if (a->dtype == DType::Int32) out = full({}, std::numeric_limits<int32_t>::min(), a->dtype);
    else out = full({}, std::numeric_limits<double>::quiet_NaN(), a->dtype);
  } else {
    Tensor flat = reshape(contiguous(a), {a->numel()});
    Along in{flat, 0};
    auto line = results(in, 1);
    kernels::median(*flat, 0, ignore_nan, *line.first, *line.second);
    relabel(line, {});
    out = line.first;
  }
  if (any_requires_grad({&a})) {
    // Every element equal to the median (NaN: every NaN) shares the gradient evenly.
    auto node = make_node(ignore_nan ? "NanmedianBackward0" : "MedianBackward0", {a},
                          [](Node& n, TensorList& g) -> TensorList {
      Tensor self = n.saved(saved::self), result = n.saved(saved::result);
      Tensor picked = std::isnan(item_as_double(*result)) ? isnan(self) : eq(self, result);
      return {where(picked, div(g[0], sum(picked)), detail::constant(0.0))};
    });
    record(node, {out}, {{saved::self, a}, {saved::result, out}});
  }
  return out;
}

std::pair<Tensor, Tensor> median_along(const Tensor& a, int64_t dim, bool keepdim,
                                       bool ignore_nan) {
  // torch's nanmedian shares median's checks, and their words.
  check_not_bool("median_out", a);
  Along in = along(a, dim);
  check_nonempty_dim("median", a, dim);
  auto out = results(in, 1);
  kernels::median(*in.input, in.dim, ignore_nan, *out.first, *out.second);
  relabel(out, reduced_shape(a, in.dim, keepdim));
  return record_values(out, a, ignore_nan ? "NanmedianBackward1" : "MedianBackward1", dim, keepdim);
}

std::pair<Tensor, Tensor> cumulative_extreme(bool is_max, const Tensor& a, int64_t dim) {
  Along in = along(a, dim);
  auto out = results(in, in.input->sizes[in.dim]);
  kernels::cumulative_extreme(*in.input, in.dim, is_max, *out.first, *out.second);
  relabel(out, a->sizes);
  return record_values(out, a, is_max ? "CummaxBackward0" : "CumminBackward0", dim, true, true);
}

}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& a, int64_t dim, bool descending,
                               std::optional<bool> stable) {
  Along in = along(a, dim);
  auto out = results(in, in.input->sizes[in.dim]);
  kernels::sort(*in.input, in.dim, descending, stable.value_or(false), *out.first, *out.second);
  relabel(out, a->sizes);
  return showing_dim(record_values(out, a, stable ? "SortBackward1" : "SortBackward0", dim, true),
                     dim);
}

Tensor argsort(const Tensor& a, int64_t dim, bool descending, bool stable) {
  GradModeGuard no_grad(false);
  return sort(a, dim, descending, stable).second;
}

std::pair<Tensor, Tensor> topk(const Tensor& a, int64_t k, int64_t dim, bool largest, bool sorted) {
  Along in = along(a, dim);
  if (a->dtype == DType::Bool) throw std::runtime_error("topk does not support bool dtypes on CPU");
  if (k < 0 || k > in.input->sizes[in.dim]) throw std::runtime_error("selected index k out of range");
  // A 0-d input gives its element even for k = 0, as torch's does.
  const int64_t count = a->dim() == 0 ? 1 : k;
  auto out = results(in, count);
  kernels::topk(*in.input, in.dim, count, largest, sorted, *out.first, *out.second);
  if (a->dim() == 0) relabel(out, {});
  return showing_dim(record_values(out, a, "TopkBackward0", dim, true), dim);
}

std::pair<Tensor, Tensor> kthvalue(const Tensor& a, int64_t k, int64_t dim, bool keepdim) {
  check_not_bool("kthvalue_cpu", a);
  Along in = along(a, dim);
  check_nonempty_dim("kthvalue", a, dim);
  if (k < 1 || k > in.input->sizes[in.dim])
    throw std::runtime_error("kthvalue(): selected number k out of range for dimension " +
                             std::to_string(in.dim));
  auto out = results(in, 1);
  kernels::kth_smallest(*in.input, in.dim, k - 1, *out.first, *out.second);
  relabel(out, reduced_shape(a, in.dim, keepdim));
  return record_values(out, a, "KthvalueBackward0", dim, keepdim);
}

Tensor median(const Tensor& a) { return median_all(a, false); }
Tensor nanmedian(const Tensor& a) { return median_all(a, true); }
std::pair<Tensor, Tensor> median(const Tensor& a, int64_t dim, bool keepdim) {
  return median_along(a, dim, keepdim, false);
}
std::pair<Tensor, Tensor> nanmedian(const Tensor& a, int64_t dim, bool keepdim) {
  return median_along(a, dim, keepdim, true);
}

std::pair<Tensor, Tensor> mode(const Tensor& a, int64_t dim, bool keepdim) {
  Along in = along(a, dim);
  check_nonempty_dim("mode", a, dim);
  auto out = results(in, 1);
  kernels::mode(*in.input, in.dim, *out.first, *out.second);
  relabel(out, reduced_shape(a, in.dim, keepdim));
  return record_values(out, a, "ModeBackward0", dim, keepdim);
}

std::pair<Tensor, Tensor> cummax(const Tensor& a, int64_t dim) { return cumulative_extreme(true, a, dim); }
std::pair<Tensor, Tensor> cummin(const Tensor& a, int64_t dim) { return cumulative_extreme(false, a, dim); }

}  // namespace cgrad
