"""Float64 finite-difference checks of the special functions' backward formulas (lgamma,
digamma, polygamma, erfinv, i0 and I0Backward0's i1, logit), their in-place forms and
their second derivatives."""
import numpy as np
import pytest

import cgrad
from cgrad.autograd import gradcheck
from grad_inputs import inplace, leaf
from test_gradcheck_elementwise import gradgradcheck

CASES = {
    "lgamma": (cgrad.lgamma, lambda: (leaf(5, low=0.2, high=6),)),
    "lgamma_negative": (cgrad.lgamma, lambda: (leaf(4, low=-2.9, high=-2.1),)),
    "digamma": (cgrad.digamma, lambda: (leaf(5, low=0.2, high=6),)),
    "digamma_negative": (cgrad.digamma, lambda: (leaf(4, low=-1.9, high=-1.1),)),
    "polygamma_1": (lambda a: cgrad.polygamma(1, a), lambda: (leaf(5, low=0.2, high=6),)),
    "polygamma_3": (lambda a: a.polygamma(3), lambda: (leaf(5, low=0.5, high=6),)),
    "erfinv": (cgrad.erfinv, lambda: (leaf(5, low=-0.9, high=0.9),)),
    "i0": (cgrad.i0, lambda: (leaf(5, low=-4, high=4),)),
    "i0_large": (cgrad.i0, lambda: (leaf(3, low=26, high=30),)),
    "logit": (cgrad.logit, lambda: (leaf(5, low=0.05, high=0.95),)),
    "logit_eps": (lambda a: cgrad.logit(a, eps=0.1), lambda: (leaf(6, low=-0.3, high=1.3),)),
    "lgamma_": (inplace("lgamma_"), lambda: (leaf(4, low=0.2, high=6),)),
    "digamma_": (inplace("digamma_"), lambda: (leaf(4, low=0.2, high=6),)),
    "polygamma_": (inplace("polygamma_", 2), lambda: (leaf(4, low=0.5, high=6),)),
    "erfinv_": (inplace("erfinv_"), lambda: (leaf(4, low=-0.9, high=0.9),)),
    "i0_": (inplace("i0_"), lambda: (leaf(4, low=-4, high=4),)),
    "logit_": (inplace("logit_", 0.05), lambda: (leaf(4, low=0.1, high=0.9),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, make = CASES[name]
    assert gradcheck(fn, make())


SECOND_ORDER = {
    "lgamma": lambda a: cgrad.lgamma(a * a + 0.5),
    "digamma": lambda a: cgrad.digamma(a * a + 0.5),
    "polygamma_2": lambda a: cgrad.polygamma(2, a * a + 0.5),
    "erfinv": lambda a: cgrad.erfinv(a * 0.3),
    "i0": cgrad.i0,  # through i1's backward (SpecialI1Backward0)
    "logit": lambda a: cgrad.logit(a.sigmoid()),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivative_matches_finite_differences(name):
    x = np.random.default_rng(11).uniform(-2.5, 2.5, (2, 3))
    gradgradcheck(SECOND_ORDER[name], x)

