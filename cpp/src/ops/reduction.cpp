// Reductions over all dims or a list of dims (sum, mean, norm, prod, amax/amin, max/min,
// argmax/argmin, var/std, logsumexp, all/any), the running cumsum/cumprod, and sum_to
// (broadcast undone).
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

struct Reduction {
  std::vector<bool> mask;  // per input dim: reduced?
  Shape kept_sizes;        // input rank, 1 in reduced dims (the kernel's output layout)
  Shape out_sizes;         // kept_sizes without the reduced dims unless keepdim
  int64_t count = 1;       // elements folded into each output
};

// What a reduction's backward formula reads besides its saved tensors (`r` in the rows).
struct Reduced {
  std::vector<bool> mask;      // per input dim: reduced?
  bool keepdim = false;
  bool dims_given = false;     // reduced over a dim list (even an empty one) or one dim
  double count = 1;            // elements folded into each output
  std::optional<int64_t> dim;  // the one dim, wrapped (prod with a dim, the scans)
  double correction = 0;       // var and std
};

Reduction plan(const Tensor& a, const std::optional<DimList>& dims, bool keepdim) {
  Reduction r;
  r.mask = dims ? dim_mask(*dims, a->dim()) : std::vector<bool>(a->dim(), true);
  for (int64_t d = 0; d < a->dim(); ++d) {
    if (r.mask[d]) {
      r.count = saturating_mul(r.count, a->sizes[d]);
      r.kept_sizes.push_back(1);
      if (keepdim) r.out_sizes.push_back(1);
    } else {
      r.kept_sizes.push_back(a->sizes[d]);
      r.out_sizes.push_back(a->sizes[d]);
    }
  }
  return r;
}

// A fresh kernel output (laid out as kept_sizes) relabelled to the op's output shape.
Tensor relabel(Tensor out, const Shape& sizes) {
  out->sizes = sizes;
  out->strides = contiguous_strides(sizes);
  return out;
}

Tensor run_reduce(kernels::ReduceOp op, const Tensor& a, const Reduction& r, DType out_dtype,
                  double p = 0.0) {
  Tensor out = empty(r.kept_sizes, out_dtype);
  kernels::reduce(op, *a, *out, p);
  return relabel(out, r.out_sizes);
}


// torch's errors for a max/min-like reduction (no identity) over nothing; a dim is named
// as the caller wrote it. torch checks the dims one by one in the caller's order (range,
// then size) and only then for repeats: amax(zeros(0, 3), dim=(0, 0)) is the size error.
void check_nonempty(const char* op, const Tensor& a, const std::optional<DimList>& dims) {
  if (!dims && a->numel() == 0)
    throw std::runtime_error(std::string(op) +
                             "(): Expected reduction dim to be specified for input.numel() == "
                             "0. Specify the reduction dim with the 'dim' argument.");
  for (int64_t d : dims ? *dims : DimList{})
    if (a->dim() > 0 && a->sizes[wrap_dim(d, a->dim())] == 0)
      throw IndexError(std::string(op) + "(): Expected reduction dim " + std::to_string(d) +
                       " to have non-zero size.");
}

// a with its NaNs replaced by 0 (a itself when it cannot hold NaN), unrecorded: nansum's
// node stands for the whole forward.
Tensor nan_zeroed(const Tensor& a) {
  if (!is_floating(a->dtype)) return a;
  GradModeGuard no_grad(false);
  return where(isnan(a), constant(0.0), a);
}

// Bool masks for the backward formulas.
Tensor both(const Tensor& a, const Tensor& b) { return where(a, b, a); }
Tensor nan_mask(const Tensor& a) { return ne(a, a); }

}  // namespace

Tensor detail::unreduce(const Tensor& g, const std::vector<bool>& mask, bool keepdim) {
  if (keepdim) return g;
  Tensor out = g;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) out = unsqueeze(out, static_cast<int64_t>(d));
  return out;
}
DimList detail::reduced_dims(const std::vector<bool>& mask) {
  DimList dims;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) dims.push_back(static_cast<int64_t>(d));
  return dims;
}
using detail::reduced_dims;
using detail::unreduce;

// Note [Mean backward divides after expanding]: torch's formula divides the gradient
// expanded to the input, sum_backward(g) / n. Dividing g first and expanding the quotient
// gives the same values for less work, so a first-order backward does that; but a
// recorded backward (create_graph) must take torch's order, or its own gradient is
// sum(gg) / n where torch's is sum(gg / n): NaN against 0 over an empty input.
// As torch records it, the quotient is by a number (DivBackward1), the expand is there even
// when it changes no size (a 0-d input), and only the dims a list names are unsqueezed: a
// mean of everything expands its 0-d gradient directly.
Tensor detail::mean_backward(const Tensor& g, const std::vector<bool>& mask, bool keepdim,
                             bool dims_given, double count, const Shape& sizes) {
  auto unreduced = [&](const Tensor& t) { return dims_given ? unreduce(t, mask, keepdim) : t; };
  if (GradMode::records()) return div_scalar(expand(unreduced(g), sizes), count);
  return expand_to(unreduced(div(g, constant(count))), sizes);
}

namespace {
// mean's sum over its count, in the result dtype.
Tensor divided_by_count(const Tensor& total, int64_t count, DType out_dtype) {
  return detail::binary_forward(kernels::BinaryOp::Div, total,
                                scalar_tensor(static_cast<double>(count), out_dtype), out_dtype,
                                out_dtype);
}
}  // namespace

namespace {
// The p-norm, recorded as `node_name`: torch.norm / Tensor.norm reach linalg.vector_norm
// (LinalgVectorNormBackward0), ATen's composites its at::norm (NormBackward1); the values
// and gradients are the same.
Tensor norm_recorded_as(const Tensor& a, double p, const std::optional<DimList>& dims,
                        bool keepdim, const char* node_name);
}  // namespace

Tensor norm(const Tensor& a, double p, const std::optional<DimList>& dims, bool keepdim) {
  return norm_recorded_as(a, p, dims, keepdim, "LinalgVectorNormBackward0");
}

Tensor aten_norm(const Tensor& a, double p, const DimList& dims, bool keepdim) {
  Tensor out = norm_recorded_as(a, p, dims, keepdim, "NormBackward1");
  if (Node* node = out->grad_fn().get()) {  // Note [Saved values]
    node->save_value("p", saved_double(p));
    node->save_value("dim", saved_ints(dims));
    node->save_value("keepdim", saved_bool(keepdim));
  }
  return out;
}

namespace {
Tensor norm_recorded_as(const Tensor& a, double p, const std::optional<DimList>& dims,
                        bool keepdim, const char* node_name) {
  if (!is_floating(a->dtype))
    throw std::runtime_error(
        "linalg.vector_norm: Expected a floating point or complex tensor as input. Got " +
        std::string(dtype_torch_name(a->dtype)));
  Reduction r = plan(a, dims, keepdim);
  // max |x| and the negative orders have no value over zero elements (no identity).
  if (r.count == 0 && (p < 0 || p == INFINITY)) {
    char order[32];
    std::snprintf(order, sizeof order, "%g", p);
    std::string where = "on an empty tensor because";
    for (size_t d = 0; dims && d < r.mask.size(); ++d)
      if (r.mask[d] && a->sizes[d] == 0) {
        where = "on the dimension " + std::to_string(d) + " because this dimension is empty and";
        break;
      }
    throw std::runtime_error("linalg.vector_norm cannot compute the " + std::string(order) +
                             " norm " + where + " the operation does not have an identity");
  }
  kernels::ReduceOp op = std::isinf(p) ? (p > 0 ? kernels::ReduceOp::NormInf
                                                : kernels::ReduceOp::NormNegInf)
                                       : (p == 0.0 ? kernels::ReduceOp::NormZero
                                                   : kernels::ReduceOp::NormP);
  // Note [Norm of one element]: where each result reduces a single element, torch's norm
  // is |x| itself, not (|x|^p)^(1/p): the 3-norm of [1e15] is 1e15 although 1e45 is
  // beyond float32, and the 2-norm of [1e-45] is 1e-45 although its square is 0. The
  // max-|x| reduction gives exactly |x| (NaN included); the gradient keeps its formula.
  if (r.count == 1 && p != 0.0) op = kernels::ReduceOp::NormInf;
  Tensor out = run_reduce(op, a, r, a->dtype, p);
  if (any_requires_grad({&a})) {
    auto node = make_node(
        node_name, {a},
        [mask = r.mask, keepdim, p](Node& n, TensorList& g) -> TensorList {
          Tensor self = n.saved(saved::self);
          Tensor norm_kept = unreduce(n.saved(saved::result), mask, keepdim);
          Tensor grad_kept = unreduce(g[0], mask, keepdim);
          Tensor zero = constant(0.0);
          if (p == 0.0) return {Tensor()};  // as torch: no gradient at all, not zeros
          // sgn, as torch's: its own gradient is an absorbing zero, so an infinite factor
          // further down a double backward gives 0, not NaN.
          if (p == 1.0) return {mul(sgn(self), grad_kept)};
          if (std::isinf(p)) {
            // The gradient is shared evenly between the tied extremes, NaNs counting as
            // extremes (a NaN norm has one); multiplied by the mask, as torch's, so an
            // infinite or NaN gradient gives NaN at the others too (sgn(NaN) is 0).
            Tensor magnitude = abs(self);
            Tensor tied = logical_or(eq(magnitude, norm_kept), isnan(magnitude));
            Tensor count = sum(tied, reduced_dims(mask), /*keepdim=*/true);
            return {mul(sgn(self), mul(div(grad_kept, count), tied))};
          }
          // Note [Norm gradient at zero elements]: d|x|_p/dx = sgn(x) |x|^(p-1) / |x|_p^(p-1).
          // Below p = 2 the power |x|^(p-1) (p < 1) or |x|^(p-2) is infinite at x = 0, so
          // the factor is written so that a zero element gets 0, as torch's: below p = 1
          // |x|^(p-1) is masked at zeros and the norm enters as |x|_p^(1-p) (0 for a zero
          // norm); from 1 to 2 sgn(x) |x|^(p-1) is 0 there; above, x |x|^(p-2) is.
          if (p < 1.0) {
            Tensor powered = where(eq(self, zero), zero, pow(abs(self), constant(p - 1.0)));
            return {mul(mul(mul(sgn(self), powered), grad_kept),
                        pow(norm_kept, constant(1.0 - p)))};
          }
          // At p = 2 the mask is on x / |x|_2, before the gradient multiplies it (as
          // torch's), so the double backward at a zero norm is NaN (0/0) as torch's.
          if (p == 2.0)
            return {mul(grad_kept, where(eq(norm_kept, zero), zero, div(self, norm_kept)))};
          Tensor scale = where(eq(norm_kept, zero), zero,
                               div(grad_kept, pow(norm_kept, constant(p - 1.0))));
          if (p < 2.0) return {mul(mul(sgn(self), pow(abs(self), constant(p - 1.0))), scale)};
          return {mul(mul(self, pow(abs(self), constant(p - 2.0))), scale)};
        });
    record(node, {out}, {{saved::self, a}, {saved::result, out}});
  }
  return out;
}
}  // namespace

// ---- prod ----

namespace {
// `x` reversed along d (an index_select, so differentiable).
Tensor reversed(const Tensor& x, int64_t d) {
  const int64_t n = x->sizes[d];
  return index_select(x, d, arange(n - 1, -1, -1, DType::Int64));
}

// The product of the elements before and the product of those after each element along
// d, multiplied: d prod / d x_k without dividing by x_k, so exact with zeros and, being
// made of cumprods, differentiable again with respect to the zeros themselves.
Tensor products_of_the_others(const Tensor& x, int64_t d) {
  const int64_t n = x->sizes[d];
  Shape one_sizes = x->sizes;
  one_sizes[d] = 1;
  Tensor ones = full(one_sizes, 1.0, x->dtype);
  Tensor before = cumprod(cat({ones, narrow(x, d, 0, n - 1)}, d), d);
  Tensor after = reversed(cumprod(cat({ones, reversed(narrow(x, d, 1, n - 1), d)}, d), d), d);
  return mul(before, after);
}

// d prod / d x_k = product of the other elements: out / x_k while no element is 0 (as
// torch), else products_of_the_others (over the flattened input for prod over all dims).
// The product of all elements with two zeros has a zero gradient everywhere, which torch
// gives as such outside create_graph (not inf * 0 = NaN where an element is infinite).
Tensor prod_backward(const Tensor& x, const Tensor& out, const Tensor& g,
                     const std::vector<bool>& mask, bool keepdim, std::optional<int64_t> dim) {
  if (x->dim() == 0) return g;
  Tensor gk = unreduce(g, mask, keepdim);
  const double zeros = item_as_double(*sum(eq(x, constant(0.0))));
  if (zeros == 0.0) return mul(gk, div(unreduce(out, mask, keepdim), x));
  if (!dim && zeros > 1.0 && !GradMode::is_enabled()) return full(x->sizes, 0.0, x->dtype);
  // Each product has one factor (every reduced dim has size 1): its gradient is g itself,
  // with no dependence on x — under create_graph it does not require grad, as in torch.
  bool single_factor = true;
  for (size_t d = 0; d < mask.size(); ++d) single_factor = single_factor && (!mask[d] || x->sizes[d] == 1);
  if (single_factor) return gk;
  if (dim) return mul(gk, products_of_the_others(x, *dim));
  return reshape(mul(gk, products_of_the_others(reshape(x, {x->numel()}), 0)), x->sizes);
}
}  // namespace

// ---- max / min ----

namespace {
// amax/amin's gradient: shared evenly between the elements tied for the extreme.
Tensor shared_between_ties(const Tensor& grad, const Tensor& self, const Tensor& result,
                           const Reduced& r) {
  Tensor tied = eq(self, unreduce(result, r.mask, r.keepdim));
  Tensor count = sum(tied, reduced_dims(r.mask), /*keepdim=*/true);
  return mul(div(unreduce(grad, r.mask, r.keepdim), count), tied);
}

Tensor extreme_all(bool is_max, const Tensor& a) {
  const char* op = is_max ? "max" : "min";
  Reduction r = plan(a, std::nullopt, false);
  check_nonempty(op, a, std::nullopt);
  Tensor out = run_reduce(is_max ? kernels::ReduceOp::Max : kernels::ReduceOp::Min, a, r, a->dtype);
  if (any_requires_grad({&a})) {
    auto node = make_node(is_max ? "MaxBackward1" : "MinBackward1", {a},
                          [](Node& n, TensorList& g) -> TensorList {
                            // Shared evenly between the elements equal to the result (the
                            // NaNs when it is NaN).
                            Tensor x = n.saved(saved::self), value = n.saved(saved::result);
                            Tensor hit = std::isnan(item_as_double(*value)) ? nan_mask(x) : eq(x, value);
                            return {where(hit, div(g[0], sum(hit)), constant(0.0))};
                          });
    record(node, {out}, {{saved::self, a}, {saved::result, out}});
  }
  return out;
}

// Extreme along one dim with its first index. 0-d inputs act as one-element vectors.
std::pair<Tensor, Tensor> extreme_along(bool is_max, const char* op, const Tensor& a, int64_t dim,
                                        bool keepdim) {
  const int64_t d = wrap_dim(dim, a->dim());
  Tensor src = a->dim() == 0 ? make_view(a, {1}, {1}, a->offset) : a;
  if (src->sizes[d] == 0)
    throw IndexError(std::string(op) + "(): Expected reduction dim " + std::to_string(d) +
                     " to have non-zero size.");
  Shape kept = src->sizes;
  kept[d] = 1;
  Tensor values = empty(kept, a->dtype), indices = empty(kept, DType::Int64);
  kernels::arg_reduce(is_max, *src, d, *values, *indices);
  Shape sizes = a->sizes;
  if (a->dim() > 0) {
    if (keepdim) sizes[d] = 1;
    else sizes.erase(sizes.begin() + d);
  }
  return {relabel(values, sizes), relabel(indices, sizes)};
}

// One-hot along `d` of `index` (kept rank) inside a tensor of `sizes`.
Tensor one_hot_along(const Tensor& index, int64_t d, const Shape& sizes) {
  Shape positions_shape(sizes.size(), 1);
  positions_shape[d] = sizes[d];
  Tensor positions = relabel(arange(0, static_cast<double>(sizes[d]), 1, DType::Int64),
                             positions_shape);
  return eq(positions, index);
}

std::pair<Tensor, Tensor> max_min_dim(bool is_max, const Tensor& a, int64_t dim, bool keepdim) {
  auto [values, indices] = extreme_along(is_max, is_max ? "max" : "min", a, dim, keepdim);
  if (any_requires_grad({&a})) {
    const int64_t d = wrap_dim(dim, a->dim());
    auto node = make_node(
        is_max ? "MaxBackward0" : "MinBackward0", {a},
        [d, keepdim](Node& n, TensorList& g) -> TensorList {
          const Shape& sizes = n.input_meta()[0].sizes;
          if (sizes.empty()) return {g[0]};
          // The gradient goes to the returned index only (as a scatter would put it).
          Tensor index = n.saved(saved::indices);
          Tensor gk = keepdim ? g[0] : unsqueeze(g[0], d);
          Tensor ik = keepdim ? index : unsqueeze(index, d);
          return {where(one_hot_along(ik, d, sizes), gk, constant(0.0))};
        });
    node->save_value("dim", saved_int(dim));  // Note [Saved values]
    node->save_value("keepdim", saved_bool(keepdim));
    record(node, {values}, {{saved::indices, indices}});
  }
  return {values, indices};
}

Tensor arg_extreme(bool is_max, const Tensor& a, std::optional<int64_t> dim, bool keepdim) {
  const char* op = is_max ? "argmax" : "argmin";  // (bool refused by its row's dtype rule)
  if (dim) return extreme_along(is_max, op, a, *dim, keepdim).second;
  if (a->numel() == 0)
    throw IndexError(std::string(op) +
                     "(): Expected reduction dim to be specified for input.numel() == 0.");
  // Over the flattened tensor: its row-major index.
  Tensor flat = a;
  if (!a->is_contiguous()) {
    flat = empty(a->sizes, a->dtype);
    kernels::copy(*a, *flat);
  }
  Tensor index = extreme_along(is_max, op, make_view(flat, {a->numel()}, {1}, flat->offset), 0,
                               false).second;
  return relabel(index, keepdim ? Shape(a->dim(), 1) : Shape{});
}
}  // namespace

Tensor max(const Tensor& a) { return extreme_all(true, a); }
Tensor min(const Tensor& a) { return extreme_all(false, a); }
std::pair<Tensor, Tensor> max(const Tensor& a, int64_t dim, bool keepdim) {
  return max_min_dim(true, a, dim, keepdim);
}
std::pair<Tensor, Tensor> min(const Tensor& a, int64_t dim, bool keepdim) {
  return max_min_dim(false, a, dim, keepdim);
}
// ---- var / std ----

// d var / d x = 2 (x - mean) / (count - correction), with torch's NaN/inf when a
// whole-tensor variance has no degrees of freedom left.
Tensor detail::var_backward(const Tensor& g, const Tensor& x, const std::vector<bool>& mask,
                    bool dims_given, double correction, bool keepdim, double count) {
  const double dof = count - correction;
  if (!dims_given || x->dim() == 0) {
    if (dof <= 0)
      return mul(g, where(eq(x, mean(x)), constant(std::numeric_limits<double>::quiet_NaN()),
                          constant(std::numeric_limits<double>::infinity())));
    return mul(mul_scalar(g, 2.0 / dof), sub(x, mean(x)));
  }
  Tensor centered = sub(x, mean(x, reduced_dims(mask), /*keepdim=*/true));
  return mul(mul_scalar(unreduce(g, mask, keepdim), 2.0 / dof), centered);
}

// d std = d var / (2 std); 0 where std == 0 (a masked_fill, as torch records it).
Tensor detail::std_grad_to_var_grad(const Tensor& g, const Tensor& std_out) {
  return masked_fill(div(g, mul_scalar(std_out, 2.0)), eq(std_out, constant(0.0)), constant(0.0));
}

// Note [Variance to one element in two passes]: torch computes a var or std whose
// result is one element (no dims, or dims that leave one element) in two passes over all
// of x: its mean as x.mean() gives it (the sum rounded to x's dtype, over the count), then
// the squared deviations from that mean summed in double. Every other var or std, and all
// of var_mean and std_mean (whose mean is then the running one), run Welford's single
// pass in double. The two round differently, and the difference is not always small:
// five float64 -0.44 have a mean one ulp away from -0.44, so std is 6e-17 in two passes
// but 0 in one, and std's gradient, (x - x.mean()) / ((n - 1) std), is then 0.2236 each
// rather than 0 (torch zeroes it where std is 0). We take the same path torch takes, so
// values and gradients agree to the bit, not only to a tolerance. float16 and bfloat16
// stay with Welford, as in torch.
namespace {
Tensor variance_planned(const Tensor& a, const Reduction& r, double correction, bool take_sqrt,
                        Tensor* mean_out) {
  Tensor out = empty(r.kept_sizes, a->dtype);
  if (mean_out) {
    *mean_out = empty(r.kept_sizes, a->dtype);
    kernels::variance(*a, *out, correction, take_sqrt, mean_out->get());
    *mean_out = relabel(*mean_out, r.out_sizes);
  } else if (out->numel() == 1 && a->numel() > 0 && !is_small(a->dtype)) {
    kernels::variance_two_pass(*a, *out, correction, take_sqrt);
  } else {
    kernels::variance(*a, *out, correction, take_sqrt);
  }
  return relabel(out, r.out_sizes);
}
}  // namespace

Tensor detail::variance_forward(const Tensor& a, const std::optional<DimList>& dims,
                                double correction, bool keepdim, bool take_sqrt,
                                Tensor* mean_out) {
  return variance_planned(a, plan(a, dims, keepdim), correction, take_sqrt, mean_out);
}

// ---- logsumexp ----

namespace {
// log(sum(exp(x))) over the planned dims, shifted by the max so exp cannot overflow; an
// infinite max shifts by 0 instead (inf - inf would be NaN). Not recorded.
Tensor stable_logsumexp(const Tensor& x, const Reduction& r) {
  GradModeGuard no_grad(false);
  if (r.count == 0) return full(r.out_sizes, -std::numeric_limits<double>::infinity(), x->dtype);
  DimList all_reduced = reduced_dims(r.mask);
  Tensor m = amax(x, all_reduced, /*keepdim=*/true);
  Tensor shift = where(eq(abs(m), constant(std::numeric_limits<double>::infinity())),
                       constant(0.0), m);
  Tensor s = sum(exp(sub(x, shift)), all_reduced, /*keepdim=*/true);
  return relabel(add(log(s), shift), r.out_sizes);
}
}  // namespace

// ---- cumsum / cumprod ----

namespace {
// The running `op` of x along d (from the end when `reverse`), in x's dtype; a 0-d x is
// its own. Not recorded.
Tensor run_scan(kernels::ScanOp op, const Tensor& x, int64_t d, bool reverse) {
  Tensor out = empty(x->sizes, x->dtype);
  if (x->dim() == 0) kernels::copy(*x, *out);
  else kernels::scan(op, *x, d, reverse, *out);
  return out;
}

// Running sum along d (from the end when `reverse`) in `dtype`, recorded against `a`: the
// backward of one direction is the other.
Tensor running_sum(const Tensor& a, int64_t d, bool reverse, DType dtype) {
  Tensor out = run_scan(kernels::ScanOp::Sum, detail::cast(a, dtype), d, reverse);
  if (any_requires_grad({&a})) {
    auto node = make_node("CumsumBackward0", {a}, [d, reverse](Node&, TensorList& g) -> TensorList {
      return {running_sum(g[0], d, !reverse, g[0]->dtype)};
    });
    record(node, {out});
  }
  return out;
}

// The gradient of cumprod along d with zeros in x, as a differentiable formula (for
// create_graph): for each k, sum_{j >= k} g_j prod_{i <= j, i != k} x_i, with the
// products made from prod and cumprod of x's slices, never a division. O(n^2) in the
// length along d, as torch's double-backward formula.
Tensor cumprod_backward_differentiable(const Tensor& x, const Tensor& g, int64_t d) {
  const int64_t n = x->sizes[d];
  TensorList grads;
  for (int64_t k = 0; k < n; ++k) {
    Tensor before = prod(narrow(x, d, 0, k), d, /*keepdim=*/true);
    Tensor omitted = cat({before, mul(before, cumprod(narrow(x, d, k + 1, n - k - 1), d))}, d);
    grads.push_back(sum(mul(narrow(g, d, k, n - k), omitted), DimList{d}));
  }
  return stack(grads, d);
}

// d cumprod_j / d x_k = prod_{i <= j, i != k} x_i for j >= k. Before a slice's first zero
// that is out_j / x_k; at the first zero it is the running product with that zero taken
// as 1, up to the second zero; elsewhere 0. Under create_graph those zeros still depend
// on the first zero, so the differentiable formula above is used instead.
//
// Note [cumprod's gradient past a zero]: a term whose derivative is 0 because a zero lies
// between x_k and out_j is left out, not multiplied by 0, as torch's masks do: an
// infinite g_j there (log of the zero product) must not turn the sum into NaN. The sums
// are grouped as torch's too: sum_j g_j * cumprod(between the zeros), times the product
// before the first zero.
Tensor cumprod_backward(const Tensor& x, const Tensor& out, const Tensor& g, int64_t d) {
  // As torch: one factor per slice, so the gradient passes through (off x's graph).
  if (x->dim() == 0 || x->numel() <= 1 || x->sizes[d] == 1) return g;
  Tensor g_out = mul(g, out);
  Tensor zero = constant(0.0), one = constant(1.0);
  Tensor is_zero = eq(x, zero);
  if (item_as_double(*any(is_zero)) == 0.0) return div(running_sum(g_out, d, true, g_out->dtype), x);
  if (GradMode::is_enabled()) return cumprod_backward_differentiable(x, g, d);
  Tensor zeros_so_far = running_sum(is_zero, d, false, DType::Int64);
  Tensor before_first = eq(zeros_so_far, zero), up_to_second = eq(zeros_so_far, one);
  Tensor at_first = both(is_zero, up_to_second);
  Tensor before = div(running_sum(where(before_first, g_out, zero), d, true, g_out->dtype),
                      where(before_first, x, one));
  Tensor between = both(up_to_second, ne(x, zero));
  Tensor from_first = sum(mul(cumprod(where(between, x, one), d), where(up_to_second, g, zero)),
                          DimList{d}, /*keepdim=*/true);
  Tensor at = mul(from_first, prod(where(before_first, x, one), d, /*keepdim=*/true));
  return where(before_first, before, where(at_first, at, zero));
}
}  // namespace

// ---- the rows (Note [Reduction table]) ----

namespace {
using kernels::ReduceOp;
using kernels::ScanOp;

struct ReductionRow {
  const char* name;  // Python's, as torch's errors name it
  reduction::Form form;
  reduction::DtypeRule dtype;
  const char* error;
  reduction::Identity identity;
  const char* node;
  const char* node_dims;
  reduction::Saved saved;
};

// A row's call, whatever its form: the dims to plan (null for the forms that plan none),
// the one dim, keepdim, dtype= and var's correction.
struct ReductionCall {
  const std::optional<DimList>* dims;
  std::optional<int64_t> dim;
  bool keepdim;
  std::optional<DType> dtype;
  double correction;
};

// The result dtype under the row's rule, after raising its refusals for a's dtype.
DType result_dtype(const ReductionRow& row, DType t, std::optional<DType> dtype) {
  using namespace reduction;
  switch (row.dtype) {
    case kIntegersToInt64: return dtype ? *dtype : (is_floating(t) ? t : DType::Int64);
    case kFloatingResult: {
      const DType out = dtype ? *dtype : t;
      if (!is_floating(out))
        throw std::runtime_error(std::string(row.name) + "(): could not infer output dtype. " +
                                 (dtype ? "Optional" : "Input") +
                                 " dtype must be either a floating point or complex dtype. "
                                 "Got: " + dtype_torch_name(out));
      return out;
    }
    case kKeep: return t;
    case kFloat: return is_floating(t) ? t : default_float();
    case kBool: return DType::Bool;
    case kFloatingOnly:
      if (!is_floating(t)) throw std::runtime_error(row.error);
      return t;
    case kFloatingKernel:
      if (!is_floating(t)) throw detail::not_implemented_for(row.error, t);
      return t;
    case kIndexNotBool:
      if (t == DType::Bool) throw std::runtime_error(row.error);
      return DType::Int64;
    case kInt64: return DType::Int64;
  }
  return t;
}

// One row's op: forward(plan, out_dtype, d) computes the result, backward(node, grads, r)
// the input's gradient (Note [Reduction table] gives the order of the steps). A sibling
// with a second output (name_mean) passes the one its forward wrote: the node then has
// both, and saves the result as `result0`.
template <class Forward, class Backward>
Tensor reduction_op(const ReductionRow& row, const Tensor& a, const ReductionCall& call,
                    Forward forward, Backward backward, const Tensor* second = nullptr) {
  const bool scan = row.form == reduction::kScanDtype || row.form == reduction::kScan;
  const int64_t d = scan ? wrap_dim(*call.dim, a->dim()) : 0;
  const DType out_dtype = result_dtype(row, a->dtype, call.dtype);
  // torch's running sums and products have no Bool kernel (dtype=cgrad.bool, a Bool out=
  // or cumsum_ of a Bool tensor); it is not reached for a 0-d or empty input
  if (scan && out_dtype == DType::Bool && a->dim() > 0 && a->numel() > 0)
    throw NotImplementedError(std::string("\"") + row.name +
                              "_out_cpu\" not implemented for 'Bool'");
  if (row.identity == reduction::kNoIdentity) check_nonempty(row.name, a, *call.dims);
  Reduction plan_of_dims;
  if (call.dims) plan_of_dims = plan(a, *call.dims, call.keepdim);
  Tensor out = forward(plan_of_dims, out_dtype, d);
  if (row.node && any_requires_grad({&a})) {
    const bool dims_given = call.dims && call.dims->has_value();
    Reduced r{std::move(plan_of_dims.mask), call.keepdim, dims_given,
              static_cast<double>(plan_of_dims.count), std::nullopt, call.correction};
    if (scan) r.dim = d;
    else if (call.dim) r.dim = wrap_dim(*call.dim, a->dim());
    auto node = make_node(dims_given ? row.node_dims : row.node, {a},
                          [r = std::move(r), backward](Node& n, TensorList& g) -> TensorList {
                            return backward(n, g, r);
                          });
    // Note [Saved values]: the dims as given, and keepdim where there are dims.
    if (call.dim) node->save_value("dim", saved_int(*call.dim));
    else if (dims_given) node->save_value("dim", saved_ints(**call.dims));
    if (dims_given) node->save_value("keepdim", saved_bool(call.keepdim));
    const bool keep_result = row.saved == reduction::kSelfAndResult;
    record(node, second ? TensorList{out, *second} : TensorList{out},
           {row.saved != reduction::kNothing ? ToSave(saved::self, a) : ToSave(),
            keep_result ? ToSave(second ? saved::result0 : saved::result, out) : ToSave()});
  }
  return out;
}

// Each form's call: its arguments as a ReductionCall, named `call`.
#define CGRAD_CALL_kDimsOmittable const ReductionCall call{&dims, std::nullopt, keepdim, dtype, 0.0};
#define CGRAD_CALL_kOptionalDimsDtype CGRAD_CALL_kDimsOmittable
#define CGRAD_CALL_kDimOmittable                                    \
  std::optional<DimList> dims;                                      \
  if (dim) dims = DimList{*dim};                                    \
  const ReductionCall call{&dims, dim, keepdim, dtype, 0.0};
#define CGRAD_CALL_kDimsOrAll                                       \
  std::optional<DimList> planned;                                   \
  if (!dims.empty()) planned = dims;                                \
  const ReductionCall call{&planned, std::nullopt, keepdim, std::nullopt, 0.0};
#define CGRAD_CALL_kDimsRequired CGRAD_CALL_kDimsOrAll
#define CGRAD_CALL_kOptionalDims \
  const ReductionCall call{&dims, std::nullopt, keepdim, std::nullopt, 0.0};
#define CGRAD_CALL_kOptionalDim \
  const ReductionCall call{nullptr, dim, keepdim, std::nullopt, 0.0};
#define CGRAD_CALL_kVariance \
  const ReductionCall call{&dims, std::nullopt, keepdim, std::nullopt, correction};
#define CGRAD_CALL_kScanDtype const ReductionCall call{nullptr, dim, false, dtype, 0.0};
#define CGRAD_CALL_kScan const ReductionCall call{nullptr, dim, false, std::nullopt, 0.0};
#define CGRAD_CALL_kCountDims \
  const ReductionCall call{&dims, std::nullopt, false, std::nullopt, 0.0};

// What a row's backward formula may name besides `grad`, `r` and `sizes`.
#define CGRAD_READ_kNothing
#define CGRAD_READ_kSelf const Tensor self = n.saved(saved::self);
#define CGRAD_READ_kSelfAndResult \
  const Tensor self = n.saved(saved::self), result = n.saved(saved::result);
// ... and in a name_mean sibling, whose node saves its first output as `result0`.
#define CGRAD_READ_PAIR_kSelf CGRAD_READ_kSelf
#define CGRAD_READ_PAIR_kSelfAndResult \
  const Tensor self = n.saved(saved::self), result = n.saved(saved::result0);

// "VarBackward0" -> "VarMeanBackward0": the node of a row's name_mean.
std::string with_mean(const char* node) {
  std::string name(node);
  return name.insert(name.find("Backward"), "Mean");
}
}  // namespace

#define CGRAD_REDUCTION(name, py_name, form, dtype_rule, error, identity, node, node_dims,      \
                        saved, forward, backward, doc)                                         \
  Tensor name(const Tensor& a, CGRAD_REDUCTION_PARAMS_##form(CGRAD_NO_DEFAULT)) {              \
    static constexpr ReductionRow row{#py_name, reduction::form, reduction::dtype_rule, error,  \
                                      reduction::identity, node, node_dims, reduction::saved}; \
    CGRAD_CALL_##form                                                                          \
    [[maybe_unused]] Tensor* mean_out = nullptr;                                               \
    return reduction_op(                                                                       \
        row, a, call,                                                                          \
        [&]([[maybe_unused]] Reduction& plan, [[maybe_unused]] DType out_dtype,                \
            [[maybe_unused]] int64_t d) -> Tensor { return forward; },                         \
        []([[maybe_unused]] Node& n, TensorList& g,                                            \
           [[maybe_unused]] const Reduced& r) -> TensorList {                                  \
          [[maybe_unused]] const Tensor& grad = g[0];                                          \
          [[maybe_unused]] const Shape& sizes = n.input_meta()[0].sizes;                       \
          CGRAD_READ_##saved return {backward};                                                \
        });                                                                                    \
  }                                                                                            \
  CGRAD_IF_MEAN_##form(CGRAD_MEAN_SIBLING(name, py_name, form, dtype_rule, identity, node,     \
                                          saved, forward, backward))
// name_mean: the row's op with the mean as a second output, whose gradient adds mean's.
#define CGRAD_MEAN_SIBLING(name, py_name, form, dtype_rule, identity, node, saved, forward,    \
                           backward)                                                           \
  std::pair<Tensor, Tensor> name##_mean(const Tensor& a,                                       \
                                        CGRAD_REDUCTION_PARAMS_##form(CGRAD_NO_DEFAULT)) {     \
    static const std::string pair_node = with_mean(node);                                      \
    static const ReductionRow row{#py_name "_mean", reduction::form, reduction::dtype_rule,    \
                                  #py_name "_mean only support floating point and complex "    \
                                  "dtypes",                                                    \
                                  reduction::identity, pair_node.c_str(), pair_node.c_str(),   \
                                  reduction::saved};                                           \
    CGRAD_CALL_##form                                                                          \
    Tensor centre;                                                                             \
    Tensor* mean_out = &centre;                                                                \
    Tensor spread = reduction_op(                                                              \
        row, a, call,                                                                          \
        [&]([[maybe_unused]] Reduction& plan, [[maybe_unused]] DType out_dtype,                \
            [[maybe_unused]] int64_t d) -> Tensor { return forward; },                         \
        [](Node& n, TensorList& g, const Reduced& r) -> TensorList {                           \
          const Shape& sizes = n.input_meta()[0].sizes;                                        \
          CGRAD_READ_PAIR_##saved Tensor d_input;                                              \
          if (g[0]) {                                                                          \
            const Tensor& grad = g[0];                                                         \
            d_input = backward;                                                                \
          }                                                                                    \
          if (g[1]) {                                                                          \
            Tensor d_mean = detail::mean_backward(g[1], r.mask, r.keepdim, r.dims_given,       \
                                                  r.count, sizes);                             \
            d_input = d_input ? add(d_input, d_mean) : d_mean;                                 \
          }                                                                                    \
          return {d_input};                                                                    \
        },                                                                                     \
        &centre);                                                                              \
    return {spread, centre};                                                                   \
  }
#include "cgrad/reduction/reduction_ops.def"
#undef CGRAD_MEAN_SIBLING

#undef CGRAD_CALL_kDimsOmittable
#undef CGRAD_CALL_kOptionalDimsDtype
#undef CGRAD_CALL_kDimOmittable
#undef CGRAD_CALL_kDimsOrAll
#undef CGRAD_CALL_kDimsRequired
#undef CGRAD_CALL_kOptionalDims
#undef CGRAD_CALL_kOptionalDim
#undef CGRAD_CALL_kVariance
#undef CGRAD_CALL_kScanDtype
#undef CGRAD_CALL_kScan
#undef CGRAD_CALL_kCountDims
#undef CGRAD_READ_kNothing
#undef CGRAD_READ_kSelf
#undef CGRAD_READ_kSelfAndResult
#undef CGRAD_READ_PAIR_kSelf
#undef CGRAD_READ_PAIR_kSelfAndResult

// ---- nanmean ----

// As torch composes it, nansum over the count of non-NaN elements: its node is the
// division's (DivBackward0, the count off the graph), and all NaN gives 0/0 = NaN.
Tensor nanmean(const Tensor& a, const std::optional<DimList>& dims, bool keepdim,
               std::optional<DType> dtype) {
  if (!is_floating(a->dtype))
    throw std::runtime_error(
        std::string("nanmean(): expected input to have floating point or complex dtype but got ") +
        dtype_torch_name(a->dtype));
  if (dtype && !is_floating(*dtype))
    throw std::runtime_error(
        std::string("nanmean(): could not infer output dtype. Optional dtype must be either a "
                    "floating point or complex dtype. Got: ") +
        dtype_torch_name(*dtype));
  Tensor count = sum(logical_not(isnan(a)), dims, keepdim);
  return div(nansum(a, dims, keepdim, dtype), count);
}

// ---- sum_to ----

Tensor sum_to(const Tensor& grad, const Shape& sizes) {
  if (same_shape(grad->sizes, sizes)) return grad;
  const int64_t lead = grad->dim() - static_cast<int64_t>(sizes.size());
  DimList dims;
  for (int64_t d = 0; d < grad->dim(); ++d)
    if (d < lead || (sizes[d - lead] == 1 && grad->sizes[d] != 1)) dims.push_back(d);
  Tensor reduced = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return same_shape(reduced->sizes, sizes) ? reduced : reshape(reduced, sizes);
}

}  // namespace cgrad
