#pragma once
// Resampling, as torch's upsample_* ops (torch._C._nn) and adaptive_avg_pool1d/3d
// (definitions in cpp/src/ops/resample.cpp and cpp/src/ops/pooling.cpp).
// nn.functional.interpolate, written in Python, picks one of them per mode.
#include <cstdint>
#include <optional>
#include <vector>

#include "cgrad/ops/convolution.h"
#include "cgrad/tensor.h"

namespace cgrad {

enum class UpsampleMode { Nearest, NearestExact, Linear, Cubic };

// upsample_nearest{1,2,3}d, _upsample_nearest_exact{1,2,3}d, upsample_linear1d,
// upsample_bilinear2d, upsample_trilinear3d, upsample_bicubic2d over `spatial_dims` trailing
// dims of an [N, C, *spatial] input. Exactly one of output_size and scale_factors; a
// given scale factor also sets the sampling step (1 / scale), as in torch. Nodes are
// named as torch's (UpsampleBilinear2DBackward0, ...) and their backward is again a
// recorded linear op, so gradients of any order exist.
Tensor upsample(const Tensor& input, UpsampleMode mode, int64_t spatial_dims,
                const std::optional<std::vector<int64_t>>& output_size,
                const std::optional<std::vector<double>>& scale_factors, bool align_corners);

// Output sizes as adaptive_avg_pool2d takes them (kKeepInputSize keeps the input's).
Tensor adaptive_avg_pool1d(const Tensor& input, const std::vector<int64_t>& output_size);
Tensor adaptive_avg_pool3d(const Tensor& input, const std::vector<int64_t>& output_size);

}  // namespace cgrad
