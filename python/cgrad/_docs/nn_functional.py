"""Docstrings of the cgrad.nn.functional functions bound in C++ (cgrad._C._nn).

Same format as torch_functions (Note [Docstrings]). The functions written in Python
(dropout, embedding, pad, conv1d, ...) carry their docstrings in their source.
"""

DOCS = r"""
_upsample_nearest_exact1d(input, output_size, scale_factors) -> Tensor
    interpolate(mode='nearest-exact') over (N, C, W): output position o reads input
    floor((o + 0.5) * step), step = 1 / scale factor if given, else in / out size.

_upsample_nearest_exact2d(input, output_size, scale_factors) -> Tensor
    interpolate(mode='nearest-exact') over (N, C, H, W).

_upsample_nearest_exact3d(input, output_size, scale_factors) -> Tensor
    interpolate(mode='nearest-exact') over (N, C, D, H, W).

adaptive_avg_pool1d(input, output_size) -> Tensor
    1-D average pooling over (N, C, L) or (C, L) input to a fixed output_size, the
    windows chosen to cover the input (adaptive_avg_pool2d over a height of 1).

adaptive_avg_pool3d(input, output_size) -> Tensor
    3-D average pooling over (N, C, D, H, W) or (C, D, H, W) input to a fixed output_size
    (an int or (d, h, w); None keeps that size), the windows chosen to cover the input.

adaptive_avg_pool2d(input, output_size) -> Tensor
    2-D average pooling over (N, C, H, W) or (C, H, W) input to a fixed output_size
    (an int or (h, w); None keeps that size), the windows chosen to cover the input.

adaptive_max_pool2d(input, output_size, return_indices=False) -> Tensor
    2-D max pooling to a fixed output_size; with return_indices, also the flat index of
    each maximum in its input plane.

avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) -> Tensor
    1-D average pooling over (N, C, L) or (C, L) input; stride defaults to kernel_size.

avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None) -> Tensor
    2-D average pooling over (N, C, H, W) or (C, H, W) input; stride defaults to
    kernel_size.

batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05) -> Tensor
    Normalises each channel (dim 1) with the batch's statistics when training (updating
    the running ones in place by momentum) or with the running ones otherwise, then
    scales by weight and shifts by bias.

binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean') -> Tensor
    -(target * log(input) + (1 - target) * log(1 - input)) for probabilities input (the
    logs clamped at -100), reduced by 'mean', 'sum' or 'none'.

binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None) -> Tensor
    binary_cross_entropy of sigmoid(input), computed stably from the logits; pos_weight
    weights the positive term per class.

cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean', label_smoothing=0.0) -> Tensor
    nll_loss(log_softmax(input, 1), target) for class indices, or the cross entropy
    against class probabilities when target is floating; with optional class weights and
    label smoothing.

col2im(input, output_size, kernel_size, dilation, padding, stride) -> Tensor
    The op under fold: (N, C * kh * kw, L) or (C * kh * kw, L) columns summed back into
    (N, C, *output_size) blocks; each size is an int or a pair.

huber_loss(input, target, reduction='mean', delta=1.0) -> Tensor
    0.5 * d**2 where |d| < delta, else delta * (|d| - 0.5 * delta), d = input - target;
    reduced.

l1_loss(input, target, size_average=None, reduce=None, reduction='mean') -> Tensor
    |input - target|, reduced by 'mean', 'sum' or 'none'.

im2col(input, kernel_size, dilation, padding, stride) -> Tensor
    The op under unfold: the sliding blocks of (N, C, H, W) or (C, H, W) input as columns
    (N, C * kh * kw, L); each size is an int or a pair.

group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) -> Tensor
    Normalises each group of C / num_groups channels (over those channels and every
    position) to zero mean and unit variance (biased), then scales by weight and shifts
    by bias per channel.

layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) -> Tensor
    Normalises over the last len(normalized_shape) dims to zero mean and unit variance
    (biased), then scales by weight and shifts by bias.

linear(input, weight, bias=None) -> Tensor
    input @ weight.T + bias, weight of shape (out_features, in_features).

log_softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor
    log(softmax(input, dim)), computed stably.

max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False) -> Tensor
    1-D max pooling over (N, C, L) or (C, L) input; with return_indices, also where each
    maximum was.

max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False) -> Tensor
    2-D max pooling over (N, C, H, W) or (C, H, W) input; with return_indices, also the
    flat index of each maximum in its input plane.

max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True) -> tuple[Tensor, Tensor]
    max_pool2d returning (output, indices).

mse_loss(input, target, size_average=None, reduce=None, reduction='mean') -> Tensor
    (input - target)**2, reduced by 'mean', 'sum' or 'none'.

nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean') -> Tensor
    -input[n, target[n]] (log-probabilities in, class indices as target), weighted per
    class and reduced; targets equal to ignore_index count for nothing.

rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor
    Divides by the root mean square over the last len(normalized_shape) dims (eps,
    default the dtype's machine epsilon, added to the mean square), then scales by weight.

smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0) -> Tensor
    0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta, d = input - target;
    reduced.

softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor
    exp(x) / sum(exp(x)) along dim, computed stably.

upsample_bicubic2d(input, output_size, align_corners, scale_factors) -> Tensor
    interpolate(mode='bicubic') over (N, C, H, W): Keys' cubic convolution (a = -0.75)
    over 4 x 4 neighbours, clamped at the edges. Exactly one of output_size and
    scale_factors; a given scale factor also sets the sampling step.

upsample_bilinear2d(input, output_size, align_corners, scale_factors) -> Tensor
    interpolate(mode='bilinear') over (N, C, H, W).

upsample_linear1d(input, output_size, align_corners, scale_factors) -> Tensor
    interpolate(mode='linear') over (N, C, W).

upsample_nearest1d(input, output_size, scale_factors) -> Tensor
    interpolate(mode='nearest') over (N, C, W): output position o reads input
    floor(o * step), step = 1 / scale factor if given, else in / out size.

upsample_nearest2d(input, output_size, scale_factors) -> Tensor
    interpolate(mode='nearest') over (N, C, H, W).

upsample_nearest3d(input, output_size, scale_factors) -> Tensor
    interpolate(mode='nearest') over (N, C, D, H, W).

upsample_trilinear3d(input, output_size, align_corners, scale_factors) -> Tensor
    interpolate(mode='trilinear') over (N, C, D, H, W).

"""
