// Math functions composed from the basic ops: each forward runs those ops with grad mode
// off and records one node under torch's name, whose backward formula (again in cgrad's
// ops, so it differentiates twice) sits beside it.
//
// Note [Composed math functions]: none of these is a hot loop in the programs cgrad
// targets, so they reuse the vectorised kernels of the ops they are made of rather than
// each adding a kernel; what torch shows of them (values, dtypes, node names, gradients)
// is the same either way.
#include <cmath>
#include <limits>

#include "cgrad/autograd/views.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;
using detail::float_result;
using detail::reduced_dims;
using detail::unreduce;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLn2 = 0.69314718055994530942;

// The common floating dtype of a binary function that has no integer kernel in torch.
DType floating_binary_dtype(const char* kernel, const Tensor& a, const Tensor& b) {
  const DType dtype = result_type(a, b);
  if (!is_floating(dtype)) throw detail::not_implemented_for(kernel, dtype);
  return dtype;
}

// The gradient of a binary function for one operand, undone of broadcasting.
Tensor operand_grad(Node& n, size_t i, const Tensor& g) {
  return n.needs_input_grad(i) ? sum_to(g, n.input_meta()[i].sizes) : Tensor();
}

}  // namespace

Tensor exp2(const Tensor& a) {
  // 2 ** a by pow's kernel, laid out as the unary op it is in torch.
  const DType t = float_result(a);
  Tensor out = detail::binary_forward(kernels::BinaryOp::Pow, constant(2.0), a, t, t, {},
                                      detail::OutputLayout::kTensorInputs);
  if (any_requires_grad({&a})) {
    auto node = make_node("Exp2Backward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {mul(mul(g[0], n.saved(saved::result)), constant(kLn2))};
    });
    record(node, {out}, {{saved::result, out}});
  }
  return out;
}

Tensor square(const Tensor& a) { return pow(a, wrapped_scalar(int64_t{2}, DType::Int64)); }

Tensor sinc(const Tensor& a) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor x = detail::cast(a, float_result(a));
    Tensor px = mul(x, constant(kPi));
    out = detail::in_input_layout(where(eq(x, constant(0.0)), constant(1.0), div(sin(px), px)),
                                  {a.get()});
  }
  if (any_requires_grad({&a})) {
    auto node = make_node("SincBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      // d/dx sin(pi x)/(pi x) = (pi x cos(pi x) - sin(pi x)) / (pi x^2); 0 at x = 0.
      Tensor x = n.saved(saved::self);
      Tensor px = mul(x, constant(kPi));
      Tensor slope = div(sub(mul(cos(px), px), sin(px)), mul(px, x));
      return {mul(g[0], where(eq(x, constant(0.0)), constant(0.0), slope))};
    });
    record(node, {out}, {{saved::self, a}});
  }
  return out;
}

namespace {
// log_base(base^a + base^b) = max + log_base(1 + base^-|a - b|); equal infinities give
// themselves (their difference would be NaN).
Tensor log_add(const char* name, const char* kernel, bool base2, const Tensor& a,
               const Tensor& b) {
  floating_binary_dtype(kernel, a, b);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor gap = neg(abs(sub(a, b)));
    Tensor tail = base2 ? div(log1p(exp2(gap)), constant(kLn2)) : log1p(exp(gap));
    out = detail::in_input_layout(
        where(logical_and(isinf(a), eq(a, b)), a, add(maximum(a, b), tail)), {a.get(), b.get()});
  }
  if (any_requires_grad({&a, &b})) {
    auto node = make_node(name, {a, b}, [base2](Node& n, TensorList& g) -> TensorList {
      // d/da = 1 / (1 + base^(b - a)), and symmetrically for b.
      Tensor x = n.saved(saved::self), y = n.saved(saved::other);
      auto share = [&](const Tensor& self, const Tensor& other) {
        Tensor power = base2 ? exp2(sub(other, self)) : exp(sub(other, self));
        return div(g[0], add(power, constant(1.0)));
      };
      return {n.needs_input_grad(0) ? sum_to(share(x, y), n.input_meta()[0].sizes) : Tensor(),
              n.needs_input_grad(1) ? sum_to(share(y, x), n.input_meta()[1].sizes) : Tensor()};
    });
    record(node, {out}, {{saved::self, a}, {saved::other, b}});
  }
  return out;
}
}  // namespace

Tensor logaddexp(const Tensor& a, const Tensor& b) {
  return log_add("LogaddexpBackward0", "logaddexp_cpu", false, a, b);
}
Tensor logaddexp2(const Tensor& a, const Tensor& b) {
  return log_add("Logaddexp2Backward0", "logaddexp2_cpu", true, a, b);
}

Tensor hypot(const Tensor& a, const Tensor& b) {
  const DType dtype = floating_binary_dtype("hypot_cpu", a, b);
  Tensor out;
  {
    // Note [hypot range]: float32 squares overflow from 1.8e19 on; computing them in
    // float64 keeps every float32 result finite and correctly rounded, as torch's.
    GradModeGuard no_grad(false);
    const DType wide = DType::Float64;
    Tensor x = detail::cast(a, wide), y = detail::cast(b, wide);
    out = detail::in_input_layout(detail::cast(sqrt(add(mul(x, x), mul(y, y))), dtype),
                                  {a.get(), b.get()});
  }
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("HypotBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      Tensor scaled = div(g[0], n.saved(saved::result));  // d/da = a / hypot(a, b)
      return {operand_grad(n, 0, mul(scaled, n.saved(saved::self))),
              operand_grad(n, 1, mul(scaled, n.saved(saved::other)))};
    });
    record(node, {out}, {{saved::self, a}, {saved::other, b}, {saved::result, out}});
  }
  return out;
}

Tensor xlogy(const Tensor& x, const Tensor& y) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    const DType promoted = result_type(x, y);
    const DType dtype = is_floating(promoted) ? promoted : default_float();
    // 0 * log(y) is 0 wherever x is, even for y = 0 or inf; a NaN y stays NaN.
    Tensor product = mul(x, log(y));
    out = detail::cast(where(logical_and(eq(x, constant(0.0)), logical_not(isnan(y))),
                             constant(0.0), product),
                       dtype);
    out = detail::in_input_layout(out, {x.get(), y.get()});
  }
  const bool x_number = x->is_wrapped_number, y_number = y->is_wrapped_number;
  if (any_requires_grad({&x, &y})) {
    // d/dx = log(y) (0 where x == 0 and y <= 0, as torch); d/dy = x / y.
    auto x_grad = [](const Tensor& g, const Tensor& xv, const Tensor& yv) {
      return where(logical_and(eq(xv, constant(0.0)), le(yv, constant(0.0))), constant(0.0),
                   xlogy(g, yv));
    };
    auto y_grad = [](const Tensor& g, const Tensor& xv, const Tensor& yv) {
      return div(mul(g, xv), yv);
    };
    std::shared_ptr<Node> node;
    if (x_number) {  // only y is a tensor input
      node = make_node("XlogyBackward1", {y}, [y_grad](Node& n, TensorList& g) -> TensorList {
        return {operand_grad(n, 0, y_grad(g[0], n.saved(saved::self), n.saved(saved::other)))};
      });
    } else if (y_number) {
      node = make_node("XlogyBackward2", {x}, [x_grad](Node& n, TensorList& g) -> TensorList {
        return {operand_grad(n, 0, x_grad(g[0], n.saved(saved::self), n.saved(saved::other)))};
      });
    } else {
      node = make_node("XlogyBackward0", {x, y},
                       [x_grad, y_grad](Node& n, TensorList& g) -> TensorList {
                         Tensor xv = n.saved(saved::self), yv = n.saved(saved::other);
                         return {n.needs_input_grad(0) ? operand_grad(n, 0, x_grad(g[0], xv, yv))
                                                       : Tensor(),
                                 n.needs_input_grad(1) ? operand_grad(n, 1, y_grad(g[0], xv, yv))
                                                       : Tensor()};
                       });
    }
    record(node, {out}, {{saved::self, x}, {saved::other, y}});
  }
  return out;
}

Tensor nan_to_num(const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  if (!is_floating(a->dtype)) return clone(a);  // nothing to replace, as torch
  const double top = max_finite(a->dtype);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    const double inf = std::numeric_limits<double>::infinity();
    Tensor replaced = where(eq(a, constant(inf)), constant(posinf.value_or(top)), a);
    replaced = where(eq(a, constant(-inf)), constant(neginf.value_or(-top)), replaced);
    // (torch writes into empty_like(self))
    out = detail::in_preserved_layout(where(isnan(a), constant(nan.value_or(0.0)), replaced), *a);
  }
  if (any_requires_grad({&a})) {
    auto node = make_node("NanToNumBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {mul(g[0], isfinite(n.saved(saved::self)))};
    });
    record(node, {out}, {{saved::self, a}});
  }
  return out;
}

// ---- comparisons ----

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  if (a->dtype != b->dtype)
    throw std::runtime_error(std::string(dtype_torch_name(a->dtype)) + " did not match " +
                             dtype_torch_name(b->dtype));
  auto check_tolerance = [](const char* name, double v) {
    if (v < 0) {
      char text[64];
      std::snprintf(text, sizeof text, "%g", v);
      throw std::runtime_error(std::string(name) + " must be greater than or equal to zero, but got " + text);
    }
  };
  check_tolerance("rtol", rtol);
  check_tolerance("atol", atol);
  const bool within_tolerance = a->dtype != DType::Bool && (rtol != 0 || atol != 0);
  if (within_tolerance) {
    // torch computes the distances with recorded ops, which read the inputs' histories
    // (Note [Input histories are read first]) once `self == other` has broadcast them:
    // `rtol * other`, then `self - other`.
    (void)broadcast_shapes(a->sizes, b->sizes);
    read_input_histories({&b, &a});
  }
  GradModeGuard no_grad(false);
  Tensor close = eq(a, b);  // also catches equal infinities
  if (equal_nan && is_floating(a->dtype)) close = logical_or(close, logical_and(isnan(a), isnan(b)));
  if (within_tolerance) {
    // Integers compare in the default float dtype, as torch.
    Tensor other = is_floating(b->dtype) ? b : detail::cast(b, default_float());
    Tensor allowed = add(constant(atol), abs(mul(constant(rtol), other)));
    Tensor actual = abs(sub(a, other));
    close = logical_or(close, logical_and(isfinite(actual), le(actual, allowed)));
  }
  return detail::in_input_layout(close, {a.get(), b.get()});  // torch's: that of a == b
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return item_as_double(*all(isclose(a, b, rtol, atol, equal_nan))) != 0.0;
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a->sizes != b->sizes) return false;
  GradModeGuard no_grad(false);
  return item_as_double(*all(eq(a, b))) != 0.0;
}

std::pair<Tensor, Tensor> aminmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim) {
  if (!dim && a->numel() == 0)
    throw std::runtime_error(
        "aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
        "identity.");
  DimList dims;
  if (dim) {
    const int64_t d = wrap_dim(*dim, std::max<int64_t>(a->dim(), 1));
    if (a->dim() > 0 && a->sizes[d] == 0)
      throw IndexError("aminmax: Expected reduction dim " + std::to_string(*dim) +
                       " to have non-zero size.");
    if (a->dim() > 0) dims.push_back(d);
  }
  Tensor lo, hi;
  {
    GradModeGuard no_grad(false);
    // amin/amax over an empty list of dims reduce everything.
    lo = amin(a, dims, keepdim && a->dim() > 0);
    hi = amax(a, dims, keepdim && a->dim() > 0);
  }
  if (any_requires_grad({&a})) {
    std::vector<bool> mask = dims.empty() ? std::vector<bool>(a->dim(), true) : dim_mask(dims, a->dim());
    auto node = make_node("AminmaxBackward0", {a}, [mask, keepdim](Node& n, TensorList& g) -> TensorList {
      Tensor x = n.saved(saved::self);
      Tensor grad;
      for (size_t k = 0; k < 2; ++k) {
        if (!g[k]) continue;
        // Ties share the gradient evenly, as amin/amax.
        Tensor tied = eq(x, unreduce(n.saved(k == 0 ? saved::min : saved::max), mask, keepdim));
        Tensor count = sum(tied, reduced_dims(mask), /*keepdim=*/true);
        Tensor part = mul(div(unreduce(g[k], mask, keepdim), count), tied);
        grad = grad ? add(grad, part) : part;
      }
      return {grad};
    });
    record(node, {lo, hi}, {{saved::self, a}, {saved::min, lo}, {saved::max, hi}});
  }
  return {lo, hi};
}

}  // namespace cgrad
