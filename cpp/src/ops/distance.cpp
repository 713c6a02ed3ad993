// cdist: pairwise p-norm distances between the rows of two batches of matrices; and
// pairwise_distance, the distance between matching rows.
//
// Note [cdist's two paths]: as torch, p = 2 between many rows (more than 25 on either
// side, or compute_mode='use_mm_for_euclid_dist') is computed as
// sqrt(|x1|^2 + |x2|^2 - 2 x1 x2^T) with one matrix product — fast, slightly less exact —
// and recorded as EuclideanDistBackward0 under a view; every other case differences all
// pairs of rows and reduces over the columns (CdistBackward0). Both forwards and both
// backward formulas are compositions of cgrad's ops, so they differentiate twice.
#include <algorithm>
#include <cmath>
#include <string>

#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

// x1[..., i, :] - x2[..., j, :] for every pair: [..., P, R, M].
Tensor pairwise_differences(const Tensor& x1, const Tensor& x2) {
  return sub(unsqueeze(x1, -2), unsqueeze(x2, -3));
}

Tensor zeros_shaped(const Shape& sizes, const Tensor& like) { return full(sizes, 0.0, like->dtype); }

// The p-norm over the last dim of the differences (M > 0).
Tensor p_norm_of_rows(const Tensor& differences, double p) {
  Tensor a = abs(differences);
  const DimList last{-1};
  if (p == 0.0) return sum(to_dtype(ne(differences, constant(0.0)), differences->dtype), last);
  if (p == 1.0) return sum(a, last);
  if (p == 2.0) return sqrt(sum(mul(a, a), last));
  if (std::isinf(p)) return amax(a, last);
  return pow(sum(pow(a, constant(p)), last), constant(1.0 / p));
}

// d dist / d x1 per pair and coordinate (x2's is its negative); 0 where torch's kernel
// takes it to be 0 (a zero distance, or a zero difference for p < 2).
Tensor distance_slopes(const Tensor& differences, const Tensor& dist, double p) {
  Tensor d = unsqueeze(dist, -1);
  Tensor zero = constant(0.0);
  if (p == 1.0) return sign(differences);
  if (std::isinf(p))
    return mul(sign(differences), to_dtype(eq(abs(differences), d), differences->dtype));
  if (p == 2.0) return where(eq(d, zero), zero, div(differences, d));
  Tensor a = abs(differences);
  if (p < 2.0) {
    Tensor slope = div(mul(sign(differences), pow(a, constant(p - 1.0))), pow(d, constant(p - 1.0)));
    return where(logical_or(eq(d, zero), eq(a, zero)), zero, slope);
  }
  Tensor slope = div(mul(differences, pow(a, constant(p - 2.0))), pow(d, constant(p - 1.0)));
  return where(eq(d, zero), zero, slope);
}

Tensor pairwise_cdist(const Tensor& x1, const Tensor& x2, double p, const Shape& out_shape) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = x1->sizes.back() == 0 ? zeros_shaped(out_shape, x1)
                                : p_norm_of_rows(pairwise_differences(x1, x2), p);
  }
  if (any_requires_grad({&x1, &x2})) {
    auto node = make_node("CdistBackward0", {x1, x2}, [p](Node& n, TensorList& g) -> TensorList {
      Tensor x1 = n.saved(saved::x1), x2 = n.saved(saved::x2);
      if (p == 0.0)  // the count of differing coordinates is flat almost everywhere
        return {n.needs_input_grad(0) ? zeros_shaped(x1->sizes, g[0]) : Tensor(),
                n.needs_input_grad(1) ? zeros_shaped(x2->sizes, g[0]) : Tensor()};
      Tensor spread = mul(unsqueeze(g[0], -1), distance_slopes(pairwise_differences(x1, x2),
                                                                n.saved(saved::result), p));
      return {n.needs_input_grad(0) ? sum_to(sum(spread, DimList{-2}), x1->sizes) : Tensor(),
              n.needs_input_grad(1) ? sum_to(neg(sum(spread, DimList{-3})), x2->sizes) : Tensor()};
    });
    record(node, {out}, {{saved::x1, x1}, {saved::x2, x2}, {saved::result, out}});
  }
  return out;
}

// torch's _euclidean_dist on [..., P, M] and [..., R, M] of the same batch shape.
Tensor euclidean_dist(const Tensor& x1, const Tensor& x2) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    // [-2 x1, |x1|^2, 1] . [x2, 1, |x2|^2] = |x1|^2 + |x2|^2 - 2 x1.x2
    Tensor n1 = sum(mul(x1, x1), DimList{-1}, true), n2 = sum(mul(x2, x2), DimList{-1}, true);
    Tensor lhs = cat({mul(x1, constant(-2.0)), n1, full(n1->sizes, 1.0, n1->dtype)}, -1);
    Tensor rhs = cat({x2, full(n2->sizes, 1.0, n2->dtype), n2}, -1);
    out = sqrt(clamp_min(matmul(lhs, transpose(rhs, -1, -2)), constant(0.0)));
  }
  if (any_requires_grad({&x1, &x2})) {
    auto node = make_node("EuclideanDistBackward0", {x1, x2}, [](Node& n, TensorList& g) -> TensorList {
      Tensor x1 = n.saved(saved::x1), x2 = n.saved(saved::x2), dist = n.saved(saved::result);
      Tensor zero = constant(0.0);
      Tensor ratio = where(eq(dist, zero), zero, div(g[0], dist));
      Tensor g1, g2;
      if (n.needs_input_grad(0))
        g1 = sub(mul(x1, sum(ratio, DimList{-1}, true)), matmul(ratio, x2));
      if (n.needs_input_grad(1))
        g2 = sub(mul(x2, unsqueeze(sum(ratio, DimList{-2}), -1)), matmul(transpose(ratio, -1, -2), x1));
      return {g1, g2};
    });
    record(node, {out}, {{saved::x1, x1}, {saved::x2, x2}, {saved::result, out}});
  }
  return out;
}

void check_cdist_operand(const Tensor& x, const char* name) {
  if (x->dim() < 2)
    throw std::runtime_error(std::string("cdist only supports at least 2D tensors, ") + name +
                             " got: " + std::to_string(x->dim()) + "D");
}

}  // namespace

Tensor cdist(const Tensor& x1, const Tensor& x2, double p, CdistMode mode) {
  check_cdist_operand(x1, "X1");
  check_cdist_operand(x2, "X2");
  const int64_t columns = x1->sizes.back();
  if (x2->sizes.back() != columns)
    throw std::runtime_error("X1 and X2 must have the same number of columns. X1: " +
                             std::to_string(columns) + " X2: " + std::to_string(x2->sizes.back()));
  for (auto [x, name] : {std::pair<const Tensor*, const char*>{&x1, "X1"}, {&x2, "X2"}})
    if (!is_floating((*x)->dtype))
      throw std::runtime_error(std::string("cdist only supports floating-point dtypes, ") + name +
                               " got: " + dtype_torch_name((*x)->dtype));
  if (!(p >= 0.0)) throw std::runtime_error("cdist only supports non-negative p values");
  if (x1->dtype != x2->dtype)
    throw std::runtime_error(std::string("expected scalar type ") + dtype_torch_name(x1->dtype) +
                             " but found " + dtype_torch_name(x2->dtype));
  const int64_t rows1 = x1->sizes[x1->dim() - 2], rows2 = x2->sizes[x2->dim() - 2];
  Shape batch = broadcast_shapes(Shape(x1->sizes.begin(), x1->sizes.end() - 2),
                                 Shape(x2->sizes.begin(), x2->sizes.end() - 2));
  Shape out_shape = batch;
  out_shape.push_back(rows1);
  out_shape.push_back(rows2);
  const bool by_mm = p == 2.0 && (mode == CdistMode::AlwaysMm ||
                                  (mode == CdistMode::MmIfNecessary && (rows1 > 25 || rows2 > 25)));
  if (!by_mm) return pairwise_cdist(x1, x2, p, out_shape);
  if (x1->dim() == 2 && x2->dim() == 2) return view(euclidean_dist(x1, x2), out_shape);
  // Batches are broadcast and folded into one leading dim, as torch's.
  int64_t count = 1;
  for (int64_t s : batch) count *= s;
  auto folded = [&](const Tensor& x, int64_t rows) {
    Shape full_shape = batch;
    full_shape.push_back(rows);
    full_shape.push_back(columns);
    return view(contiguous(expand_to(x, full_shape)), {count, rows, columns});
  };
  return view(euclidean_dist(folded(x1, rows1), folded(x2, rows2)), out_shape);
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  const int64_t innermost = std::max(x1->dim(), x2->dim()) - 1;
  return aten_norm(add_scalar(sub(x1, x2), eps), p, DimList{innermost}, keepdim);
}

}  // namespace cgrad
