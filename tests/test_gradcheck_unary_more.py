"""Float64 finite-difference checks of the backward formulas of the unary ops added after
the first table (test_unary_more_parity.py compares them with torch), their in-place
forms (and cumsum_/cumprod_'s), and their second derivatives."""
import numpy as np
import pytest

import cgrad
from cgrad.autograd import gradcheck
from grad_inputs import inplace, leaf
from test_gradcheck_elementwise import gradgradcheck


# name -> (function, inputs factory); inputs stay inside each domain.
CASES = {
    "acosh": (cgrad.acosh, lambda: (leaf(5, low=1.1, high=4),)),
    "asinh": (cgrad.asinh, lambda: (leaf(5),)),
    "atanh": (cgrad.atanh, lambda: (leaf(5, low=-0.9, high=0.9),)),
    "arccosh": (cgrad.arccosh, lambda: (leaf(3, low=1.1, high=4),)),
    "arcsinh": (cgrad.arcsinh, lambda: (leaf(3),)),
    "arctanh": (cgrad.arctanh, lambda: (leaf(3, low=-0.9, high=0.9),)),
    "erfc": (cgrad.erfc, lambda: (leaf(5),)),
    "deg2rad": (cgrad.deg2rad, lambda: (leaf(5),)),
    "rad2deg": (cgrad.rad2deg, lambda: (leaf(5),)),
    "sgn": (lambda a: a.sgn() * a, lambda: (leaf(6),)),
    "square": (cgrad.square, lambda: (leaf(5),)),
    "absolute": (cgrad.absolute, lambda: (leaf(5),)),
    "positive": (lambda a: cgrad.positive(a) * 2, lambda: (leaf(4),)),
    "erfc_": (inplace("erfc_"), lambda: (leaf(4),)),
    "deg2rad_": (inplace("deg2rad_"), lambda: (leaf(4),)),
    "rad2deg_": (inplace("rad2deg_"), lambda: (leaf(4),)),
    "sgn_": (lambda a: inplace("sgn_")(a) * a, lambda: (leaf(4),)),
    "square_": (inplace("square_"), lambda: (leaf(4),)),
    "absolute_": (inplace("absolute_"), lambda: (leaf(4),)),
    "cumsum_": (inplace("cumsum_", 1), lambda: (leaf(2, 3),)),
    "cumprod_": (inplace("cumprod_", 0), lambda: (leaf(3, 2),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, make = CASES[name]
    assert gradcheck(fn, make())


SECOND_ORDER = {
    "acosh": lambda a: cgrad.acosh(a * a + 1.5),
    "asinh": cgrad.asinh,
    "atanh": lambda a: cgrad.atanh(a * 0.3),
    "erfc": cgrad.erfc,
    "deg2rad": lambda a: cgrad.deg2rad(a * a),
    "square": cgrad.square,
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivative_matches_finite_differences(name):
    x = np.random.default_rng(11).uniform(-2.5, 2.5, (2, 3))
    gradgradcheck(SECOND_ORDER[name], x)
