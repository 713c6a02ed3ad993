"""float64 gradchecks (first and second order) of the losses added with nn's core."""
import numpy as np
import pytest

import cgrad


@pytest.mark.parametrize("fn", [
    lambda L, x, y: L.nn.functional.smooth_l1_loss(x, y, beta=0.7),
    lambda L, x, y: L.nn.functional.smooth_l1_loss(x, y, reduction="none", beta=1.3),
    lambda L, x, y: L.nn.functional.huber_loss(x, y, delta=0.6),
    lambda L, x, y: L.nn.functional.huber_loss(x, y, reduction="sum", delta=1.5),
])
def test_quadratic_then_linear_loss_gradcheck(fn):
    rng = np.random.default_rng(8)
    x = cgrad.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = cgrad.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert cgrad.autograd.gradcheck(lambda a, b: fn(cgrad, a, b), (x, y))
    assert cgrad.autograd.gradgradcheck(lambda a, b: fn(cgrad, a, b), (x, y))
