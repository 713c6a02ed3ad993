// conv1d and conv2d: argument checks with torch's messages, then three linear
// primitives that run the im2col + gemm kernels (kernels/convolution.cpp):
//   conv_output(x, w)       y = conv(x, w)                    ConvolutionBackward0
//   conv_input_grad(gy, w)  the gradient of x given gy's      ConvolutionBackwardBackward0
//   conv_weight_grad(x, gy) the gradient of w given gy's      ConvolutionBackwardBackward0
//
// Note [Convolution double backward]: y is bilinear in (x, w), so each primitive's
// backward is made of the other two: for gx = conv_input_grad(gy, w) and an upstream u
// shaped as x, d/dgy = conv_output(u, w) and d/dw = conv_weight_grad(u, gy); for
// gw = conv_weight_grad(x, gy) and v shaped as w, d/dx = conv_input_grad(gy, v) and
// d/dgy = conv_output(x, v). Every order of gradient is therefore available, and each is
// one kernel call. torch records the pair of double-backward primitives as one node;
// here each is its own node under torch's name.
//
// 1-d convolutions run as 2-d ones with a height of 1: the kernels read only the data
// pointer and the geometry, so the tensors keep their own shapes.
#include <sstream>

#include "kernels/convolution.h"
#include "ops/common.h"

namespace cgrad {

namespace {

using kernels::ConvGeometry;

std::string list_str(const IntList& v) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << ']';
  return s.str();
}

// `t` contiguous in memory, without recording anything (the kernels read raw data).
Tensor dense(const Tensor& t) {
  if (t->is_contiguous()) return t;
  Tensor c = empty(t->sizes, t->dtype);
  kernels::copy(*t, *c);
  return c;
}

Tensor conv_output(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& g,
                   const Shape& out_shape, bool one_d);
Tensor conv_input_grad(const Tensor& gy, const Tensor& w, const ConvGeometry& g, const Shape& x_shape);
Tensor conv_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeometry& g, const Shape& w_shape);

// Reduction dims of the bias gradient: every dim but the channels.
DimList bias_dims(int64_t rank) {
  DimList dims{0};
  for (int64_t d = 2; d < rank; ++d) dims.push_back(d);
  return dims;
}

Tensor conv_output(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& g,
                   const Shape& out_shape, bool one_d) {
  Tensor out = empty(out_shape, x->dtype);
  {
    Tensor xd = dense(x), wd = dense(w), bd = bias ? dense(bias) : Tensor();
    kernels::conv2d(g, *xd, *wd, bd.get(), *out);
  }
  if (any_requires_grad({&x, &w, &bias})) {
    auto node = make_node("ConvolutionBackward0", {x, w, bias}, [g](Node& n, TensorList& grads) -> TensorList {
      Tensor gy = grads[0], x = n.saved(saved::input), w = n.saved(saved::weight);
      return {n.needs_input_grad(0) ? conv_input_grad(gy, w, g, x->sizes) : Tensor(),
              n.needs_input_grad(1) ? conv_weight_grad(x, gy, g, w->sizes) : Tensor(),
              n.needs_input_grad(2) ? sum(gy, bias_dims(gy->dim())) : Tensor()};
    });
    // Note [Saved values]: torch's convolution arguments, per spatial dim.
    auto per_dim = [one_d](int64_t h, int64_t w) { return one_d ? Shape{w} : Shape{h, w}; };
    node->save_value("stride", saved_ints(per_dim(g.stride_h, g.stride_w)));
    node->save_value("padding", saved_ints(per_dim(g.pad_h, g.pad_w)));
    node->save_value("dilation", saved_ints(per_dim(g.dilation_h, g.dilation_w)));
    node->save_value("transposed", saved_bool(false));
    node->save_value("output_padding", saved_ints(per_dim(0, 0)));
    node->save_value("groups", saved_int(g.groups));
    node->save_value("bias_sym_sizes_opt", saved_ints(bias ? bias->sizes : Shape{0}));
    record(node, {out}, {{saved::input, x}, {saved::weight, w}});
  }
  return out;
}

Tensor conv_input_grad(const Tensor& gy, const Tensor& w, const ConvGeometry& g, const Shape& x_shape) {
  Tensor gx = empty(x_shape, gy->dtype);
  {
    Tensor gyd = dense(gy), wd = dense(w);
    kernels::conv2d_backward_input(g, *gyd, *wd, *gx);
  }
  if (any_requires_grad({&gy, &w})) {
    auto node = make_node("ConvolutionBackwardBackward0", {gy, w}, [g](Node& n, TensorList& grads) -> TensorList {
      Tensor u = grads[0], gy = n.saved(saved::grad_output), w = n.saved(saved::weight);
      return {n.needs_input_grad(0) ? conv_output(u, w, Tensor(), g, gy->sizes, gy->dim() == 3) : Tensor(),
              n.needs_input_grad(1) ? conv_weight_grad(u, gy, g, w->sizes) : Tensor()};
    });
    record(node, {gx}, {{saved::grad_output, gy}, {saved::weight, w}});
  }
  return gx;
}

Tensor conv_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeometry& g, const Shape& w_shape) {
  Tensor gw = empty(w_shape, x->dtype);
  {
    Tensor xd = dense(x), gyd = dense(gy);
    kernels::conv2d_backward_weight(g, *xd, *gyd, *gw);
  }
  if (any_requires_grad({&x, &gy})) {
    auto node = make_node("ConvolutionBackwardBackward0", {x, gy}, [g](Node& n, TensorList& grads) -> TensorList {
      Tensor v = grads[0], x = n.saved(saved::input), gy = n.saved(saved::grad_output);
      return {n.needs_input_grad(0) ? conv_input_grad(gy, v, g, x->sizes) : Tensor(),
              n.needs_input_grad(1) ? conv_output(x, v, Tensor(), g, gy->sizes, gy->dim() == 3) : Tensor()};
    });
    record(node, {gw}, {{saved::input, x}, {saved::grad_output, gy}});
  }
  return gw;
}

// One value per spatial dim from a list of one or `dims` values. A single int stands for
// one value per dim of the function called (torch's IntArrayRef[2] for conv2d), which
// then has to match the weight's.
IntList expand_param(const IntList& v, int64_t dims, int64_t op_dims, const char* name) {
  const IntList full = v.size() == 1 ? IntList(op_dims, v[0]) : v;
  if (static_cast<int64_t>(full.size()) == dims) return full;
  throw std::runtime_error(std::string("expected ") + name +
                           " to be a single integer value or a list of " + std::to_string(dims) +
                           " values to match the convolution dimensions, but got " + name + "=" +
                           list_str(full));
}

// Checks everything as torch does (same order, same words) and runs conv_output on a
// batched input.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias,
                   const ConvOptions& o, int64_t op_dims) {
  if (weight->dim() < 3) throw std::runtime_error("weight should have at least three dimensions");
  const int64_t dims = weight->dim() - 2;
  if (o.padding_mode != "" && o.padding_mode != "same" && o.padding_mode != "valid")
    throw std::runtime_error("Invalid padding string: '" + o.padding_mode + "'");
  IntList stride = expand_param(o.stride, dims, op_dims, "stride");
  IntList padding = o.padding_mode.empty() ? expand_param(o.padding, dims, op_dims, "padding") : IntList(dims, 0);
  IntList dilation = expand_param(o.dilation, dims, op_dims, "dilation");
  for (int64_t s : stride)
    if (s <= 0) throw std::runtime_error("non-positive stride is not supported");
  for (int64_t p : padding)
    if (p < 0) throw std::runtime_error("negative padding is not supported");
  for (int64_t d : dilation)
    if (d <= 0) throw std::runtime_error("non-positive dilation is not supported");
  if (o.groups <= 0) throw std::runtime_error("non-positive groups is not supported");
  if (input->dim() != weight->dim())
    throw std::runtime_error("Expected " + std::to_string(weight->dim()) + "-dimensional input for " +
                             std::to_string(weight->dim()) + "-dimensional weight " +
                             shape_str(weight->sizes) + ", but got " + std::to_string(input->dim()) +
                             "-dimensional input of size " + shape_str(input->sizes) + " instead");
  const int64_t out_channels = weight->sizes[0];
  if (out_channels < o.groups)
    throw std::runtime_error("Given groups=" + std::to_string(o.groups) +
                             ", expected weight to be at least " + std::to_string(o.groups) +
                             " at dimension 0, but got weight of size " + shape_str(weight->sizes) +
                             " instead");
  if (out_channels % o.groups != 0)
    throw std::runtime_error("Given groups=" + std::to_string(o.groups) +
                             ", expected weight to be divisible by " + std::to_string(o.groups) +
                             " at dimension 0, but got weight of size [" + shape_str(weight->sizes) +
                             "] instead");
  const int64_t channels = weight->sizes[1] * o.groups;
  if (input->sizes[1] != channels)
    throw std::runtime_error("Given groups=" + std::to_string(o.groups) + ", weight of size " +
                             shape_str(weight->sizes) + ", expected input" + shape_str(input->sizes) +
                             " to have " + std::to_string(channels) + " channels, but got " +
                             std::to_string(input->sizes[1]) + " channels instead");
  if (bias && (bias->dim() != 1 || bias->sizes[0] != out_channels))
    throw std::runtime_error("Given weight of size " + shape_str(weight->sizes) +
                             ", expected bias to be 1-dimensional with " + std::to_string(out_channels) +
                             " elements, but got bias of size " + shape_str(bias->sizes) + " instead");
  if (o.padding_mode == "same")
    for (int64_t s : stride)
      if (s != 1) throw std::runtime_error("padding='same' is not supported for strided convolutions");

  // Padding before each spatial dim, and the padded size; 'same' puts an odd extra pixel
  // after (torch pads the input by it; here the windows simply run past the edge).
  IntList before(dims), padded(dims), kernel(dims);
  for (int64_t d = 0; d < dims; ++d) {
    kernel[d] = dilation[d] * (weight->sizes[2 + d] - 1) + 1;
    const int64_t total = o.padding_mode == "same" ? kernel[d] - 1 : 2 * padding[d];
    before[d] = o.padding_mode == "same" ? total / 2 : padding[d];
    padded[d] = input->sizes[2 + d] + total;
  }
  for (int64_t d = 0; d < dims; ++d)
    if (padded[d] < kernel[d]) {
      std::string p, k;
      for (int64_t e = 0; e < dims; ++e) {
        p += (e ? " x " : "") + std::to_string(padded[e]);
        k += (e ? " x " : "") + std::to_string(kernel[e]);
      }
      throw std::runtime_error("Calculated padded input size per channel: (" + p + "). Kernel size: (" +
                               k + "). Kernel size can't be greater than actual input size");
    }
  if (input->dtype != weight->dtype) {
    if (input->dtype == DType::Float32 && weight->dtype == DType::Float64)
      throw std::runtime_error("Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) "
                               "should be the same or input should be a MKLDNN tensor and weight "
                               "is a dense tensor");
    throw std::runtime_error(std::string("expected scalar type ") + dtype_torch_name(input->dtype) +
                             " but found " + dtype_torch_name(weight->dtype));
  }
  if (bias && bias->dtype != input->dtype)
    throw std::runtime_error(std::string("Input type (") + dtype_cpp_name(input->dtype) +
                             ") and bias type (" + dtype_cpp_name(bias->dtype) + ") should be the same");
  if (!is_floating(input->dtype))
    throw detail::not_implemented_for(dims == 1 ? "conv1d" : "slow_conv2d_cpu", input->dtype);

  // The 2-d geometry; a 1-d convolution has height 1.
  const bool one_d = dims == 1;
  ConvGeometry g{};
  g.batch = input->sizes[0];
  g.in_channels = channels;
  g.out_channels = out_channels;
  g.groups = o.groups;
  g.in_h = one_d ? 1 : input->sizes[2];
  g.in_w = input->sizes.back();
  g.kernel_h = one_d ? 1 : weight->sizes[2];
  g.kernel_w = weight->sizes.back();
  g.stride_h = one_d ? 1 : stride[0];
  g.stride_w = stride.back();
  g.dilation_h = one_d ? 1 : dilation[0];
  g.dilation_w = dilation.back();
  g.pad_h = one_d ? 0 : before[0];
  g.pad_w = before.back();
  const int64_t padded_h = one_d ? 1 : padded[0], padded_w = padded.back();
  const int64_t kernel_h = one_d ? 1 : kernel[0], kernel_w = kernel.back();
  g.out_h = (padded_h - kernel_h) / g.stride_h + 1;
  g.out_w = (padded_w - kernel_w) / g.stride_w + 1;
  Shape out_shape{g.batch, out_channels};
  if (!one_d) out_shape.push_back(g.out_h);
  out_shape.push_back(g.out_w);
  return conv_output(input, weight, bias, g, out_shape, one_d);
}

// Unbatched inputs run as a batch of one, as torch does (unsqueeze, conv, squeeze).
Tensor batched_or_not(const Tensor& input, const Tensor& weight, const Tensor& bias,
                      const ConvOptions& o, int64_t dims, const char* name) {
  if (input->dim() != dims + 1 && input->dim() != dims + 2)
    throw std::runtime_error("Expected " + std::to_string(dims + 1) + "D (unbatched) or " +
                             std::to_string(dims + 2) + "D (batched) input to " + name +
                             ", but got input of size: " + shape_str(input->sizes));
  if (input->dim() == dims + 2) return convolution(input, weight, bias, o, dims);
  return squeeze(convolution(unsqueeze(input, 0), weight, bias, o, dims), DimList{0}, true);
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvOptions& options) {
  return batched_or_not(input, weight, bias, options, 1, "conv1d");
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvOptions& options) {
  return batched_or_not(input, weight, bias, options, 2, "conv2d");
}

}  // namespace cgrad
