// layer_norm and batch_norm: one node each, named as torch's.
//
// Note [Normalization backward]: a first-order backward runs a fused path (layer_norm:
// one kernel pass per row; batch_norm: a few ops reading the saved statistics). Under
// create_graph the same gradients are written in cgrad ops that recompute the
// statistics from the saved input, so the input gradient itself differentiates
// correctly (the saved mean/rstd are constants and would drop their own derivatives).
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "kernels/normalization.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

// t in `dtype`, contiguous; never recorded (kernels read flat rows).
Tensor flat_values(const Tensor& t, DType dtype) {
  GradModeGuard no_grad(false);
  return contiguous(detail::cast(t, dtype));
}

Tensor sum_over(const Tensor& t, const DimList& dims, bool keepdim) {
  return dims.empty() ? t : sum(t, dims, keepdim);
}
Tensor mean_over(const Tensor& t, const DimList& dims) { return mean(t, dims, true); }

// (x - mean(x)) / sqrt(var(x) + eps) over `dims`, the statistics recomputed with
// recorded ops; also returns rstd.
std::pair<Tensor, Tensor> normalized(const Tensor& x, const DimList& dims, double eps) {
  Tensor centered = sub(x, mean_over(x, dims));
  Tensor rstd = rsqrt(add(mean_over(mul(centered, centered), dims), constant(eps)));
  return {mul(centered, rstd), rstd};
}

// The input gradient of a normalization over `dims` with per-group statistics:
// rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
Tensor normalized_input_grad(const Tensor& dy, const Tensor& xhat, const Tensor& rstd,
                             const DimList& dims) {
  Tensor centered = sub(dy, mean_over(dy, dims));
  return mul(rstd, sub(centered, mul(xhat, mean_over(mul(dy, xhat), dims))));
}

void check_layer_norm_args(const Tensor& input, const Shape& normalized_shape,
                           const Tensor& weight, const Tensor& bias) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  if (k == 0)
    throw std::runtime_error(
        "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
        "element, but got normalized_shape = []");
  if (weight && weight->sizes != normalized_shape)
    throw std::runtime_error("Expected weight to be of same shape as normalized_shape, but got "
                             "weight of shape " + shape_str(weight->sizes) +
                             " and normalized_shape = " + shape_str(normalized_shape));
  if (bias && bias->sizes != normalized_shape)
    throw std::runtime_error("Expected bias to be of same shape as normalized_shape, but got "
                             "bias of shape " + shape_str(bias->sizes) +
                             " and normalized_shape = " + shape_str(normalized_shape));
  const int64_t nd = input->dim();
  bool matches = nd >= k;
  for (int64_t i = 0; matches && i < k; ++i)
    matches = input->sizes[nd - k + i] == normalized_shape[i];
  if (!matches) {
    std::string expected = "[*";
    for (int64_t s : normalized_shape) expected += ", " + std::to_string(s);
    throw std::runtime_error("Given normalized_shape=" + shape_str(normalized_shape) +
                             ", expected input with shape " + expected +
                             "], but got input of size" + shape_str(input->sizes));
  }
  if (!is_floating(input->dtype)) throw detail::not_implemented_for("LayerNormKernelImpl", input->dtype);
}

}  // namespace

// ---- layer_norm ----

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                     const Shape& normalized_shape,
                                                     const Tensor& weight, const Tensor& bias,
                                                     double eps) {
  check_layer_norm_args(input, normalized_shape, weight, bias);
  const DType dtype = input->dtype;
  // float16/bfloat16 compute in float32 and round the results once (Note [Small dtypes]).
  // As torch's, weight and bias may then be float32 ("mixed dtype"), and the saved
  // statistics are float32 when they are.
  const DType compute = is_reduced_float(dtype) ? DType::Float32 : dtype;
  bool float_params = false;
  if (compute != dtype) {
    for (const Tensor* p : {&weight, &bias}) {
      if (!*p || (*p)->dtype == dtype) continue;
      if ((*p)->dtype != DType::Float32)
        throw std::runtime_error("mixed dtype (CPU): expect parameter to have scalar type of Float");
      float_params = true;
    }
  }
  const DType stat_dtype = float_params ? DType::Float32 : dtype;
  const int64_t axis = input->dim() - static_cast<int64_t>(normalized_shape.size());
  int64_t rows = 1, cols = 1;
  Shape stat_sizes;
  for (int64_t d = 0; d < input->dim(); ++d) {
    (d < axis ? rows : cols) *= input->sizes[d];
    stat_sizes.push_back(d < axis ? input->sizes[d] : 1);
  }
  Tensor x = flat_values(input, compute);
  Tensor w = weight ? flat_values(weight, compute) : Tensor();
  Tensor b = bias ? flat_values(bias, compute) : Tensor();
  Tensor out = empty(input->sizes, compute);
  Tensor mean_t = empty(stat_sizes, compute), rstd_t = empty(stat_sizes, compute);
  kernels::layer_norm(*x, w.get(), b.get(), eps, rows, cols, *out, *mean_t, *rstd_t);
  out = detail::cast(out, dtype);
  mean_t = detail::cast(mean_t, stat_dtype);
  rstd_t = detail::cast(rstd_t, stat_dtype);

  if (any_requires_grad({&input, &weight, &bias})) {
    DimList dims;
    for (int64_t d = axis; d < input->dim(); ++d) dims.push_back(d);
    auto backward = [dims, rows, cols, eps](Node& n, TensorList& g) -> TensorList {
      Tensor grad = g[0], x = n.saved(saved::input);
      Tensor w = n.saved(saved::weight), b = n.saved(saved::bias);
      if (!grad) return {Tensor(), Tensor(), Tensor()};
      const bool want_x = n.needs_input_grad(0), want_w = n.needs_input_grad(1),
                 want_b = n.needs_input_grad(2);
      if (GradMode::records()) {  // create_graph: Note [Normalization backward]
        auto [xhat, rstd] = normalized(x, dims, eps);
        Tensor gx, gw, gb;
        if (want_x) gx = normalized_input_grad(w ? mul(grad, w) : grad, xhat, rstd, dims);
        if (want_w) gw = sum_to(mul(grad, xhat), w->sizes);
        if (want_b) gb = sum_to(grad, b->sizes);
        return {gx, gw, gb};
      }
      const DType t = is_reduced_float(x->dtype) ? DType::Float32 : x->dtype;
      Tensor gc = flat_values(grad, t), xc = flat_values(x, t);
      Tensor wc = w ? flat_values(w, t) : Tensor();
      Tensor gx = want_x ? empty(x->sizes, t) : Tensor();
      Tensor gw = want_w ? empty(w->sizes, t) : Tensor();
      Tensor gb = want_b ? empty(b->sizes, t) : Tensor();
      kernels::layer_norm_backward(*gc, *xc, *flat_values(n.saved(saved::result1), t),
                                   *flat_values(n.saved(saved::result2), t), wc.get(), rows, cols,
                                   gx.get(), gw.get(), gb.get());
      if (gx) gx = detail::cast(gx, x->dtype);
      if (gw) gw = detail::cast(gw, w->dtype);
      if (gb) gb = detail::cast(gb, b->dtype);
      return {gx, gw, gb};
    };
    auto node = make_node("NativeLayerNormBackward0", {input, weight, bias}, backward);
    node->save_value("normalized_shape", saved_ints(normalized_shape));  // Note [Saved values]
    record(node, {out}, {{saved::input, input},
                         {saved::weight, weight},
                         {saved::bias, bias},
                         {saved::result1, mean_t},
                         {saved::result2, rstd_t}});
  }
  return {out, mean_t, rstd_t};
}

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  return std::get<0>(native_layer_norm(input, normalized_shape, weight, bias, eps));
}

// ---- rms_norm ----

// Note [rms_norm is composed]: torch's CPU rms_norm is a composite of ops, so its graph is
// MulBackward0(input, RsqrtBackward0 <- AddBackward1 <- MeanBackward1 <- PowBackward0)
// then MulBackward0 by the weight, and code that walks grad_fn sees those nodes. cgrad
// composes the same ops in the same order (eps added as a number: AddBackward1), so its
// graph, values and double backward are torch's. A fused kernel would be faster but would
// show one node torch does not have.
Tensor rms_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  if (k == 0)
    throw std::runtime_error("Expected normalized_shape to be at least 1-dimensional, i.e., "
                             "containing at least one element, but got normalized_shape = []");
  if (k > input->dim())
    throw ValueError("Input tensor must have at least " + std::to_string(k) +
                     " dimensions, but got " + std::to_string(input->dim()));
  const Shape trailing(input->sizes.end() - k, input->sizes.end());
  if (trailing != normalized_shape) {
    const std::string expected = shape_str(normalized_shape);
    throw std::runtime_error("Given normalized_shape=" + expected + ", expected input with shape [*" +
                             expected.substr(1) + ", but got input of size" +
                             shape_str(input->sizes));
  }
  if (weight && weight->sizes != normalized_shape)
    throw std::runtime_error("Expected weight to be of same shape as normalized_shape, but got "
                             "weight of shape " + shape_str(weight->sizes) +
                             " and normalized_shape = " + shape_str(normalized_shape));
  if (input->dtype != DType::Float32 && input->dtype != DType::Float64)
    throw detail::not_implemented_for("rms_norm", input->dtype);
  const double machine_eps = input->dtype == DType::Float32
                                 ? double(std::numeric_limits<float>::epsilon())
                                 : std::numeric_limits<double>::epsilon();
  DimList dims;
  for (int64_t d = input->dim() - k; d < input->dim(); ++d) dims.push_back(d);
  const Tensor mean_square = mean(pow(input, constant(2.0)), dims, /*keepdim=*/true);
  Tensor out = mul(input, rsqrt(add_scalar(mean_square, eps.value_or(machine_eps))));
  if (weight) out = mul(out, weight);
  return out->dtype == input->dtype ? out : to_dtype(out, input->dtype);
}

// ---- batch_norm ----

namespace {

// Whether batch norm runs as the per-channel kernels (Note [Batch norm passes]): a
// contiguous float32/float64 input with runs of at least 8 elements per channel (a 2-d
// [N, C] input keeps the ops, which read it along rows).
bool per_channel_kernels(const Tensor& input) {
  if (input->dtype != DType::Float32 && input->dtype != DType::Float64) return false;
  if (input->dim() < 3 || !input->is_contiguous() || input->numel() == 0) return false;
  return input->numel() / (input->sizes[0] * input->sizes[1]) >= 8;
}

// A per-channel tensor's values in double, and back: the kernels' coefficients.
std::vector<double> channel_values(const Tensor& t) {
  const Tensor d = contiguous(detail::cast(t, DType::Float64));
  const double* p = d->data<double>();
  return std::vector<double>(p, p + d->numel());
}
Tensor channel_tensor(const std::vector<double>& values, const Shape& sizes, DType dtype) {
  Tensor t = empty(sizes, DType::Float64);
  std::copy(values.begin(), values.end(), t->data<double>());
  return detail::cast(t, dtype);
}

// The first-order gradients of batch norm from its saved statistics, by the
// per-channel kernels; training adds the statistics' own dependence on x.
TensorList batch_norm_backward_by_channel(
    const Tensor& grad, const Tensor& x, const Tensor& w,
    const std::optional<std::pair<Shape, DType>>& bias_meta, const Tensor& mean_t,
    const Tensor& rstd_t, bool training, const std::vector<bool>& needs) {
  const int64_t channels = x->sizes[1];
  const double count = static_cast<double>(x->numel() / channels);
  const std::vector<double> mean = channel_values(mean_t), rstd = channel_values(rstd_t);
  const std::vector<double> weight = w ? channel_values(w) : std::vector<double>(channels, 1.0);
  const Tensor g = contiguous(grad);  // (sum() hands down an expanded gradient)
  std::vector<double> sum_g, sum_gxc;
  if (training || needs[1] || needs[2])
    kernels::channel_grad_sums(*g, *x, channels, mean, sum_g, sum_gxc);
  Tensor gx, gw, gb;
  if (needs[0]) {
    std::vector<double> a(channels), slope(channels, 0.0), offset(channels, 0.0);
    for (int64_t c = 0; c < channels; ++c) {
      a[c] = weight[c] * rstd[c];
      if (!training) continue;
      slope[c] = -a[c] * rstd[c] * rstd[c] * sum_gxc[c] / count;
      offset[c] = -a[c] * sum_g[c] / count;
    }
    gx = empty(x->sizes, x->dtype);
    kernels::channel_input_grad(*g, *x, channels, mean, a, slope, offset, *gx);
  }
  if (needs[1]) {
    std::vector<double> values(channels);
    for (int64_t c = 0; c < channels; ++c) values[c] = sum_gxc[c] * rstd[c];
    gw = channel_tensor(values, w->sizes, w->dtype);
  }
  if (needs[2]) gb = channel_tensor(sum_g, bias_meta->first, bias_meta->second);
  return {gx, gw, gb};
}

void check_channel_count(const char* what, int64_t channels, const Tensor& t) {
  if (t && t->numel() != channels)
    throw std::runtime_error(std::string(what) + " should contain " + std::to_string(channels) +
                             " elements not " + std::to_string(t->numel()));
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  const int64_t channels = input->sizes[wrap_dim(1, input->dim())];  // torch's IndexError
  if (!is_floating(input->dtype))
    throw detail::not_implemented_for("batch_norm", input->dtype);
  check_channel_count("running_mean", channels, running_mean);
  if (!running_mean && !training)
    throw std::runtime_error("running_mean must be defined in evaluation mode");
  check_channel_count("running_var", channels, running_var);
  if (!running_var && !training)
    throw std::runtime_error("running_var must be defined in evaluation mode");
  check_channel_count("weight", channels, weight);
  check_channel_count("bias", channels, bias);
  // torch's mixed-dtype rule: the first parameter given decides whether all of them are
  // float32 under a float16/bfloat16 input ("mixed"), or all of the input's dtype.
  std::optional<bool> mixed;
  for (const Tensor* p : {&weight, &bias, &running_mean, &running_var}) {
    if (!*p) continue;
    const DType t = (*p)->dtype;
    if (!mixed) mixed = t != input->dtype;
    if (t != input->dtype && input->dtype == DType::Float64)
      throw std::runtime_error("mixed dtype (CPU): all inputs must share same datatype.");
    if (*mixed ? t != DType::Float32 : t != input->dtype && t != DType::Float32)
      throw std::runtime_error("mixed dtype (CPU): expect parameter to have scalar type of Float");
    if (!*mixed && t != input->dtype)
      throw std::runtime_error(std::string("expected scalar type ") + dtype_torch_name(input->dtype) +
                               " but found " + dtype_torch_name(t));
  }

  // Channels broadcast as [1, C, 1, ...]; statistics reduce every other dim.
  DimList dims;
  Shape channel_shape(input->dim(), 1);
  for (int64_t d = 0; d < input->dim(); ++d)
    if (d != 1) dims.push_back(d);
  channel_shape[1] = channels;
  auto per_channel = [&](const Tensor& t) { return reshape(t, channel_shape); };
  const bool by_channel = per_channel_kernels(input);

  // The statistics as torch keeps them: [C] in the input's dtype (float32 for
  // float16/bfloat16), computed in double.
  Tensor out, mean_t, rstd_t;
  {
    GradModeGuard no_grad(false);
    const DType dtype = input->dtype;
    // float16/bfloat16: statistics and output in float32, rounded once at the end (Note
    // [Small dtypes]); the saved statistics stay float32, as torch's.
    const Tensor x = detail::cast(input, is_reduced_float(dtype) ? DType::Float32 : dtype);
    std::vector<double> mean, rstd;
    if (training) {
      std::vector<double> biased_var;
      if (by_channel) {
        kernels::channel_stats(*x, channels, mean, biased_var);
      } else {
        mean = channel_values(mean_over(x, dims));
        biased_var = channel_values(var(x, dims, 0.0, true));
      }
      rstd.resize(channels);
      for (int64_t c = 0; c < channels; ++c) rstd[c] = 1.0 / std::sqrt(biased_var[c] + eps);
      // Written straight into the buffers, as torch's kernel does: no version bump. The
      // running variance is the unbiased one.
      const double count = channels > 0 ? static_cast<double>(input->numel() / channels) : 0;
      auto update = [&](const Tensor& running, const std::vector<double>& batch, double factor) {
        if (!running || input->numel() == 0) return;
        std::vector<double> values = channel_values(running);
        for (int64_t c = 0; c < channels; ++c)
          values[c] = (1.0 - momentum) * values[c] + momentum * batch[c] * factor;
        kernels::copy(*channel_tensor(values, running->sizes, running->dtype), *running);
      };
      update(running_mean, mean, 1.0);
      update(running_var, biased_var, count / (count - 1));
    } else {
      mean = channel_values(running_mean);
      rstd = channel_values(running_var);
      for (double& r : rstd) r = 1.0 / std::sqrt(r + eps);
    }
    mean_t = channel_tensor(mean, {channels}, x->dtype);
    rstd_t = channel_tensor(rstd, {channels}, x->dtype);
    if (by_channel) {  // Note [Batch norm passes]
      const std::vector<double> w =
          weight ? channel_values(weight) : std::vector<double>(channels, 1.0);
      const std::vector<double> b =
          bias ? channel_values(bias) : std::vector<double>(channels, 0.0);
      // Note [Batch norm centering]: center on the mean rounded to x's dtype.
      const std::vector<double> center = channel_values(mean_t);
      std::vector<double> scale(channels), shift(channels);
      for (int64_t c = 0; c < channels; ++c) {
        scale[c] = w[c] * rstd[c];
        shift[c] = b[c] - (mean[c] - center[c]) * scale[c];
      }
      out = empty(x->sizes, dtype);
      kernels::channel_affine(*x, channels, center, scale, shift, *out);
    } else {
      out = mul(sub(x, per_channel(mean_t)), per_channel(rstd_t));
      if (weight) out = mul(out, per_channel(weight));
      if (bias) out = add(out, per_channel(bias));
      out = detail::cast(out, dtype);
    }
  }

  if (any_requires_grad({&input, &weight, &bias})) {
    // torch saves the batch statistics of a training step as result1/result2, and empty
    // ones in eval mode, where cgrad's formula reads its own copies of the running ones.
    const saved::Slot mean_slot = training ? saved::result1 : saved::eval_mean;
    const saved::Slot rstd_slot = training ? saved::result2 : saved::eval_invstd;
    // torch does not keep the bias: its gradient needs only its shape and dtype.
    const std::optional<std::pair<Shape, DType>> bias_meta =
        bias ? std::optional(std::pair(bias->sizes, bias->dtype)) : std::nullopt;
    auto backward = [dims, channel_shape, training, eps, mean_slot, rstd_slot, bias_meta](
                        Node& n, TensorList& g) -> TensorList {
      Tensor grad = g[0], x = n.saved(saved::input), w = n.saved(saved::weight);
      if (!grad) return {Tensor(), Tensor(), Tensor()};
      const Tensor mean = n.saved(mean_slot), rstd_saved = n.saved(rstd_slot);
      if (!GradMode::records() && per_channel_kernels(x))  // (kernels record nothing)
        return batch_norm_backward_by_channel(
            grad, x, w, bias_meta, mean, rstd_saved, training,
            {n.needs_input_grad(0), n.needs_input_grad(1), n.needs_input_grad(2)});
      Tensor xhat, rstd;
      if (training && GradMode::records()) {  // Note [Normalization backward]
        std::tie(xhat, rstd) = normalized(x, dims, eps);
      } else {
        rstd = reshape(rstd_saved, channel_shape);
        xhat = mul(sub(x, reshape(mean, channel_shape)), rstd);
      }
      Tensor gx, gw, gb;
      if (n.needs_input_grad(0)) {
        Tensor dy = w ? mul(grad, reshape(w, channel_shape)) : grad;
        gx = training ? normalized_input_grad(dy, xhat, rstd, dims) : mul(dy, rstd);
      }
      if (n.needs_input_grad(1)) gw = reshape(sum_over(mul(grad, xhat), dims, false), w->sizes);
      if (n.needs_input_grad(2)) gb = reshape(sum_over(grad, dims, false), bias_meta->first);
      // (float32 statistics give float32 gradients for float16/bfloat16 tensors)
      if (gx) gx = detail::cast(gx, x->dtype);
      if (gw) gw = detail::cast(gw, w->dtype);
      if (gb) gb = detail::cast(gb, bias_meta->second);
      return {gx, gw, gb};
    };
    auto node = make_node("NativeBatchNormBackward0", {input, weight, bias}, backward);
    node->save_value("eps", saved_double(eps));  // Note [Saved values]
    node->save_value("training", saved_bool(training));
    const Tensor no_statistics = training ? Tensor() : empty({0}, mean_t->dtype);
    record(node, {out}, {{saved::input, input},
                         {saved::weight, weight},
                         {saved::running_mean, running_mean},
                         {saved::running_var, running_var},
                         {saved::result1, training ? mean_t : no_statistics},
                         {saved::result2, training ? rstd_t : no_statistics},
                         {saved::eval_mean, training ? Tensor() : mean_t},
                         {saved::eval_invstd, training ? Tensor() : rstd_t}});
  }
  return out;
}

// ---- group_norm ----

// Note [Group norm passes]: a group's statistics run over C / G channels and every
// position: the rows of the input viewed as [1, N * G, M]. That is batch norm's layout
// with N * G "channels", so group norm runs on batch norm's per-channel kernels (Note
// [Batch norm passes]): the statistics in double over [1, N * G, M], then the output, the
// gradient sums and the input gradient over [1, N * C, H * W], each (n, c) row with its
// own coefficients: scale = rstd[n, g] * w[c], centered on the mean (Note [Batch norm
// centering]). Measured at 1 thread, 8x64x32x32 in 32 groups, forward and backward:
// 4.0 ms as recorded ops, against torch's 0.7 ms. Under create_graph, and for inputs the
// kernels do not take, the same values come from layer norm's recorded formulas on the
// [N, G, M] view (Note [Normalization backward]), which differentiate again.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight,
                  const Tensor& bias, double eps) {
  if (input->dim() < 2)
    throw std::runtime_error("Expected at least 2 dimensions for input tensor but received " +
                             std::to_string(input->dim()));
  const int64_t N = input->sizes[0], C = input->sizes[1], G = num_groups;
  if (G <= 0)
    throw std::runtime_error("Expected num groups to be greater than 0, got " + std::to_string(G));
  if (C % G != 0)
    throw std::runtime_error("Expected number of channels in input to be divisible by "
                             "num_groups, but got input of shape " + shape_str(input->sizes) +
                             " and num_groups=" + std::to_string(G));
  // torch's bias message shows the weight's shape ([0] without one), as its check does.
  const Shape weight_shape = weight ? weight->sizes : Shape{0};
  for (auto [param, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}})
    if (*param && ((*param)->dim() != 1 || (*param)->numel() != C))
      throw std::runtime_error(std::string("Expected ") + name + " to be a vector of size equal "
                               "to the number of channels in input, but got " + name +
                               " of shape " + shape_str(weight_shape) +
                               " and input of shape " + shape_str(input->sizes));
  if (!is_floating(input->dtype)) throw detail::not_implemented_for("GroupNormKernelImpl", input->dtype);
  int64_t HxW = 1;
  Shape channel_shape(input->dim(), 1);  // [1, C, 1, ...]: weight and bias against the input
  channel_shape[1] = C;
  DimList all_but_channels{0};
  for (int64_t d = 2; d < input->dim(); ++d) {
    HxW *= input->sizes[d];
    all_but_channels.push_back(d);
  }
  const Shape grouped{N, G, C / G * HxW}, sizes = input->sizes;
  const DimList last{2};
  const DType dtype = input->dtype;
  const bool by_rows = (dtype == DType::Float32 || dtype == DType::Float64) &&
                       input->is_contiguous() && input->numel() > 0;
  const Shape group_rows{1, N * G, C / G * HxW}, channel_rows{1, N * C, HxW};
  // The (n, g) group of row n * C + c, and per row its group's value.
  auto group_of = [C, G](int64_t row) { return row / C * G + row % C / (C / G); };
  auto per_row = [N, C, group_of](const std::vector<double>& by_group) {
    std::vector<double> out(static_cast<size_t>(N * C));
    for (int64_t r = 0; r < N * C; ++r) out[r] = by_group[group_of(r)];
    return out;
  };
  Tensor out, mean_t, rstd_t;
  {
    GradModeGuard no_grad(false);
    if (by_rows) {  // Note [Group norm passes]
      std::vector<double> mean, var;
      kernels::channel_stats(*view(input, group_rows), N * G, mean, var);
      std::vector<double> rstd(mean.size());
      for (size_t i = 0; i < mean.size(); ++i) rstd[i] = 1.0 / std::sqrt(var[i] + eps);
      mean_t = channel_tensor(mean, {N, G}, dtype);
      rstd_t = channel_tensor(rstd, {N, G}, dtype);
      const std::vector<double> w = weight ? channel_values(weight) : std::vector<double>(C, 1.0);
      const std::vector<double> b = bias ? channel_values(bias) : std::vector<double>(C, 0.0);
      const std::vector<double> center = per_row(channel_values(mean_t)), m = per_row(mean),
                                r = per_row(rstd);
      std::vector<double> scale(N * C), shift(N * C);
      for (int64_t row = 0; row < N * C; ++row) {
        scale[row] = r[row] * w[row % C];
        shift[row] = b[row % C] - (m[row] - center[row]) * scale[row];
      }
      out = empty(sizes, dtype);
      kernels::channel_affine(*view(input, channel_rows), N * C, center, scale, shift,
                              *view(out, channel_rows));
    } else {
      Tensor xg = reshape(input, grouped);
      auto [xhat, rstd] = normalized(xg, last, eps);
      mean_t = mean(xg, last, false);
      rstd_t = reshape(rstd, {N, G});
      out = reshape(xhat, sizes);
      if (weight) out = mul(out, reshape(weight, channel_shape));
      if (bias) out = add(out, reshape(bias, channel_shape));
    }
  }
  if (any_requires_grad({&input, &weight, &bias})) {
    auto backward = [=](Node& n, TensorList& g) -> TensorList {
      Tensor grad = g[0], x = n.saved(saved::input), w = n.saved(saved::weight);
      if (!grad) return {Tensor(), Tensor(), Tensor()};
      if (by_rows && !GradMode::records() && grad->dtype == dtype) {  // Note [Group norm passes]
        const Tensor gc = contiguous(grad);
        const std::vector<double> m = per_row(channel_values(n.saved(saved::result1))),
                                  r = per_row(channel_values(n.saved(saved::result2)));
        const std::vector<double> wv = w ? channel_values(w) : std::vector<double>(C, 1.0);
        std::vector<double> sum_g, sum_gxc;
        kernels::channel_grad_sums(*view(gc, channel_rows), *view(x, channel_rows), N * C, m,
                                   sum_g, sum_gxc);
        Tensor gx, gw, gb;
        if (n.needs_input_grad(0)) {
          // rstd * (dy - mean(dy) - xhat * mean(dy * xhat)), dy = grad * w, the means over
          // each group's M elements, as per-row coefficients of grad, x - mean and 1.
          const double count = static_cast<double>(C / G * HxW);
          std::vector<double> mean_dy(N * G, 0.0), mean_dy_xc(N * G, 0.0);
          for (int64_t row = 0; row < N * C; ++row) {
            const int64_t group = group_of(row);
            mean_dy[group] += wv[row % C] * sum_g[row] / count;
            mean_dy_xc[group] += wv[row % C] * sum_gxc[row] / count;
          }
          const std::vector<double> dy = per_row(mean_dy), dy_xc = per_row(mean_dy_xc);
          std::vector<double> a(N * C), slope(N * C), offset(N * C);
          for (int64_t row = 0; row < N * C; ++row) {
            a[row] = r[row] * wv[row % C];
            slope[row] = -r[row] * r[row] * r[row] * dy_xc[row];
            offset[row] = -r[row] * dy[row];
          }
          gx = empty(sizes, dtype);
          kernels::channel_input_grad(*view(gc, channel_rows), *view(x, channel_rows), N * C, m,
                                      a, slope, offset, *view(gx, channel_rows));
        }
        std::vector<double> dw(C, 0.0), db(C, 0.0);
        for (int64_t row = 0; row < N * C; ++row) {
          dw[row % C] += r[row] * sum_gxc[row];
          db[row % C] += sum_g[row];
        }
        if (n.needs_input_grad(1)) gw = channel_tensor(dw, {C}, w->dtype);
        if (n.needs_input_grad(2)) gb = channel_tensor(db, {C}, n.input_meta()[2].dtype);
        return {gx, gw, gb};
      }
      auto [xhat, rstd] = normalized(reshape(x, grouped), last, eps);
      Tensor gx, gw, gb;
      if (n.needs_input_grad(0)) {
        Tensor dy = reshape(w ? mul(grad, reshape(w, channel_shape)) : grad, grouped);
        gx = reshape(normalized_input_grad(dy, xhat, rstd, last), sizes);
      }
      if (n.needs_input_grad(1)) gw = sum(mul(grad, reshape(xhat, sizes)), all_but_channels, false);
      if (n.needs_input_grad(2)) gb = sum(grad, all_but_channels, false);
      return {gx, gw, gb};
    };
    auto node = make_node("NativeGroupNormBackward0", {input, weight, bias}, backward);
    node->save_value("N", saved_int(N));  // Note [Saved values]
    node->save_value("C", saved_int(C));
    node->save_value("HxW", saved_int(HxW));
    node->save_value("group", saved_int(G));
    node->save_value("eps", saved_double(eps));
    record(node, {out}, {{saved::input, input},
                         {saved::weight, weight},
                         {saved::result1, mean_t},
                         {saved::result2, rstd_t}});
  }
  return out;
}

}  // namespace cgrad
