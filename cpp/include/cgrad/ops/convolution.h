#pragma once
// Convolution and pooling, as torch.nn.functional (definitions in
// cpp/src/ops/convolution.cpp and cpp/src/ops/pooling.cpp). Lists of per-dimension
// parameters hold one value (used for every spatial dim) or one per spatial dim; the ops
// check them with torch's messages. Inputs may be batched or unbatched as in torch.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad {

using IntList = std::vector<int64_t>;

struct ConvOptions {
  IntList stride{1}, padding{0}, dilation{1};
  std::string padding_mode;  // "same" or "valid" replaces `padding`; empty: use it
  int64_t groups = 1;
};

// ConvolutionBackward0; its backward is two more convolutions (recorded as
// ConvolutionBackwardBackward0), so gradients of any order exist. bias may be null.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvOptions& options);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvOptions& options);

// torch's im2col and col2im, under F.unfold and F.fold (definitions in
// cpp/src/ops/fold.cpp); every list holds two values. im2col: [N, C, H, W] or [C, H, W]
// to [N, C * KH * KW, L] or [C * KH * KW, L], Im2ColBackward0; col2im the reverse, summing
// overlaps, to output_size, Col2ImBackward0. Each one's backward is the other.
Tensor im2col(const Tensor& input, const IntList& kernel_size, const IntList& dilation,
              const IntList& padding, const IntList& stride);
Tensor col2im(const Tensor& input, const IntList& output_size, const IntList& kernel_size,
              const IntList& dilation, const IntList& padding, const IntList& stride);

struct PoolOptions {
  IntList kernel_size, stride, padding{0}, dilation{1};  // empty stride: the kernel size
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg_pool only
  int64_t divisor_override = 0;   // avg_pool only; 0: none
  bool has_divisor_override = false;
};

// (values, flat indices into each input plane): MaxPool2DWithIndicesBackward0.
std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const PoolOptions& options);
Tensor avg_pool2d(const Tensor& input, const PoolOptions& options);  // AvgPool2DBackward0
// Output sizes per spatial dim; kKeepInputSize keeps the input's size (torch's None).
constexpr int64_t kKeepInputSize = INT64_MIN;
Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const IntList& output_size);
// The 1-d forms, as torch composes them: unsqueeze, the 2-d op, squeeze.
std::pair<Tensor, Tensor> max_pool1d(const Tensor& input, const PoolOptions& options);
Tensor avg_pool1d(const Tensor& input, const PoolOptions& options);

}  // namespace cgrad
