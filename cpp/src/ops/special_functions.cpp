// polygamma, logit and special_i1: the special functions outside the unary table (they
// take an option, or torch has no top-level name for them). Scalar formulas in
// kernels/special_functions.h (Note [Special functions]).
#include <limits>

#include "ops/common.h"

namespace cgrad {

using detail::constant;
using detail::float_result;

namespace {
// polygamma recorded under `node_name`: torch names the function's node and the in-place
// method's apart (derivatives.yaml has a row for each).
Tensor polygamma_recorded(int64_t n, const Tensor& a, const char* node_name) {
  if (n < 0) throw std::runtime_error("polygamma(n, x) does not support negative n.");
  Tensor out = detail::unary_forward(kernels::UnaryOp::Polygamma, a, float_result(a),
                                     {static_cast<double>(n), 0.0});
  if (any_requires_grad({&a})) {
    auto node = make_node(node_name, {a}, [n](Node& nd, TensorList& g) -> TensorList {
      return {mul(g[0], polygamma(n + 1, nd.saved(saved::self)))};
    });
    record(node, {out}, {ToSave(saved::self, a)});
  }
  return out;
}
}  // namespace

Tensor polygamma(int64_t n, const Tensor& a) { return polygamma_recorded(n, a, "PolygammaBackward0"); }

Tensor& polygamma_(Tensor& self, int64_t n) {
  return apply_inplace(self, "polygamma_",
                       [&] { return polygamma_recorded(n, self, "PolygammaBackward1"); });
}

Tensor special_i1(const Tensor& a) {
  Tensor out = detail::unary_forward(kernels::UnaryOp::I1, a, float_result(a));
  if (any_requires_grad({&a})) {
    auto node = make_node("SpecialI1Backward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      // I1'(x) = I0(x) - I1(x) / x, 1/2 at 0.
      const Tensor x = n.saved(saved::self), result = n.saved(saved::result);
      const Tensor slope = sub(i0(x), div(result, x));
      return {mul(g[0], where(eq(x, constant(0.0)), constant(0.5), slope))};
    });
    record(node, {out}, {ToSave(saved::self, a), ToSave(saved::result, out)});
  }
  return out;
}

namespace {
// The clamp bounds of logit, eps and 1 - eps, rounded as torch computes them: in the
// element type.
std::pair<double, double> logit_bounds(DType t, double eps) {
  if (t == DType::Float32) {
    const float lo = static_cast<float>(eps);
    return {lo, 1.0f - lo};
  }
  return {eps, 1.0 - eps};
}
}  // namespace

// Note [logit's eps]: torch reads a negative eps as none (no clamp, NaN gradient outside
// [0, 1]); with eps the input is clamped into [eps, 1 - eps] and the gradient is 0 outside.
Tensor logit(const Tensor& a, std::optional<double> eps) {
  if (eps && *eps < 0) eps.reset();
  const DType t = float_result(a);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor x = detail::cast(a, t);
    if (eps) {
      auto [lo, hi] = logit_bounds(t, *eps);
      x = clamp(x, wrapped_scalar(lo, DType::Float64), wrapped_scalar(hi, DType::Float64));
    }
    out = detail::in_input_layout(log(div(x, rsub(x, constant(1.0)))), {a.get()});
  }
  if (any_requires_grad({&a})) {
    auto node = make_node("LogitBackward0", {a}, [eps](Node& n, TensorList& g) -> TensorList {
      const Tensor x = n.saved(saved::self);
      const Tensor slope = div(g[0], mul(x, rsub(x, constant(1.0))));
      double lo = 0, hi = 1, outside = std::numeric_limits<double>::quiet_NaN();
      if (eps) {
        std::tie(lo, hi) = logit_bounds(x->dtype, *eps);
        outside = 0;
      }
      const Tensor out_of_range = logical_or(lt(x, constant(lo)), gt(x, constant(hi)));
      return {where(out_of_range, constant(outside), slope)};
    });
    record(node, {out}, {ToSave(saved::self, a)});
  }
  return out;
}

}  // namespace cgrad
