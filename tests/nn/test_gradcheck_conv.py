"""float64 finite-difference gradchecks (first and second order) for the convolution,
pooling and resampling backward formulas."""
import numpy as np
import pytest

import cgrad

F = cgrad.nn.functional


def leaf(seed, *shape):
    return cgrad.tensor(np.random.default_rng(seed).uniform(-2, 2, shape), dtype=cgrad.float64,
                        requires_grad=True)


CASES = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [(2, 3, 5, 4), (4, 3, 3, 2), (4,)]),
    "conv2d_groups_dilation": (lambda x, w: F.conv2d(x, w, groups=2, dilation=(1, 2), padding="same"),
                               [(1, 4, 5, 6), (4, 2, 2, 3)]),
    "conv2d_1x1": (lambda x, w: F.conv2d(x, w), [(2, 3, 3, 3), (2, 3, 1, 1)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2), [(2, 3, 9), (2, 3, 3), (2,)]),
    # unfold / fold: each one's backward is the other (and so on, in gradgradcheck)
    "im2col": (lambda x: NN.im2col(x, (2, 3), (2, 1), (1, 0), (1, 2)), [(2, 2, 6, 5)]),
    "col2im": (lambda x: NN.col2im(x, (5, 4), (2, 2), (1, 1), (1, 0), (2, 1)), [(3, 8, 9)]),
    "unfold_fold": (lambda x: F.fold(F.unfold(x, 2, padding=1), (4, 3), 2, padding=1), [(1, 2, 4, 3)]),
    # distinct values (uniform draws) so max pooling has no ties within reach of eps
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(2, 2, 6, 5)]),
    "max_pool2d_with_indices": (lambda x: F.max_pool2d_with_indices(x, 2, dilation=2)[0], [(1, 2, 6, 5)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 3, 2), [(2, 3, 8)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), [(2, 2, 6, 5)]),
    "avg_pool2d_divisor": (lambda x: F.avg_pool2d(x, 2, divisor_override=3), [(2, 5, 4)]),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 3, 2, 1), [(2, 3, 8)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    "adaptive_avg_pool1d": (lambda x: F.adaptive_avg_pool1d(x, 3), [(2, 2, 7)]),
    "adaptive_avg_pool3d": (lambda x: F.adaptive_avg_pool3d(x, (3, 2, 4)), [(1, 2, 5, 3, 3)]),
    # resampling (the upsample_* ops interpolate calls), fractional steps included
    "upsample_nearest1d": (lambda x: NN.upsample_nearest1d(x, None, [1.6]), [(2, 2, 5)]),
    "upsample_nearest2d": (lambda x: NN.upsample_nearest2d(x, (5, 3), None), [(1, 2, 3, 4)]),
    "upsample_nearest3d": (lambda x: NN.upsample_nearest3d(x, None, [0.7, 1.5, 2.0]), [(1, 1, 3, 2, 3)]),
    "_upsample_nearest_exact1d": (lambda x: NN._upsample_nearest_exact1d(x, (7,), None), [(2, 2, 4)]),
    "_upsample_nearest_exact2d": (lambda x: NN._upsample_nearest_exact2d(x, None, [1.7, 0.6]), [(1, 2, 3, 5)]),
    "_upsample_nearest_exact3d": (lambda x: NN._upsample_nearest_exact3d(x, (2, 3, 4), None), [(1, 1, 3, 2, 3)]),
    "upsample_linear1d": (lambda x: NN.upsample_linear1d(x, None, False, [1.7]), [(2, 2, 4)]),
    "upsample_linear1d_corners": (lambda x: NN.upsample_linear1d(x, (6,), True, None), [(2, 2, 4)]),
    "upsample_bilinear2d": (lambda x: NN.upsample_bilinear2d(x, None, False, [1.4, 0.8]), [(1, 2, 4, 5)]),
    "upsample_bilinear2d_corners": (lambda x: NN.upsample_bilinear2d(x, (3, 7), True, None), [(1, 2, 4, 5)]),
    "upsample_bicubic2d": (lambda x: NN.upsample_bicubic2d(x, None, False, [1.6, 0.7]), [(1, 2, 4, 5)]),
    "upsample_bicubic2d_corners": (lambda x: NN.upsample_bicubic2d(x, (5, 3), True, None), [(1, 1, 4, 5)]),
    "upsample_trilinear3d": (lambda x: NN.upsample_trilinear3d(x, None, False, [1.5, 0.7, 1.2]), [(1, 1, 2, 4, 3)]),
    "interpolate_area": (lambda x: F.interpolate(x, scale_factor=0.6, mode="area"), [(1, 2, 5, 5)]),
}
NN = cgrad._C._nn


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, shapes = CASES[name]
    inputs = [leaf(i, *s) for i, s in enumerate(shapes)]
    assert cgrad.autograd.gradcheck(fn, inputs)
    assert cgrad.autograd.gradgradcheck(fn, inputs)
