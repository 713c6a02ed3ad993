"""Float64 finite-difference checks (first and second order) of the searching, counting
and running ops that have a gradient: logcumsumexp, mode, cross."""
import pytest

import cgrad
from cgrad.autograd import gradcheck, gradgradcheck
from grad_inputs import leaf

# name -> (function of the input, input shape)
CASES = {
    "logcumsumexp": (lambda a: a.logcumsumexp(1), (3, 4)),
    "logcumsumexp_dim0": (lambda a: cgrad.logcumsumexp(a * 20, 0), (5, 2)),
    "logcumsumexp_0d": (lambda a: a.logcumsumexp(0), ()),
    "mode": (lambda a: a.mode(1)[0], (3, 5)),
    "mode_keepdim": (lambda a: cgrad.mode(a, 0, True)[0], (4, 3)),
    "cross": (lambda a: cgrad.cross(a[0], a[1], 0), (2, 3, 4)),
    "cross_broadcast": (lambda a: a[:, :1].cross(a, dim=0), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, shape = CASES[name]
    inputs = (leaf(*shape, seed=3),)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
