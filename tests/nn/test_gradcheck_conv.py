"""float64 finite-difference gradchecks (first and second order) for the convolution
and pooling backward formulas."""
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
    # distinct values (uniform draws) so max pooling has no ties within reach of eps
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(2, 2, 6, 5)]),
    "max_pool2d_with_indices": (lambda x: F.max_pool2d_with_indices(x, 2, dilation=2)[0], [(1, 2, 6, 5)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 3, 2), [(2, 3, 8)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), [(2, 2, 6, 5)]),
    "avg_pool2d_divisor": (lambda x: F.avg_pool2d(x, 2, divisor_override=3), [(2, 5, 4)]),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 3, 2, 1), [(2, 3, 8)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, shapes = CASES[name]
    inputs = [leaf(i, *s) for i, s in enumerate(shapes)]
    assert cgrad.autograd.gradcheck(fn, inputs)
    assert cgrad.autograd.gradgradcheck(fn, inputs)
