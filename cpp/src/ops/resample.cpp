// Resampling ops: torch's upsample_* family and adaptive_avg_pool3d. Each turns its
// arguments into a ResamplePlan, one kernels::AxisTaps per spatial axis (missing axes
// are one tap of weight 1), and runs kernels/resample.cpp on the [planes, D, H, W] view
// of a contiguous input.
//
// Note [Resampling arithmetic]: the taps are computed as torch's CPU kernels compute
// them, in the input's compute type (float for float32 and the small floats, double for
// float64) and with the same float steps (nearest's indices always in float, floorf of
// the source index), so that the same output positions read the same inputs with the
// same weights; values then agree to the rounding of the sums.
//
// Note [Resampling double backward]: like the poolings (Note [Pooling double backward]),
// every mode is linear in its input once the taps are fixed, so the backward is a
// recorded op (UpsampleBilinear2DBackwardBackward0, ...) whose own backward is the
// forward again.
#include <cmath>
#include <memory>
#include <string>

#include "cgrad/small_floats.h"
#include "kernels/resample.h"
#include "ops/common.h"

namespace cgrad {

namespace {

using kernels::AxisTaps;

struct ResamplePlan {
  AxisTaps d, h, w;
  // The backward's own taps where torch's backward kernel samples otherwise than its
  // forward (Note [Upsample backward shortcuts]); empty: the forward's.
  std::vector<AxisTaps> backward_taps;
  bool average = false;
  Shape in_shape, out_shape;
  std::string name, backward_name;
  Shape planes_in() const { return {planes(), depth_in, height_in, width_in}; }
  Shape planes_out() const { return {planes(), d.out_size(), h.out_size(), w.out_size()}; }
  int64_t planes() const {
    int64_t p = 1;
    for (size_t i = 0; i < in_shape.size() - spatial; ++i) p *= in_shape[i];
    return p;
  }
  size_t spatial = 0;
  int64_t depth_in = 1, height_in = 1, width_in = 1;
};
using Plan = std::shared_ptr<const ResamplePlan>;

Tensor resample_grad(const Tensor& grad, const Plan& plan);

Tensor resample_output(const Tensor& input, const Plan& plan) {
  Tensor out = empty(plan->out_shape, input->dtype);
  const Shape po = plan->planes_out();
  kernels::resample(*detail::dense_as(input, plan->planes_in()), plan->d, plan->h, plan->w,
                    plan->average, *make_view(out, po, contiguous_strides(po), 0));
  if (any_requires_grad({&input})) {
    auto node = make_node(plan->name.c_str(), {input}, [plan](Node&, TensorList& g) -> TensorList {
      if (plan->average) detail::check_adaptive_pool_grad(g[0], "adaptive_avg_pool3d_backward");
      return {resample_grad(g[0], plan)};
    });
    // adaptive pooling saves its input, as torch's node does; upsampling saves sizes only.
    if (plan->average) record(node, {out}, {{saved::self, input}});
    else record(node, {out});
  }
  return out;
}

Tensor resample_grad(const Tensor& grad, const Plan& plan) {
  Tensor gx = empty(plan->in_shape, grad->dtype);
  const Shape pi = plan->planes_in();
  const auto& b = plan->backward_taps;
  kernels::resample_backward(*detail::dense_as(grad, plan->planes_out()), b.empty() ? plan->d : b[0],
                             b.empty() ? plan->h : b[1], b.empty() ? plan->w : b[2], plan->average,
                             *make_view(gx, pi, contiguous_strides(pi), 0));
  if (any_requires_grad({&grad})) {
    record(make_node(plan->backward_name.c_str(), {grad}, [plan](Node&, TensorList& g) -> TensorList {
      return {resample_output(g[0], plan)};
    }), {gx});
  }
  return gx;
}

// ---- taps, in torch's arithmetic (Note [Resampling arithmetic]) ----

// torch's area_pixel_compute_scale: the input step per output step.
template <class Acc>
Acc pixel_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  if (align_corners) return out > 1 ? static_cast<Acc>(in - 1) / static_cast<Acc>(out - 1) : Acc(0);
  if (scale && *scale > 0) return static_cast<Acc>(1.0 / *scale);
  return static_cast<Acc>(in) / static_cast<Acc>(out);
}

// torch's area_pixel_compute_source_index: where output position o samples the input.
template <class Acc>
Acc source_index(Acc scale, int64_t o, bool align_corners, bool cubic) {
  if (align_corners) return scale * static_cast<Acc>(o);
  const Acc at = scale * (static_cast<Acc>(o) + Acc(0.5)) - Acc(0.5);
  return !cubic && at < 0 ? Acc(0) : at;
}

// torch floors source indices through a float (floorf), in both float types.
int64_t floor_index(double at) { return static_cast<int64_t>(std::floor(static_cast<float>(at))); }

// `shortcuts`: positions map to themselves between equal sizes and to half where the
// output is twice the input, whatever the scale (Note [Upsample backward shortcuts]).
AxisTaps nearest_taps(int64_t in, int64_t out, std::optional<double> scale, bool exact, bool shortcuts) {
  AxisTaps t;
  const float step = scale && *scale > 0 ? static_cast<float>(1.0 / *scale)
                                         : static_cast<float>(in) / static_cast<float>(out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t at;
    if (exact) at = std::min(floor_index((static_cast<double>(o) + 0.5) * step), in - 1);
    else if (shortcuts && out == in) at = o;
    else if (shortcuts && out == 2 * in) at = o >> 1;
    else at = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * step)), in - 1);
    t.add(at, 1.0);
    t.close();
  }
  return t;
}

template <class Acc>
AxisTaps linear_taps(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  AxisTaps t;
  const Acc step = pixel_scale<Acc>(in, out, align_corners, scale);
  for (int64_t o = 0; o < out; ++o) {
    int64_t i0 = o;
    Acc lambda1 = 0;
    if (out != in) {  // same size: a copy, whatever the scale factor says
      const Acc at = source_index<Acc>(step, o, align_corners, false);
      i0 = std::min(floor_index(at), in - 1);
      lambda1 = std::min(std::max(at - static_cast<Acc>(i0), Acc(0)), Acc(1));
    }
    t.add(i0, static_cast<double>(Acc(1) - lambda1));
    t.add(i0 + (i0 < in - 1 ? 1 : 0), static_cast<double>(lambda1));
    t.close();
  }
  return t;
}

// Keys' cubic convolution with a = -0.75, as torch's bicubic; taps clamped to the edge.
template <class Acc>
AxisTaps cubic_taps(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  constexpr Acc a = Acc(-0.75);
  auto near = [](Acc x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };   // |x| <= 1
  auto far = [](Acc x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };  // 1 < |x| < 2
  AxisTaps t;
  const Acc step = pixel_scale<Acc>(in, out, align_corners, scale);
  for (int64_t o = 0; o < out; ++o) {
    const Acc at = source_index<Acc>(step, o, align_corners, true);
    const int64_t i0 = floor_index(at);
    const Acc f = at - static_cast<Acc>(i0);
    const Acc w[4] = {far(f + 1), near(f), near(1 - f), far(2 - f)};
    for (int k = 0; k < 4; ++k)
      t.add(std::min(std::max<int64_t>(i0 - 1 + k, 0), in - 1), static_cast<double>(w[k]));
    t.close();
  }
  return t;
}

AxisTaps single_tap() {
  AxisTaps t;
  t.add(0, 1.0);
  t.close();
  return t;
}

// ---- checks ----

const char* const kAxisNames[] = {"D", "H", "W"};

std::string sizes_text(const std::vector<int64_t>& v, size_t spatial) {
  std::string s;
  for (size_t i = 0; i < spatial; ++i)
    s += std::string(i ? ", " : "") + kAxisNames[3 - spatial + i] + ": " + std::to_string(v[i]);
  return s;
}

// torch's upsample_{1,2,3}d_common_check, after the output size is known.
void check_upsample_shape(const Tensor& input, const std::vector<int64_t>& out, size_t spatial) {
  const std::vector<int64_t> in(input->sizes.end() - spatial, input->sizes.end());
  bool positive = true;
  for (size_t i = 0; i < spatial; ++i) positive = positive && in[i] > 0 && out[i] > 0;
  if (!positive)
    throw std::runtime_error("Input and output sizes should be greater than 0, but got input (" +
                             sizes_text(in, spatial) + (spatial == 1 ? ") and output (" : ") output (") +
                             sizes_text(out, spatial) + ")");
  int64_t non_batch = 1;
  for (size_t i = 1; i < input->sizes.size(); ++i) non_batch *= input->sizes[i];
  if (input->numel() == 0 && non_batch == 0)
    throw std::runtime_error("Non-empty " + std::to_string(spatial + 2) +
                             "D data tensor expected but got a tensor with sizes " + shape_str(input->sizes));
}

std::string assert_text(const char* what) {
  return std::string("Expected static_cast<int64_t>(") + what +
         "->size()) == spatial_dimensions to be true, but got false.  (Could this error message "
         "be improved?  If so, please report an enhancement request to PyTorch.)";
}

// The kernel name in torch's error for a dtype it lacks.
const char* dtype_kernel(UpsampleMode mode, int64_t spatial) {
  switch (mode) {
    case UpsampleMode::Nearest:
    case UpsampleMode::NearestExact:
      return spatial == 2 ? "upsample_nearest2d_channels_last" : "compute_indices_weights_nearest";
    case UpsampleMode::Linear:
      return spatial == 2 ? "upsample_bilinear2d_channels_last" : "compute_indices_weights_linear";
    default:
      return "compute_indices_weights_cubic";
  }
}

std::string node_name(UpsampleMode mode, int64_t spatial) {
  const std::string dims = std::to_string(spatial) + "D";
  switch (mode) {
    case UpsampleMode::Nearest: return "UpsampleNearest" + dims;
    case UpsampleMode::NearestExact: return "UpsampleNearestExact" + dims;
    case UpsampleMode::Linear:
      return spatial == 1 ? "UpsampleLinear1D" : spatial == 2 ? "UpsampleBilinear2D" : "UpsampleTrilinear3D";
    default: return "UpsampleBicubic2D";
  }
}

void set_shapes(ResamplePlan& plan, const Tensor& input, const std::vector<int64_t>& out, size_t spatial) {
  plan.spatial = spatial;
  plan.in_shape = input->sizes;
  plan.out_shape = Shape(input->sizes.begin(), input->sizes.end() - spatial);
  for (int64_t o : out) plan.out_shape.push_back(o);
  const size_t nd = input->sizes.size();
  plan.width_in = input->sizes[nd - 1];
  if (spatial >= 2) plan.height_in = input->sizes[nd - 2];
  if (spatial == 3) plan.depth_in = input->sizes[nd - 3];
}

}  // namespace

Tensor upsample(const Tensor& input, UpsampleMode mode, int64_t spatial_dims,
                const std::optional<std::vector<int64_t>>& output_size,
                const std::optional<std::vector<double>>& scale_factors, bool align_corners) {
  if (output_size.has_value() == scale_factors.has_value())
    throw std::runtime_error("Must specify exactly one of output_size and scale_factors");
  const int64_t given_spatial = input->dim() - 2;
  if (output_size && static_cast<int64_t>(output_size->size()) != given_spatial)
    throw std::runtime_error(assert_text("output_size"));
  if (scale_factors && static_cast<int64_t>(scale_factors->size()) != given_spatial)
    throw std::runtime_error(assert_text("scale_factors"));
  std::vector<int64_t> out;
  std::vector<std::optional<double>> scales(spatial_dims);
  if (output_size) {
    out = *output_size;
  } else {
    for (int64_t i = 0; i < given_spatial; ++i) {
      const double size = static_cast<double>(input->sizes[i + 2]) * (*scale_factors)[i];
      // torch's checked_convert: NaN and values past int64 are refused.
      if (!(size > -9.2233720368547758e18 && size < 9.2233720368547758e18))
        throw std::runtime_error("value cannot be converted to type int64_t without overflow");
      out.push_back(static_cast<int64_t>(size));
      if (i < spatial_dims) scales[i] = (*scale_factors)[i];
    }
  }
  if (static_cast<int64_t>(out.size()) != spatial_dims)
    throw std::runtime_error("It is expected output_size equals to " + std::to_string(spatial_dims) +
                             ", but got size " + std::to_string(out.size()));
  if (input->dim() != spatial_dims + 2)
    throw std::runtime_error("It is expected input_size equals to " + std::to_string(spatial_dims + 2) +
                             ", but got size " + std::to_string(input->dim()));
  check_upsample_shape(input, out, static_cast<size_t>(spatial_dims));
  const bool nearest = mode == UpsampleMode::Nearest || mode == UpsampleMode::NearestExact;
  // uint8 goes through nearest only: torch's uint8 linear and cubic kernels round in
  // integer arithmetic of their own, which cgrad does not reproduce.
  if (!is_floating(input->dtype) && !(nearest && input->dtype == DType::UInt8))
    throw detail::not_implemented_for(dtype_kernel(mode, spatial_dims), input->dtype);

  auto plan = std::make_shared<ResamplePlan>();
  set_shapes(*plan, input, out, static_cast<size_t>(spatial_dims));
  const bool wide = input->dtype == DType::Float64;
  std::vector<AxisTaps*> axes = {&plan->d, &plan->h, &plan->w};
  for (int64_t i = 0; i < 3 - spatial_dims; ++i) *axes[i] = single_tap();
  for (int64_t i = 0; i < spatial_dims; ++i) {
    const int64_t in = input->sizes[i + 2], o = out[i];
    AxisTaps& t = *axes[3 - spatial_dims + i];
    switch (mode) {
      case UpsampleMode::Nearest: t = nearest_taps(in, o, scales[i], false, spatial_dims == 2); break;
      case UpsampleMode::NearestExact: t = nearest_taps(in, o, scales[i], true, false); break;
      case UpsampleMode::Linear:
        t = wide ? linear_taps<double>(in, o, align_corners, scales[i])
                 : linear_taps<float>(in, o, align_corners, scales[i]);
        break;
      case UpsampleMode::Cubic:
        t = wide ? cubic_taps<double>(in, o, align_corners, scales[i])
                 : cubic_taps<float>(in, o, align_corners, scales[i]);
        break;
    }
  }
  // Note [Upsample backward shortcuts]: torch's nearest and bicubic kernels take
  // shortcuts that ignore a given scale factor where it is not the size ratio (a size of
  // 3 scaled by 1.3): nearest maps o to o between equal sizes and to o / 2 where the output
  // is twice the input, in its 2-d forward and in every backward; bicubic's backward copies
  // the gradient where both sizes are equal. cgrad takes the same shortcuts in the same
  // places, so there, as in torch, the 1-d and 3-d nearest and the bicubic backward are
  // not their forward's adjoint.
  const bool nearest_shortcut = mode == UpsampleMode::Nearest && spatial_dims != 2;
  bool all_equal = true;
  for (int64_t i = 0; i < spatial_dims; ++i) all_equal = all_equal && out[i] == input->sizes[i + 2];
  if (nearest_shortcut || (mode == UpsampleMode::Cubic && all_equal)) {
    std::vector<AxisTaps> b = {plan->d, plan->h, plan->w};
    for (int64_t i = 0; i < spatial_dims; ++i)
      if (scales[i])
        b[3 - spatial_dims + i] = nearest_taps(input->sizes[i + 2], out[i], scales[i], false, true);
    plan->backward_taps = b;
  }
  // torch's generic forward kernels (all but 2-d bilinear) keep a small float input's
  // weights in its own dtype; its backward kernels keep them in float.
  if (is_reduced_float(input->dtype) && !(mode == UpsampleMode::Linear && spatial_dims == 2)) {
    if (plan->backward_taps.empty()) plan->backward_taps = {plan->d, plan->h, plan->w};
    for (AxisTaps* t : axes)
      for (double& wt : t->weight) {
        const float f = static_cast<float>(wt);
        wt = input->dtype == DType::Float16
                 ? small_floats::half_to_float(small_floats::half_from_float(f))
                 : small_floats::bfloat16_to_float(small_floats::bfloat16_from_float(f));
      }
  }
  plan->name = node_name(mode, spatial_dims) + "Backward0";
  plan->backward_name = node_name(mode, spatial_dims) + "BackwardBackward0";
  return resample_output(input, plan);
}

Tensor adaptive_avg_pool3d(const Tensor& input, const std::vector<int64_t>& output_size) {
  std::vector<int64_t> sizes =
      output_size.size() == 1 ? std::vector<int64_t>(3, output_size[0]) : output_size;
  if (sizes.size() != 3) throw std::runtime_error("adaptive_avg_pool3d: output_size must be 3");
  if (input->dim() != 4 && input->dim() != 5)
    throw std::runtime_error("adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got " + shape_str(input->sizes));
  for (int d = 0; d < 3; ++d)
    if (sizes[d] == kKeepInputSize) sizes[d] = input->sizes[input->dim() - 3 + d];
  if (sizes[0] < 0 || sizes[1] < 0 || sizes[2] < 0)  // torch's message lacks the last space
    throw std::runtime_error("adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 "
                             "but received {" + std::to_string(sizes[0]) + ", " + std::to_string(sizes[1]) +
                             "," + std::to_string(sizes[2]) + "}");
  for (int64_t d = 1; d < input->dim(); ++d)
    if (input->sizes[d] == 0)
      throw std::runtime_error("adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch "
                               "dimensions, but input has sizes " + shape_str(input->sizes) + " with dimension " +
                               std::to_string(d) + " being empty");
  if (!is_floating(input->dtype)) throw detail::not_implemented_for("adaptive_avg_pool3d_cpu", input->dtype);
  // torch computes a 1x1x1 output as a mean (MeanBackward1).
  if (sizes[0] == 1 && sizes[1] == 1 && sizes[2] == 1) return mean(input, DimList{-1, -2, -3}, true);
  auto plan = std::make_shared<ResamplePlan>();
  set_shapes(*plan, input, sizes, 3);
  plan->average = true;
  std::vector<AxisTaps*> axes = {&plan->d, &plan->h, &plan->w};
  for (int d = 0; d < 3; ++d) {
    // torch's adaptive windows: [floor(o * in / out), ceil((o + 1) * in / out)).
    const int64_t in = input->sizes[input->dim() - 3 + d];
    for (int64_t o = 0; o < sizes[d]; ++o) {
      for (int64_t i = o * in / sizes[d]; i < ((o + 1) * in + sizes[d] - 1) / sizes[d]; ++i)
        axes[d]->add(i, 1.0);
      axes[d]->close();
    }
  }
  plan->name = "AdaptiveAvgPool3DBackward0";
  plan->backward_name = "AdaptiveAvgPool3DBackwardBackward0";
  return resample_output(input, plan);
}

}  // namespace cgrad
