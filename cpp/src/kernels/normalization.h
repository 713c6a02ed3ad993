#pragma once
// Layer normalization kernels: rows of `cols` contiguous elements, each normalized by
// its own mean and variance. The op layer (ops/normalization.cpp) hands in contiguous
// tensors of one floating dtype.
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

}  // namespace cgrad::kernels
