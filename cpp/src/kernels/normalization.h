#pragma once
// Normalization kernels. Layer norm: rows of `cols` contiguous elements, each normalized
// by its own mean and variance. Batch norm: the per-channel passes over a contiguous
// [outer, channels, inner] input (batch_norm.cpp). The op layer (ops/normalization.cpp)
// hands in contiguous tensors of one floating dtype.
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

// y = (x - mean) * rstd * weight + bias per row; mean and rstd ([rows], x's dtype) keep
// the statistics for backward. weight and bias ([cols]) may be null.
void layer_norm(const TensorImpl& x, const TensorImpl* weight, const TensorImpl* bias,
                double eps, int64_t rows, int64_t cols, TensorImpl& y, TensorImpl& mean,
                TensorImpl& rstd);

// First-order gradients of layer_norm given the upstream gradient g ([rows, cols]).
// Any of grad_input ([rows, cols]), grad_weight and grad_bias ([cols]) may be null.
void layer_norm_backward(const TensorImpl& g, const TensorImpl& x, const TensorImpl& mean,
                         const TensorImpl& rstd, const TensorImpl* weight, int64_t rows,
                         int64_t cols, TensorImpl* grad_input, TensorImpl* grad_weight,
                         TensorImpl* grad_bias);

// Batch norm, per channel c of x [outer, channels, inner] (float32 or float64, contiguous),
// with per-channel coefficients in double (Note [Batch norm passes]).
// mean[c] and the biased var[c] of channel c's elements, summed in double.
void channel_stats(const TensorImpl& x, int64_t channels, std::vector<double>& mean,
                   std::vector<double>& var);
// out = (x - center[c]) * scale[c] + shift[c], center[c] a value of x's dtype
// (Note [Batch norm centering]).
void channel_affine(const TensorImpl& x, int64_t channels, const std::vector<double>& center,
                    const std::vector<double>& scale, const std::vector<double>& shift,
                    TensorImpl& out);
// sum_g[c] = sum of g, sum_gxc[c] = sum of g * (x - mean[c]), each over its channel.
void channel_grad_sums(const TensorImpl& g, const TensorImpl& x, int64_t channels,
                       const std::vector<double>& mean, std::vector<double>& sum_g,
                       std::vector<double>& sum_gxc);
// out = g * a[c] + (x - mean[c]) * b[c] + k[c].
void channel_input_grad(const TensorImpl& g, const TensorImpl& x, int64_t channels,
                        const std::vector<double>& mean, const std::vector<double>& a,
                        const std::vector<double>& b, const std::vector<double>& k,
                        TensorImpl& out);

}  // namespace cgrad::kernels
