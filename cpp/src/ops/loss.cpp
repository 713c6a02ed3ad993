// Losses: mse, l1, nll (class indices), cross entropy (indices or probabilities, label
// smoothing), binary cross entropy on probabilities and on logits. Fused losses compute
// their value with cgrad ops under no_grad and record one node named as torch's, whose
// backward formula is again written in cgrad ops (so it differentiates twice);
// composite ones (l1, cross entropy) are built from ops, as torch builds them. torch's
// nn.functional checks shapes before its fused op reads the inputs' histories; the
// fused op's own checks come after (Note [Input histories are read first]).
#include <cmath>
#include <cstring>
#include <sstream>

#include "cgrad/autograd/views.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

Tensor reduce_loss(const Tensor& loss, LossReduction reduction) {
  switch (reduction) {
    case LossReduction::None: return loss;
    case LossReduction::Mean: return mean(loss);
    case LossReduction::Sum: break;
  }
  return sum(loss);
}

// A fused loss's gradient from its elementwise derivative d: d * upstream, times the
// weight, over the element count for 'mean' (in that order, as torch, so float32
// upstream gradients do not round a float64 result).
Tensor loss_grad(const Tensor& d, const Tensor& upstream, const Tensor& weight,
                 LossReduction reduction, int64_t count) {
  Tensor g = mul(d, upstream);
  if (weight) g = mul(g, weight);
  return reduction == LossReduction::Mean ? div(g, constant(static_cast<double>(count))) : g;
}

// binary_cross_entropy's input and target are probabilities: torch refuses anything
// outside [0, 1], NaN included.
void check_probabilities(const Tensor& t, const char* what) {
  Tensor above = ge(t, constant(0.0));  // false for NaN too
  if (item_as_double(*all(where(above, le(t, constant(1.0)), above))) == 0.0)
    throw std::runtime_error(std::string("all elements of ") + what +
                             " should be between 0 and 1");
}

// `loss.mul_(weight)` as torch's losses end: the weight broadcasts into the loss's shape
// (torch's in-place error if it would grow it) and the product keeps the loss's dtype.
Tensor times_weight_in_place(const Tensor& loss, const Tensor& weight) {
  const Shape shape = broadcast_shapes(loss->sizes, weight->sizes);
  if (shape != loss->sizes)
    throw std::runtime_error("output with shape " + shape_str(loss->sizes) +
                             " doesn't match the broadcast shape " + shape_str(shape));
  return detail::in_preserved_layout(detail::cast(mul(loss, weight), loss->dtype), *loss);
}

// A loss gradient finished as torch's: times the weight in place, then over the element
// count for 'mean'.
Tensor weighted_and_averaged(Tensor v, const Tensor& w, LossReduction reduction, int64_t count) {
  if (w) v = times_weight_in_place(v, w);
  return reduction == LossReduction::Mean ? div(v, constant(static_cast<double>(count))) : v;
}

// log(p / (1 - p)) for p in [0, 1], recorded as torch's logit (LogitBackward0, whose
// gradient grad / (p (1 - p)) is inf, not NaN, at p = 1).
Tensor logit_of_probability(const Tensor& p) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = log(div(p, rsub(p, constant(1.0))));
  }
  if (any_requires_grad({&p})) {
    auto node = make_node("LogitBackward0", {p}, [](Node& n, TensorList& g) -> TensorList {
      Tensor x = n.saved(saved::self);
      return {div(g[0], mul(x, rsub(x, constant(1.0))))};
    });
    record(node, {out}, {{saved::self, p}});
  }
  return out;
}

// Note [BCE double backward]: binary_cross_entropy's input gradient is
// grad (x - t) / max(x (1 - x), 1e-12) (times the weight, over the count for 'mean'), and
// torch differentiates it with formulas of its own rather than through the clamp:
//   d/dx = (x^2 - 2 x t + t) / ((x + eps)^2 (1 - x + eps)^2) * (gg * grad)
//   d/dt = -(gg * grad) / max(x (1 - x), eps)
//   d/dgrad = gg (x - t) / ((x + eps) (1 - x + eps)), summed to grad's shape,
// with eps = 1e-12, each times the weight and over the count as the gradient itself. So
// at x = 0 or 1 (where the clamp bites) the second derivative is large, not 0 or NaN.
// bce_input_grad records them as BinaryCrossEntropyBackwardBackward0.
Tensor bce_input_grad(const Tensor& grad, const Tensor& x, const Tensor& t, const Tensor& w,
                      LossReduction reduction, int64_t count) {
  // torch's kernel clamps at the float 1e-12 in the input's dtype (in float64 that is
  // 9.9999999600e-13); its double backward at the double 1e-12.
  const Tensor one = constant(1.0), eps = constant(static_cast<double>(1e-12f));
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = weighted_and_averaged(div(mul(grad, sub(x, t)), clamp_min(mul(rsub(x, one), x), eps)),
                                w, reduction, count);
  }
  if (any_requires_grad({&grad, &x, &t})) {
    auto node = make_node(
        "BinaryCrossEntropyBackwardBackward0", {grad, x, t},
        [reduction, count](Node& node, TensorList& g) -> TensorList {
          Tensor upstream = node.saved(saved::grad_output), x = node.saved(saved::self);
          Tensor t = node.saved(saved::target), w = node.saved(saved::weight);
          const Tensor one = constant(1.0), eps = constant(1e-12);
          auto scaled = [&](const Tensor& v) { return weighted_and_averaged(v, w, reduction, count); };
          Tensor both = mul(g[0], upstream);
          Tensor d_upstream, d_x, d_t;
          Tensor a = add(x, eps), b = add(rsub(x, one), eps);
          if (node.needs_input_grad(0))
            d_upstream = sum_to(scaled(mul(div(sub(x, t), mul(a, b)), g[0])),
                                node.input_meta()[0].sizes);
          if (node.needs_input_grad(1)) {
            Tensor numerator = add(sub(mul(x, x), mul(mul(constant(2.0), x), t)), t);
            d_x = scaled(mul(div(numerator, mul(mul(a, a), mul(b, b))), both));
          }
          if (node.needs_input_grad(2)) {  // weighted before the division, as torch
            Tensor weighted = w ? times_weight_in_place(neg(both), w) : neg(both);
            d_t = div(weighted, clamp_min(mul(rsub(x, one), x), eps));
            if (reduction == LossReduction::Mean)
              d_t = div(d_t, constant(static_cast<double>(count)));
          }
          return {d_upstream, d_x, d_t};
        });
    record(node, {out}, {{saved::grad_output, grad},
                         {saved::self, x},
                         {saved::target, t},
                         {saved::weight, w}});
  }
  return out;
}

// log(sigmoid(x)) = -(max(-x, 0) + log(1 + exp(-|x|))), finite for every x. It records
// its own node, d/dx = sigmoid(-x): differentiated through relu and abs, autograd would
// give 0 at x = 0 (both have a zero subgradient there) where the derivative is 1/2.
Tensor log_sigmoid(const Tensor& x) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = neg(add(relu(neg(x)), log(add(exp(neg(abs(x))), constant(1.0)))));
  }
  if (any_requires_grad({&x})) {
    auto node = make_node("LogSigmoidBackward0", {x}, [](Node& n, TensorList& g) -> TensorList {
      return {mul(g[0], sigmoid(neg(n.saved(saved::self))))};
    });
    record(node, {out}, {{saved::self, x}});
  }
  return out;
}

// torch has no gradient for class / sample weights and refuses ones that require grad.
void check_not_differentiable(const Tensor& t, const char* function, const char* argument) {
  if (t && t->requires_grad() && GradMode::records())
    throw std::runtime_error(std::string("The function '") + function +
                             "' is not differentiable with respect to argument '" + argument +
                             "'. This input cannot have requires_grad True.");
}

std::string size_repr(const Shape& s) { return "cgrad.Size(" + shape_str(s) + ")"; }

// Class-index positions along dim 1 of an [N, C, R] tensor: [1, C, 1].
Tensor class_positions(int64_t classes, int64_t rank, int64_t class_dim) {
  Shape sizes(rank, 1);
  sizes[class_dim] = classes;
  Tensor positions = arange(0, static_cast<double>(classes), 1, DType::Int64);
  return make_view(positions, sizes, contiguous_strides(sizes), 0);
}

// nll_loss's gradient: the upstream gradient times `scale` at each kept target's class,
// 0 elsewhere, in the input's shape. `targets` [N, R] (ignored ones -1) and `scale`
// [N, R] are the forward's. Recorded (under create_graph) as torch's
// NllLossBackwardBackward0 / NllLoss2DBackwardBackward0, with an edge to the input whose
// gradient is 0: the result depends on the input's shape only, yet requires grad as in
// torch, and the double backward gives the input a zero gradient rather than none.
Tensor nll_backward(const Tensor& upstream, const Tensor& input, const Tensor& targets,
                    const Tensor& scale, int64_t classes, LossReduction reduction,
                    const char* name) {
  const int64_t n = targets->sizes[0], r = targets->sizes[1];
  Tensor grad;
  {  // Note [Scattered nll gradient]
    GradModeGuard no_grad(false);
    Tensor up = reduction == LossReduction::None ? reshape(upstream, {n, r}) : upstream;
    Tensor values = contiguous(mul(up, scale));  // [N, R], as scale
    grad = empty({n, classes, r}, values->dtype);
    kernels::scatter_class_grads(*targets, *values, *grad);
    grad = reshape(grad, input->sizes);
  }
  if (any_requires_grad({&upstream, &input})) {
    const bool two_d = std::strcmp(name, "NllLoss2DBackward0") == 0;
    auto node = make_node(two_d ? "NllLoss2DBackwardBackward0" : "NllLossBackwardBackward0",
                          {upstream, input},
                          [n, classes, r, reduction](Node& node, TensorList& g) -> TensorList {
      Tensor targets = node.saved(saved::kept_targets), scale = node.saved(saved::target_scale);
      Tensor grad_upstream, grad_input;
      if (node.needs_input_grad(0)) {  // the loss of the incoming gradient itself
        Tensor hit = eq(class_positions(classes, 3, 1), unsqueeze(targets, 1));
        Tensor gg = reshape(g[0], {n, classes, r});
        Tensor picked = mul(sum(where(hit, gg, constant(0.0)), DimList{1}), scale);
        if (reduction == LossReduction::None)
          grad_upstream = reshape(picked, node.input_meta()[0].sizes);
        else if (reduction == LossReduction::Mean && n * r == 0)
          grad_upstream = div(sum(picked), constant(0.0));  // torch's nll_loss of no targets: 0/0
        else
          grad_upstream = sum(picked);
      }
      if (node.needs_input_grad(1))
        grad_input = full(node.input_meta()[1].sizes, 0.0, g[0]->dtype);
      return {grad_upstream, grad_input};
    });
    record(node, {grad}, {{saved::kept_targets, targets}, {saved::target_scale, scale}});
  }
  return grad;
}

// nll_loss on a 1-D, 2-D or 4-D input, recorded as `name`.
Tensor nll_core(const Tensor& input, const Tensor& target, const Tensor& weight,
                LossReduction reduction, int64_t ignore_index, const char* name) {
  const int64_t nd = input->dim();
  if (nd <= 2 && target->dim() > 1)
    throw std::runtime_error("0D or 1D target tensor expected, multi-target not supported");
  if (nd <= 2 && target->dim() == 1 && target->sizes[0] != (nd == 1 ? 1 : input->sizes[0]))
    throw std::runtime_error("size mismatch (got input: " + shape_str(input->sizes) +
                             ", target: " + shape_str(target->sizes) + ")");
  if (nd == 4 && (target->dim() != 3 || target->sizes[0] != input->sizes[0] ||
                  target->sizes[1] != input->sizes[2] || target->sizes[2] != input->sizes[3]))
    throw std::runtime_error("size mismatch (got input: " + shape_str(input->sizes) +
                             " , target: " + shape_str(target->sizes));
  if (target->dtype != DType::Int64)
    throw std::runtime_error(std::string("expected target dtype to be Long or Byte, but got ") +
                             dtype_torch_name(target->dtype));
  if (!is_floating(input->dtype))
    throw NotImplementedError(std::string(nd == 4 ? "\"nll_loss2d_forward_out_frame\"" : "\"nll_loss_out_frame\"") +
                              " not implemented for '" + dtype_torch_name(input->dtype) + "'");
  const int64_t classes = nd == 1 ? input->sizes[0] : input->sizes[1];
  if (weight && weight->numel() != classes)
    throw std::runtime_error("weight tensor should be defined either for all " +
                             std::to_string(classes) +
                             " classes or no classes but got weight tensor of shape: " +
                             shape_str(weight->sizes));
  if (weight && weight->dtype != input->dtype)
    throw std::runtime_error(std::string("expected scalar type ") + dtype_torch_name(input->dtype) +
                             " but found " + dtype_torch_name(weight->dtype));
  check_not_differentiable(weight, nd == 4 ? "nll_loss2d_forward" : "nll_loss_forward", "weight");

  // Every layout as [N, C, R].
  const int64_t n = nd == 1 ? 1 : input->sizes[0];
  const int64_t r = nd == 4 ? saturating_mul(input->sizes[2], input->sizes[3]) : 1;
  auto dense = detail::dense_as;
  Tensor x = dense(input, {n, classes, r}), t = dense(target, {n, r});
  Tensor w = weight ? dense(weight, {classes}) : Tensor();
  Tensor picked = empty({n, r}, input->dtype), picked_weight = empty({n, r}, input->dtype);
  int64_t bad_target = 0;
  if (!kernels::gather_class_scores(*x, *t, w.get(), ignore_index, *picked, *picked_weight,
                                    &bad_target))
    throw IndexError("Target " + std::to_string(bad_target) + " is out of bounds.");

  // Note [Ignored targets]: an ignored target contributes +0.0 to the loss and exactly 0
  // to the gradient, as in torch, even when every target is ignored and 'mean' divides by
  // a total weight of 0 (the loss is then NaN, the gradient still 0). So the losses are
  // +0.0 there and -(x*w) at a kept target (-0.0 for x = 0, as torch's, which 1/loss and
  // log show), and the backward masks with `kept`, the targets with ignored ones replaced
  // by -1, which matches no class: the NaN scale of an all-ignored batch never reaches the
  // gradient.
  //
  // Note [Scattered nll gradient]: the gradient is zero but at the N*R targets, so it
  // is written with one memset and a scatter (one pass over N*C*R elements, not a
  // comparison and a select over all of them). Its own derivative is recorded by
  // nll_backward's node, so the kernel serves create_graph too.
  Tensor out, scale, kept;  // scale: d loss / d input at each target, before the upstream grad
  Tensor total;  // the weight of the targets counted (torch's total_weight; 0 when unused)
  {
    GradModeGuard no_grad(false);
    Tensor ignored = eq(t, wrapped_scalar(ignore_index, DType::Int64));
    Tensor losses = where(ignored, constant(0.0), neg(mul(picked, picked_weight)));
    scale = rsub(picked_weight, constant(0.0));  // +0.0 for an ignored target
    total = reduction == LossReduction::None ? scalar_tensor(0.0, input->dtype)
                                             : sum(picked_weight);
    kept = where(ignored, wrapped_scalar(int64_t{-1}, DType::Int64), t);
    if (reduction == LossReduction::None) {
      // The same elements under the target's shape, but not a view: the output gets this
      // op's node, and a view made under no_grad could not be written in place.
      out = make_view(losses, target->sizes, contiguous_strides(target->sizes), losses->offset);
    } else if (reduction == LossReduction::Sum) {
      out = sum(losses);
    } else {
      out = div(sum(losses), total);
      scale = div(scale, total);
    }
  }
  if (any_requires_grad({&input})) {
    auto node = make_node(name, {input}, [classes, reduction, name](Node& node, TensorList& g) -> TensorList {
      // A recorded backward runs torch's nll_loss_backward op, which refuses a weight that
      // has come to require grad since the forward.
      check_not_differentiable(node.saved(saved::weight),
                               std::string(name) == "NllLoss2DBackward0" ? "nll_loss2d_backward"
                                                                         : "nll_loss_backward",
                               "weight");
      return {nll_backward(g[0], node.saved(saved::self), node.saved(saved::kept_targets),
                           node.saved(saved::target_scale), classes, reduction, name)};
    });
    node->save_value("ignore_index", saved_int(ignore_index));  // Note [Saved values]
    node->save_value("reduction", saved_int(static_cast<int64_t>(reduction)));
    // The formula reads kept and scale; torch's saved attributes are kept (and checked
    // against in-place changes) as torch does.
    record(node, {out}, {{saved::kept_targets, kept},
                         {saved::target_scale, scale},
                         {saved::self, input},
                         {saved::target, target},
                         {saved::total_weight, total},
                         {saved::weight, weight}});
  }
  return out;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, LossReduction reduction) {
  const Shape shape = broadcast_shapes(input->sizes, target->sizes);
  read_input_histories({&input, &target});
  Tensor x = expand_to(input, shape), t = expand_to(target, shape);
  const DType dtype = result_type(x, t);
  if (!is_floating(dtype))
    throw NotImplementedError(std::string("\"mse_cpu\" not implemented for '") +
                              dtype_torch_name(dtype) + "'");
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor diff = sub(x, t);
    out = reduce_loss(mul(diff, diff), reduction);
  }
  if (any_requires_grad({&x, &t})) {
    const int64_t count = numel_of(shape);
    const double norm = reduction == LossReduction::Mean ? 2.0 / static_cast<double>(count) : 2.0;
    auto node = make_node("MseLossBackward0", {x, t}, [norm](Node& n, TensorList& g) -> TensorList {
      Tensor diff = sub(n.saved(saved::self), n.saved(saved::target));
      Tensor grad = mul(mul(constant(norm), diff), g[0]);
      return {n.needs_input_grad(0) ? grad : Tensor(), n.needs_input_grad(1) ? neg(grad) : Tensor()};
    });
    // Note [Saved values]: torch's Reduction enum, None 0, Mean 1, Sum 2, as cgrad's.
    node->save_value("reduction", saved_int(static_cast<int64_t>(reduction)));
    record(node, {out}, {{saved::self, x}, {saved::target, t}});
  }
  return out;
}

namespace {

// Note [Quadratic-then-linear losses]: smooth_l1 and huber are one curve, quadratic for
// |d| < cut and linear beyond, differing only in scale: smooth_l1 is huber / beta. They
// are computed separately (not one from the other) so that each rounds as torch's kernel
// does: 0.5 d^2 / beta and |d| - 0.5 beta; 0.5 d^2 and delta (|d| - 0.5 delta). The
// backward is d' = clamp(d, -cut, cut), divided by beta for smooth_l1.
Tensor quadratic_then_linear_loss(const Tensor& input, const Tensor& target,
                                  LossReduction reduction, double cut, bool smooth_l1) {
  const Shape shape = broadcast_shapes(input->sizes, target->sizes);
  Tensor x = expand_to(input, shape), t = expand_to(target, shape);
  const DType dtype = result_type(x, t);
  if (!is_floating(dtype))
    throw NotImplementedError(std::string(smooth_l1 ? "\"smooth_l1_cpu\"" : "\"huber_cpu\"") +
                              " not implemented for '" + dtype_torch_name(dtype) + "'");
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor d = sub(x, t);
    Tensor ad = abs(d);
    Tensor half_square = mul(constant(0.5), mul(d, d));
    Tensor linear = sub(ad, constant(0.5 * cut));
    Tensor loss = smooth_l1 ? where(lt(ad, constant(cut)), div(half_square, constant(cut)), linear)
                            : where(lt(ad, constant(cut)), half_square, mul(constant(cut), linear));
    // torch's huber writes into empty_like(input) (its input broadcast to the target),
    // smooth_l1 into a result its kernel lays out from both inputs.
    if (!smooth_l1) loss = detail::in_preserved_layout(loss, *x);
    out = reduce_loss(loss, reduction);
  }
  if (any_requires_grad({&x, &t})) {
    const double count = static_cast<double>(numel_of(shape));
    const double norm = (reduction == LossReduction::Mean ? 1.0 / count : 1.0) /
                        (smooth_l1 ? cut : 1.0);
    auto node = make_node(smooth_l1 ? "SmoothL1LossBackward0" : "HuberLossBackward0", {x, t},
                          [norm, cut](Node& n, TensorList& g) -> TensorList {
      Tensor d = sub(n.saved(saved::self), n.saved(saved::target));
      Tensor grad = mul(mul(constant(norm), clamp(d, constant(-cut), constant(cut))), g[0]);
      return {n.needs_input_grad(0) ? grad : Tensor(), n.needs_input_grad(1) ? neg(grad) : Tensor()};
    });
    node->save_value(smooth_l1 ? "beta" : "delta", saved_double(cut));  // Note [Saved values]
    node->save_value("reduction", saved_int(static_cast<int64_t>(reduction)));
    record(node, {out}, {{saved::self, x}, {saved::target, t}});
  }
  return out;
}

}  // namespace

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction,
                      double beta) {
  (void)broadcast_shapes(input->sizes, target->sizes);
  read_input_histories({&input, &target});
  if (beta < 0) throw std::runtime_error("smooth_l1_loss does not support negative values for beta.");
  if (beta == 0) return l1_loss(input, target, reduction);  // torch's own shortcut
  return quadratic_then_linear_loss(input, target, reduction, beta, true);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, LossReduction reduction,
                  double delta) {
  (void)broadcast_shapes(input->sizes, target->sizes);
  read_input_histories({&input, &target});
  if (!(delta > 0))
    throw std::runtime_error("huber_loss does not support non-positive values for delta.");
  return quadratic_then_linear_loss(input, target, reduction, delta, false);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, LossReduction reduction) {
  const Shape shape = broadcast_shapes(input->sizes, target->sizes);
  return reduce_loss(abs(sub(expand_to(input, shape), expand_to(target, shape))), reduction);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                LossReduction reduction, int64_t ignore_index) {
  const int64_t nd = input->dim();
  if (nd < 1) throw ValueError("Expected 1 or more dimensions (got 0)");
  if (nd != 1 && target->dim() > 0 && input->sizes[0] != target->sizes[0])
    throw ValueError("Expected input batch_size (" + std::to_string(input->sizes[0]) +
                     ") to match target batch_size (" + std::to_string(target->sizes[0]) + ").");
  if (nd <= 2 || nd == 4) read_input_histories({&input, &target, &weight});
  if (nd <= 2) return nll_core(input, target, weight, reduction, ignore_index, "NllLossBackward0");
  if (nd == 4) return nll_core(input, target, weight, reduction, ignore_index, "NllLoss2DBackward0");
  // 3-D and 5-D or more: as [N, C, 1, rest] (torch does the same).
  Shape expected{input->sizes[0]};
  expected.insert(expected.end(), input->sizes.begin() + 2, input->sizes.end());
  if (target->sizes != expected)
    throw std::runtime_error("Expected target size " + shape_str(expected) + ", got " +
                             shape_str(target->sizes));
  read_input_histories({&input, &target, &weight});
  const int64_t n = input->sizes[0], rest = numel_of(Shape(input->sizes.begin() + 2, input->sizes.end()));
  // An empty side is viewed as [N, C, 0, 0] / [N, 0, 0] instead (torch does the same), so
  // classes=0 with targets present is a size mismatch, not an out-of-bounds target.
  const int64_t c = input->sizes[1];
  const Shape input_4d = input->numel() ? Shape{n, c, 1, rest} : Shape{n, c, 0, 0};
  const Shape target_3d = target->numel() ? Shape{n, 1, rest} : Shape{n, 0, 0};
  Tensor out = nll_core(view(contiguous(input), input_4d), view(contiguous(target), target_3d),
                        weight, reduction, ignore_index, "NllLoss2DBackward0");
  return reduction == LossReduction::None ? view(out, target->sizes) : out;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     LossReduction reduction, int64_t ignore_index, double label_smoothing) {
  if (label_smoothing < 0.0 || label_smoothing > 1.0) {
    std::ostringstream msg;
    msg << "label_smoothing must be between 0.0 and 1.0. Got: " << label_smoothing;
    throw std::runtime_error(msg.str());
  }
  const int64_t class_dim = input->dim() == 1 ? 0 : 1;
  const int64_t classes = input->dim() == 0 ? 1 : input->sizes[class_dim];
  Shape weight_shape(std::max<int64_t>(input->dim(), 1), 1);  // weight along the class dim
  weight_shape[class_dim] = classes;

  if (input->sizes == target->sizes) {  // class probabilities
    if (!is_floating(target->dtype))
      throw std::runtime_error(std::string("Expected floating point type for target with class "
                                           "probabilities, got ") + dtype_torch_name(target->dtype));
    if (ignore_index >= 0)
      throw std::runtime_error("ignore_index is not supported for floating point target");
    Tensor logp = log_softmax(input, class_dim);
    Tensor probs = label_smoothing > 0
                       ? add(mul_scalar(target, 1.0 - label_smoothing),
                             wrapped_scalar(label_smoothing / static_cast<double>(classes), DType::Float64))
                       : target;
    Tensor terms = mul(logp, probs);
    if (weight) terms = mul(terms, reshape(weight, weight_shape));
    switch (reduction) {
      case LossReduction::None: return neg(sum(terms, DimList{class_dim}));
      case LossReduction::Sum: return neg(sum(terms));
      case LossReduction::Mean: break;
    }
    // No elements: torch's mean is NaN (there is no batch size to divide by).
    if (input->numel() == 0) return neg(mul_scalar(sum(terms), NAN));
    return div_scalar(neg(sum(terms)), static_cast<double>(input->numel() / classes));
  }

  Tensor logp = log_softmax(input, class_dim);
  Tensor nll = nll_loss(logp, target, weight, reduction, ignore_index);
  if (label_smoothing == 0.0) return nll;
  // Smoothing: mix in the loss against the uniform distribution, 0 at ignored targets.
  Tensor ignored = eq(target, scalar_tensor(static_cast<double>(ignore_index), DType::Int64));
  Tensor smooth = neg(sum(weight ? mul(logp, reshape(weight, weight_shape)) : logp, DimList{class_dim}));
  smooth = where(ignored, constant(0.0), smooth);
  Tensor ret = smooth;
  if (reduction == LossReduction::Sum) {
    ret = sum(smooth);
  } else if (reduction == LossReduction::Mean) {
    // Divided by the summed weight (or the count) of the targets not ignored.
    Tensor denominator;
    if (weight) {
      Tensor hit = logical_and(
          eq(class_positions(classes, logp->dim(), class_dim), unsqueeze(target, class_dim)),
          logical_not(unsqueeze(ignored, class_dim)));  // ignored targets weigh nothing
      denominator = sum(mul(hit, reshape(weight, weight_shape)));
    } else {
      denominator = sum(eq(ignored, scalar_tensor(0, DType::Bool)));
    }
    ret = div(sum(smooth), denominator);
  }
  return add(mul_scalar(nll, 1.0 - label_smoothing),
             mul_scalar(ret, label_smoothing / static_cast<double>(classes)));
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            LossReduction reduction) {
  if (input->sizes != target->sizes)
    throw ValueError("Using a target size (" + size_repr(target->sizes) +
                     ") that is different to the input size (" + size_repr(input->sizes) +
                     ") is deprecated. Please ensure they have the same size.");
  const Shape weight_shape = weight ? broadcast_shapes(target->sizes, weight->sizes) : Shape();
  read_input_histories({&input, &target, &weight});
  if (target->dtype != input->dtype)
    throw std::runtime_error(std::string("Found dtype ") + dtype_torch_name(target->dtype) +
                             " but expected " + dtype_torch_name(input->dtype));
  check_not_differentiable(weight, "binary_cross_entropy", "weight");
  Tensor w = weight ? expand_to(weight, weight_shape) : Tensor();
  Tensor out;
  {
    GradModeGuard no_grad(false);
    check_probabilities(input, "input");
    check_probabilities(target, "target");
    // torch's kernel: (t - 1) max(log1p(-x), -100) - t max(log x, -100). The clamp keeps
    // 0 * log(0) finite; this order gives +0.0 (not -0.0) where x = t = 0 or 1.
    Tensor one = constant(1.0), floor = constant(-100.0);
    Tensor loss = sub(mul(sub(target, one), clamp_min(log1p(neg(input)), floor)),
                      mul(target, clamp_min(log(input), floor)));
    // A result laid out as empty_like(input), then scaled in place by the weight.
    loss = detail::in_preserved_layout(loss, *input);
    if (w) loss = times_weight_in_place(loss, w);
    out = reduce_loss(loss, reduction);
  }
  if (any_requires_grad({&input, &target})) {
    const int64_t count = input->numel();
    auto node = make_node(
        "BinaryCrossEntropyBackward0", {input, target},
        [reduction, count](Node& n, TensorList& g) -> TensorList {
          Tensor x = n.saved(saved::self), t = n.saved(saved::target), w = n.saved(saved::weight);
          Tensor gi, gt;
          if (n.needs_input_grad(0)) gi = bce_input_grad(g[0], x, t, w, reduction, count);
          if (n.needs_input_grad(1)) {  // -logit(x) grad, then weight and count as above
            gt = weighted_and_averaged(mul(neg(logit_of_probability(x)), g[0]), w, reduction, count);
          }
          return {gi, gt};
        });
    node->save_value("reduction", saved_int(static_cast<int64_t>(reduction)));  // Note [Saved values]
    record(node, {out}, {{saved::self, input}, {saved::target, target}, {saved::weight, w}});
  }
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        LossReduction reduction) {
  if (input->sizes != target->sizes)
    throw ValueError("Target size (" + size_repr(target->sizes) +
                     ") must be the same as input size (" + size_repr(input->sizes) + ")");
  read_input_histories({&input, &target, &weight, &pos_weight});
  if (!is_floating(target->dtype))
    throw std::runtime_error(std::string("result type ") +
                             dtype_torch_name(result_type(input, target)) +
                             " can't be cast to the desired output type " +
                             dtype_torch_name(target->dtype));
  check_not_differentiable(weight, "binary_cross_entropy_with_logits", "weight");
  check_not_differentiable(pos_weight, "binary_cross_entropy_with_logits", "pos_weight");
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor one = constant(1.0);
    // (1 - t) x - (1 + (pos_weight - 1) t) log(sigmoid(x)), in torch's steps: each
    // in-place one keeps its left side's dtype (so the result has target's) and refuses a
    // right side that would grow it.
    Tensor log_sig = log_sigmoid(input);
    if (pos_weight)
      log_sig = times_weight_in_place(log_sig, add(mul(sub(pos_weight, one), target), one));
    Tensor loss = detail::cast(mul(rsub(target, one), input), target->dtype);
    loss = detail::cast(sub(loss, log_sig), target->dtype);
    if (weight) loss = times_weight_in_place(loss, weight);
    out = reduce_loss(loss, reduction);
  }
  if (any_requires_grad({&input, &target})) {
    const int64_t count = input->numel();
    auto node = make_node(
        "BinaryCrossEntropyWithLogitsBackward0", {input, target},
        [reduction, count](Node& n, TensorList& g) -> TensorList {
          Tensor x = n.saved(saved::self), t = n.saved(saved::target);
          Tensor w = n.saved(saved::weight), pw = n.saved(saved::pos_weight);
          Tensor gi, gt;
          if (n.needs_input_grad(0)) {
            // sigmoid(x) - t, or (pw t + 1 - t) sigmoid(x) - pw t with pos_weight
            Tensor d = sub(sigmoid(x), t);
            if (pw) {
              Tensor pt = mul(pw, t);
              d = sub(mul(add(rsub(t, constant(1.0)), pt), sigmoid(x)), pt);
            }
            gi = loss_grad(d, g[0], w, reduction, count);
          }
          if (n.needs_input_grad(1)) {
            // -x, or log(sigmoid(-x)) - pw log(sigmoid(x)) with pos_weight
            Tensor d = pw ? sub(log_sigmoid(neg(x)), mul(pw, log_sigmoid(x))) : neg(x);
            gt = loss_grad(d, g[0], w, reduction, count);
          }
          return {gi, gt};
        });
    node->save_value("reduction", saved_int(static_cast<int64_t>(reduction)));  // Note [Saved values]
    record(node, {out}, {{saved::self, input},
                         {saved::target, target},
                         {saved::weight, weight},
                         {saved::pos_weight, pos_weight}});
  }
  return out;
}

}  // namespace cgrad
