#pragma once
// Convolution and pooling kernels on contiguous NCHW float buffers (float32, float64).
// 1-d ops run here as 2-d ones with a height of 1. No autograd, no checks: the op layer
// (cpp/src/ops/convolution.cpp, pooling.cpp) validates shapes first.
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

// Where a convolution's kernel lands: input [N, C, H, W], weight [O, C / groups, KH, KW],
// output [N, O, OH, OW]; input row oh * stride_h - pad_h + kh * dilation_h (likewise for
// columns), zero outside the input. The padding is the top/left one; out_h and out_w set
// how far the windows go, so an asymmetric ('same' with an even kernel) padding needs no
// extra field.
struct ConvGeometry {
  int64_t batch, in_channels, out_channels, groups;
  int64_t in_h, in_w, out_h, out_w, kernel_h, kernel_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
};

// out = conv(input, weight) (+ bias[O] per channel when bias is not null).
void conv2d(const ConvGeometry& g, const TensorImpl& input, const TensorImpl& weight,
            const TensorImpl* bias, TensorImpl& out);
// The input gradient of conv2d given the output gradient: a transposed convolution.
void conv2d_backward_input(const ConvGeometry& g, const TensorImpl& grad_out,
                           const TensorImpl& weight, TensorImpl& grad_input);
// The weight gradient of conv2d: sum over the batch of grad_out correlated with input.
void conv2d_backward_weight(const ConvGeometry& g, const TensorImpl& input,
                            const TensorImpl& grad_out, TensorImpl& grad_weight);

// F.unfold and F.fold over planes: g.in_channels counts the planes of all samples
// (N * C) and g.batch, out_channels and groups are unused. cols is [planes * KH * KW,
// OH * OW], row (p * KH + kh) * KW + kw, which is [N, C * KH * KW, L] as torch lays it.
// im2col zeroes the padding (any dtype); col2im zeroes `out` [planes, H, W], then adds
// every column back into its place (floating dtypes; bool ors).
void im2col(const ConvGeometry& g, const TensorImpl& input, TensorImpl& cols);
void col2im(const ConvGeometry& g, const TensorImpl& cols, TensorImpl& out);

// Pooling windows along one axis: output position o reads input positions
// begin[o], begin[o] + step, ... below end[o], all inside the input.
struct AxisWindows {
  std::vector<int64_t> begin, end;
  int64_t step = 1;
};

// Max over each window of each [H, W] plane of input [P, H, W]: out and indices [P, OH, OW];
// indices are flat positions h * W + w in the plane. NaN wins (the last NaN of a window);
// a window of -inf reports its first position.
void max_pool2d(const TensorImpl& input, const AxisWindows& rows, const AxisWindows& cols,
                TensorImpl& out, TensorImpl& indices);
// grad_input[p, indices[p, i]] += grad[p, i]; grad_input [P, H * W] is zeroed first.
void max_pool2d_backward(const TensorImpl& grad, const TensorImpl& indices, TensorImpl& grad_input);
// out[p, i] = source[p, indices[p, i]]: the adjoint of max_pool2d_backward.
void gather_planes(const TensorImpl& source, const TensorImpl& indices, TensorImpl& out);

// Sum over each window divided by divisors[oh * OW + ow]: out [P, OH, OW].
void avg_pool2d(const TensorImpl& input, const AxisWindows& rows, const AxisWindows& cols,
                const std::vector<double>& divisors, TensorImpl& out);
// Its adjoint: each grad[p, oh, ow] / divisor spread over its window; grad_input zeroed first.
void avg_pool2d_backward(const TensorImpl& grad, const AxisWindows& rows, const AxisWindows& cols,
                         const std::vector<double>& divisors, TensorImpl& grad_input);

}  // namespace cgrad::kernels
