// Pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d and the
// 1-d forms. Every op turns its arguments into a PoolPlan (per-axis windows and, for
// averages, a divisor per output position) and runs the window kernels of
// kernels/pooling.cpp on the [planes, H, W] layout of a contiguous input.
//
// Note [Pooling double backward]: both poolings are linear in their input once the
// windows (and, for max, the chosen indices) are fixed, so each backward is again a
// recorded linear op whose own backward is the forward kernel: average pooling's is
// avg_pool_grad <-> avg_pool_output, max pooling's is a scatter of the gradient to the
// saved indices <-> a gather at them. Names follow torch (AvgPool2DBackwardBackward0,
// MaxPool2DWithIndicesBackwardBackward0, GatherBackward0 for the gather).
#include <cmath>
#include <memory>
#include <sstream>

#include "kernels/convolution.h"
#include "ops/common.h"

namespace cgrad {

namespace {

using kernels::AxisWindows;

struct PoolPlan {
  AxisWindows rows, cols;
  std::vector<double> divisors;  // averages only
  Shape in_shape, out_shape;
  int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  const char* name = "";           // the forward's node
  const char* backward_name = "";  // the node of its backward
  std::vector<NamedSavedValue> shown;  // the forward node's values (Note [Saved values])
};

void show_values(Node& node, const PoolPlan& plan) {
  for (const auto& [name, value] : plan.shown) node.save_value(name, value);
}
using Plan = std::shared_ptr<const PoolPlan>;

// ---- average pooling ----

Tensor avg_pool_grad(const Tensor& grad, const Plan& plan);

Tensor avg_pool_output(const Tensor& input, const Plan& plan) {
  Tensor out = empty(plan->out_shape, input->dtype);
  kernels::avg_pool2d(*detail::dense_as(input, {plan->planes, plan->in_h, plan->in_w}), plan->rows,
                      plan->cols, plan->divisors,
                      *make_view(out, {plan->planes, plan->out_h, plan->out_w},
                                 contiguous_strides({plan->planes, plan->out_h, plan->out_w}), 0));
  if (any_requires_grad({&input})) {
    auto node = make_node(plan->name, {input}, [plan](Node&, TensorList& g) -> TensorList {
      if (plan->name == std::string("AdaptiveAvgPool2DBackward0"))
        detail::check_adaptive_pool_grad(g[0], "adaptive_avg_pool2d_backward");
      return {avg_pool_grad(g[0], plan)};
    });
    show_values(*node, *plan);
    record(node, {out}, {{saved::self, input}});
  }
  return out;
}

Tensor avg_pool_grad(const Tensor& grad, const Plan& plan) {
  Tensor gx = empty(plan->in_shape, grad->dtype);
  kernels::avg_pool2d_backward(*detail::dense_as(grad, {plan->planes, plan->out_h, plan->out_w}), plan->rows,
                               plan->cols, plan->divisors,
                               *make_view(gx, {plan->planes, plan->in_h, plan->in_w},
                                          contiguous_strides({plan->planes, plan->in_h, plan->in_w}), 0));
  if (any_requires_grad({&grad})) {
    record(make_node(plan->backward_name, {grad}, [plan](Node&, TensorList& g) -> TensorList {
      return {avg_pool_output(g[0], plan)};
    }), {gx});
  }
  return gx;
}

// ---- max pooling ----

Tensor gather_at(const Tensor& source, const Tensor& indices, const Plan& plan);

// grad scattered to the input positions the forward picked.
Tensor scatter_to(const Tensor& grad, const Tensor& indices, const Plan& plan) {
  Tensor gx = empty(plan->in_shape, grad->dtype);
  const Shape flat{plan->planes, plan->out_h * plan->out_w};
  kernels::max_pool2d_backward(*detail::dense_as(grad, flat), *detail::dense_as(indices, flat),
                               *make_view(gx, {plan->planes, plan->in_h * plan->in_w},
                                          contiguous_strides({plan->planes, plan->in_h * plan->in_w}), 0));
  if (any_requires_grad({&grad})) {
    auto node = make_node(plan->backward_name, {grad}, [plan](Node& n, TensorList& g) -> TensorList {
      return {gather_at(g[0], n.saved(saved::indices), plan)};
    });
    record(node, {gx}, {{saved::indices, indices}});
  }
  return gx;
}

Tensor gather_at(const Tensor& source, const Tensor& indices, const Plan& plan) {
  Tensor out = empty(plan->out_shape, source->dtype);
  const Shape flat{plan->planes, plan->out_h * plan->out_w};
  kernels::gather_planes(*detail::dense_as(source, {plan->planes, plan->in_h * plan->in_w}),
                         *detail::dense_as(indices, flat), *make_view(out, flat, contiguous_strides(flat), 0));
  if (any_requires_grad({&source})) {
    auto node = make_node("GatherBackward0", {source}, [plan](Node& n, TensorList& g) -> TensorList {
      return {scatter_to(g[0], n.saved(saved::index), plan)};
    });
    record(node, {out}, {{saved::index, indices}});
  }
  return out;
}

std::pair<Tensor, Tensor> max_pool_output(const Tensor& input, const Plan& plan) {
  Tensor out = empty(plan->out_shape, input->dtype);
  Tensor indices = empty(plan->out_shape, DType::Int64);
  const Shape out3{plan->planes, plan->out_h, plan->out_w};
  kernels::max_pool2d(*detail::dense_as(input, {plan->planes, plan->in_h, plan->in_w}), plan->rows, plan->cols,
                      *make_view(out, out3, contiguous_strides(out3), 0),
                      *make_view(indices, out3, contiguous_strides(out3), 0));
  if (any_requires_grad({&input})) {
    auto node = make_node(plan->name, {input}, [plan](Node& n, TensorList& g) -> TensorList {
      return {scatter_to(g[0], n.saved(saved::result1), plan)};
    });
    show_values(*node, *plan);
    record(node, {out}, {{saved::self, input}, {saved::result1, indices}});
  }
  return {out, indices};
}

// ---- plans ----

std::string sizes_x(int64_t a, int64_t b, int64_t c) {
  return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c);
}

// torch's pooling output size, with its checks on stride and padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  if (s == 0) throw std::runtime_error("stride should not be zero");
  if (p < 0) throw std::runtime_error("pad must be non-negative, but got pad: " + std::to_string(p));
  if (p > ((k - 1) * d + 1) / 2)
    throw std::runtime_error("pad should be at most half of effective kernel size, but got pad=" +
                             std::to_string(p) + ", kernel_size=" + std::to_string(k) +
                             " and dilation=" + std::to_string(d));
  const int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;  // floor division
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// Windows of a strided, padded, dilated kernel, clipped to the input.
AxisWindows strided_windows(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d) {
  AxisWindows w;
  w.step = d;
  for (int64_t o = 0; o < out; ++o) {
    int64_t begin = o * s - p;
    const int64_t end = std::min(begin + (k - 1) * d + 1, in);
    while (begin < 0) begin += d;
    w.begin.push_back(begin);
    w.end.push_back(std::max(begin, end));
  }
  return w;
}

// torch's adaptive windows: [floor(o * in / out), ceil((o + 1) * in / out)).
AxisWindows adaptive_windows(int64_t in, int64_t out) {
  AxisWindows w;
  for (int64_t o = 0; o < out; ++o) {
    w.begin.push_back(o * in / out);
    w.end.push_back(((o + 1) * in + out - 1) / out);
  }
  return w;
}

// One value or two, for the 2-d poolings' arguments.
IntList pair_param(const IntList& v, bool may_be_empty, const IntList& fallback, const std::string& error) {
  if (v.empty() && may_be_empty) return fallback;
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() == 2) return v;
  throw std::runtime_error(error);
}

// The plan's shapes: the input's leading dims are the planes.
void set_shapes(PoolPlan& plan, const Tensor& input, int64_t out_h, int64_t out_w) {
  plan.in_shape = input->sizes;
  plan.in_h = input->sizes[input->dim() - 2];
  plan.in_w = input->sizes[input->dim() - 1];
  plan.planes = 1;
  for (int64_t d = 0; d < input->dim() - 2; ++d) plan.planes *= input->sizes[d];
  plan.out_h = out_h;
  plan.out_w = out_w;
  plan.out_shape = Shape(input->sizes.begin(), input->sizes.end() - 2);
  plan.out_shape.push_back(out_h);
  plan.out_shape.push_back(out_w);
}

struct Pool2dArgs {
  IntList kernel, stride, padding, dilation;
};

Pool2dArgs pool_args(const PoolOptions& o, const char* op, bool with_dilation) {
  const std::string name(op);
  Pool2dArgs a;
  a.kernel = pair_param(o.kernel_size, false, {},
                        name + ": kernel_size must either be a single int, or a tuple of two ints");
  a.stride = pair_param(o.stride, true, a.kernel,
                        name + ": stride must either be omitted, a single int, or a tuple of two ints");
  a.padding = pair_param(o.padding, false, {},
                         name + ": padding must either be a single int, or a tuple of two ints");
  a.dilation = with_dilation ? pair_param(o.dilation, false, {},
                                          name + ": dilation must be either a single int, or a tuple of two ints")
                             : IntList{1, 1};
  return a;
}

// torch's pool2d_shape_check, after the output size is known.
void check_pool_shape(const Tensor& input, const Pool2dArgs& a, int64_t out_h, int64_t out_w) {
  if (a.kernel[0] <= 0 || a.kernel[1] <= 0)
    throw std::runtime_error("kernel size should be greater than zero, but got kH: " +
                             std::to_string(a.kernel[0]) + " kW: " + std::to_string(a.kernel[1]));
  if (a.stride[0] <= 0 || a.stride[1] <= 0)
    throw std::runtime_error("stride should be greater than zero, but got dH: " +
                             std::to_string(a.stride[0]) + " dW: " + std::to_string(a.stride[1]));
  if (a.dilation[0] <= 0 || a.dilation[1] <= 0)
    throw std::runtime_error("dilation should be greater than zero, but got dilationH: " +
                             std::to_string(a.dilation[0]) + " dilationW: " + std::to_string(a.dilation[1]));
  const int64_t nd = input->dim();
  const bool valid_dims = input->sizes[nd - 3 + 1] != 0 && input->sizes[nd - 1] != 0;
  if (!((nd == 3 && input->sizes[0] != 0 && valid_dims) || (nd == 4 && valid_dims && input->sizes[1] != 0)))
    throw std::runtime_error("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                             "for input, but got:" + shape_str(input->sizes));
  const int64_t planes = input->sizes[nd - 3];
  if (out_h < 1 || out_w < 1)
    throw std::runtime_error("Given input size: (" + sizes_x(planes, input->sizes[nd - 2], input->sizes[nd - 1]) +
                             "). Calculated output size: (" + sizes_x(planes, out_h, out_w) +
                             "). Output size is too small");
}

void check_floating(const Tensor& input, const char* kernel) {
  if (!is_floating(input->dtype)) throw detail::not_implemented_for(kernel, input->dtype);
}

// The windows (and divisors) of an adaptive pooling; `None` sizes keep the input's.
IntList adaptive_sizes(const Tensor& input, const IntList& output_size, const char* op) {
  const std::string name(op);
  IntList sizes = output_size.size() == 1 ? IntList{output_size[0], output_size[0]} : output_size;
  if (sizes.size() != 2)
    throw std::runtime_error(name == "adaptive_avg_pool2d" ? name + ": output_size must be 2"
                                                           : name + "(): internal error: output_size.size() must be 2");
  if (input->dim() != 3 && input->dim() != 4)
    throw std::runtime_error(name + "(): Expected 3D or 4D tensor, but got " + shape_str(input->sizes));
  for (int d = 0; d < 2; ++d)
    if (sizes[d] == kKeepInputSize) sizes[d] = input->sizes[input->dim() - 2 + d];
  if (sizes[0] < 0 || sizes[1] < 0)
    throw std::runtime_error(name + ": elements of output_size must be greater than or equal to 0 but received {" +
                             std::to_string(sizes[0]) + ", " + std::to_string(sizes[1]) + "}");
  for (int64_t d = 1; d < input->dim(); ++d)
    if (input->sizes[d] == 0)
      throw std::runtime_error(name + "(): Expected input to have non-zero size for non-batch dimensions, "
                               "but input has sizes " + shape_str(input->sizes) + " with dimension " +
                               std::to_string(d) + " being empty");
  return sizes;
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const PoolOptions& o) {
  Pool2dArgs a = pool_args(o, "max_pool2d", true);
  if (input->dim() != 3 && input->dim() != 4)
    throw std::runtime_error("non-empty 3D or 4D (batch mode) tensor expected for input");
  const int64_t h = input->sizes[input->dim() - 2], w = input->sizes[input->dim() - 1];
  const int64_t out_h = pooled_size(h, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0], o.ceil_mode);
  const int64_t out_w = pooled_size(w, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1], o.ceil_mode);
  check_pool_shape(input, a, out_h, out_w);
  // Integers too, as torch's (no gradient to define for them).
  if (input->dtype == DType::Bool) throw detail::not_implemented_for("max_pool2d", input->dtype);
  auto plan = std::make_shared<PoolPlan>();
  set_shapes(*plan, input, out_h, out_w);
  plan->rows = strided_windows(h, out_h, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
  plan->cols = strided_windows(w, out_w, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
  plan->name = "MaxPool2DWithIndicesBackward0";
  plan->backward_name = "MaxPool2DWithIndicesBackwardBackward0";
  plan->shown = {{"kernel_size", saved_ints(a.kernel)},
                 {"stride", saved_ints(o.stride.empty() ? IntList{} : a.stride)},  // () if not given
                 {"padding", saved_ints(a.padding)},
                 {"dilation", saved_ints(a.dilation)},
                 {"ceil_mode", saved_bool(o.ceil_mode)}};
  return max_pool_output(input, plan);
}

Tensor avg_pool2d(const Tensor& input, const PoolOptions& o) {
  Pool2dArgs a = pool_args(o, "avg_pool2d", false);
  if (o.has_divisor_override && o.divisor_override == 0)
    throw std::runtime_error("divisor must be not zero");
  if (input->dim() < 3)
    throw IndexError("Dimension out of range (expected to be in range of [" + std::to_string(-std::max<int64_t>(input->dim(), 1)) +
                     ", " + std::to_string(std::max<int64_t>(input->dim(), 1) - 1) + "], but got -3)");
  if (input->dim() > 4)
    throw std::runtime_error("non-empty 3D or 4D (batch mode) tensor expected for input");
  const int64_t h = input->sizes[input->dim() - 2], w = input->sizes[input->dim() - 1];
  const int64_t out_h = pooled_size(h, a.kernel[0], a.stride[0], a.padding[0], 1, o.ceil_mode);
  const int64_t out_w = pooled_size(w, a.kernel[1], a.stride[1], a.padding[1], 1, o.ceil_mode);
  check_pool_shape(input, a, out_h, out_w);
  check_floating(input, "avg_pool2d");
  auto plan = std::make_shared<PoolPlan>();
  set_shapes(*plan, input, out_h, out_w);
  plan->rows = strided_windows(h, out_h, a.kernel[0], a.stride[0], a.padding[0], 1);
  plan->cols = strided_windows(w, out_w, a.kernel[1], a.stride[1], a.padding[1], 1);
  // Note [Average divisor]: with count_include_pad the divisor counts the window's
  // padding too, but not the part past the padding that ceil_mode adds.
  for (int64_t i = 0; i < out_h; ++i)
    for (int64_t j = 0; j < out_w; ++j) {
      double divisor;
      if (o.has_divisor_override) {
        divisor = static_cast<double>(o.divisor_override);
      } else if (o.count_include_pad) {
        const int64_t h0 = i * a.stride[0] - a.padding[0], w0 = j * a.stride[1] - a.padding[1];
        const int64_t h1 = std::min(h0 + a.kernel[0], h + a.padding[0]);
        const int64_t w1 = std::min(w0 + a.kernel[1], w + a.padding[1]);
        divisor = static_cast<double>((h1 - h0) * (w1 - w0));
      } else {
        divisor = static_cast<double>((plan->rows.end[i] - plan->rows.begin[i]) *
                                      (plan->cols.end[j] - plan->cols.begin[j]));
      }
      plan->divisors.push_back(divisor);
    }
  plan->name = "AvgPool2DBackward0";
  plan->backward_name = "AvgPool2DBackwardBackward0";
  plan->shown = {{"kernel_size", saved_ints(a.kernel)},
                 {"stride", saved_ints(o.stride.empty() ? IntList{} : a.stride)},
                 {"padding", saved_ints(a.padding)},
                 {"ceil_mode", saved_bool(o.ceil_mode)},
                 {"count_include_pad", saved_bool(o.count_include_pad)},
                 {"divisor_override",
                  o.has_divisor_override ? saved_int(o.divisor_override) : saved_none()}};
  return avg_pool_output(input, plan);
}

Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size) {
  IntList sizes = adaptive_sizes(input, output_size, "adaptive_avg_pool2d");
  check_floating(input, "adaptive_avg_pool2d");
  // torch computes a 1x1 output as a mean (MeanBackward1).
  if (sizes[0] == 1 && sizes[1] == 1) return mean(input, DimList{-1, -2}, true);
  auto plan = std::make_shared<PoolPlan>();
  set_shapes(*plan, input, sizes[0], sizes[1]);
  plan->rows = adaptive_windows(plan->in_h, sizes[0]);
  plan->cols = adaptive_windows(plan->in_w, sizes[1]);
  for (int64_t i = 0; i < sizes[0]; ++i)
    for (int64_t j = 0; j < sizes[1]; ++j)
      plan->divisors.push_back(static_cast<double>((plan->rows.end[i] - plan->rows.begin[i]) *
                                                   (plan->cols.end[j] - plan->cols.begin[j])));
  plan->name = "AdaptiveAvgPool2DBackward0";
  plan->backward_name = "AdaptiveAvgPool2DBackwardBackward0";
  return avg_pool_output(input, plan);
}

std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const IntList& output_size) {
  IntList sizes = adaptive_sizes(input, output_size, "adaptive_max_pool2d");
  check_floating(input, "adaptive_max_pool2d");
  auto plan = std::make_shared<PoolPlan>();
  set_shapes(*plan, input, sizes[0], sizes[1]);
  plan->rows = adaptive_windows(plan->in_h, sizes[0]);
  plan->cols = adaptive_windows(plan->in_w, sizes[1]);
  plan->name = "AdaptiveMaxPool2DBackward0";
  plan->backward_name = "AdaptiveMaxPool2DBackwardBackward0";
  return max_pool_output(input, plan);
}

namespace {
// A 1-d pooling's options as the 2-d ones over a height of 1.
PoolOptions as_2d(const PoolOptions& o) {
  auto widen = [](const IntList& v, int64_t height) {
    return v.empty() ? v : IntList{height, v.back()};
  };
  PoolOptions p = o;
  p.kernel_size = widen(o.kernel_size, 1);
  p.stride = widen(o.stride, 1);
  p.padding = widen(o.padding, 0);
  p.dilation = widen(o.dilation, 1);
  return p;
}

void check_1d_list(const IntList& v, const char* op, const char* what, bool may_be_empty) {
  if (v.size() == 1 || (v.empty() && may_be_empty)) return;
  throw std::runtime_error(std::string(op) + "() " + what +
                           " must be an int, list of ints or tuple of ints of size 1");
}
}  // namespace

std::pair<Tensor, Tensor> max_pool1d(const Tensor& input, const PoolOptions& o) {
  if (input->dim() != 2 && input->dim() != 3)
    throw std::runtime_error("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                             "batch size for input, but got:" + shape_str(input->sizes));
  check_1d_list(o.kernel_size, "max_pool1d", "kernel_size", false);
  check_1d_list(o.stride, "max_pool1d", "stride", true);
  check_1d_list(o.padding, "max_pool1d", "padding", false);
  check_1d_list(o.dilation, "max_pool1d", "dilation", false);
  auto [out, indices] = max_pool2d(unsqueeze(input, -2), as_2d(o));
  return {squeeze(out, DimList{-2}, true), squeeze(indices, DimList{-2}, true)};
}

Tensor avg_pool1d(const Tensor& input, const PoolOptions& o) {
  if (input->dim() != 2 && input->dim() != 3)
    throw std::runtime_error("Expected 2 to 3 dimensions, but got " + std::to_string(input->dim()) +
                             "-dimensional tensor for argument #1 'self' (while checking arguments "
                             "for avg_pool1d)");
  check_1d_list(o.kernel_size, "avg_pool1d", "kernel_size", false);
  check_1d_list(o.stride, "avg_pool1d", "stride", true);
  check_1d_list(o.padding, "avg_pool1d", "padding", false);
  return squeeze(avg_pool2d(unsqueeze(input, -2), as_2d(o)), DimList{-2}, true);
}

Tensor adaptive_avg_pool1d(const Tensor& input, const IntList& output_size) {
  if (input->dim() != 2 && input->dim() != 3)
    throw std::runtime_error("Expected 2 to 3 dimensions, but got " + std::to_string(input->dim()) +
                             "-dimensional tensor for argument #1 'self' (while checking arguments "
                             "for adaptive_avg_pool1d)");
  if (output_size.size() != 1)
    throw std::runtime_error("adaptive_avg_pool1d() argument 'output_size' should contain one int (got " +
                             std::to_string(output_size.size()) + ")");
  return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), {1, output_size[0]}), DimList{-2}, true);
}

}  // namespace cgrad
