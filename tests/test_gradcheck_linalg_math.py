"""Float64 finite-difference checks of the math-function and cgrad.linalg backward
formulas, first order and second order (create_graph=True, then backward again)."""
import numpy as np
import pytest

import cgrad
from cgrad.autograd import gradcheck
from grad_inputs import leaf, positive


def values(*v):
    return cgrad.tensor(np.array(v, np.float64), requires_grad=True)


# name -> (function, inputs factory); inputs stay away from kinks and ties.
MATH = {
    "exp2": (cgrad.exp2, lambda: (leaf(5),)),
    "sinc": (cgrad.sinc, lambda: (leaf(6),)),
    "sinc_at_zero": (cgrad.sinc, lambda: (values(0.0, 0.5),)),
    "logaddexp": (cgrad.logaddexp, lambda: (leaf(3, 4), leaf(4, seed=1))),
    "logaddexp2": (cgrad.logaddexp2, lambda: (leaf(3, 1), leaf(3, 4, seed=1))),
    "hypot": (cgrad.hypot, lambda: (leaf(3, 4), leaf(3, 4, seed=1))),
    "xlogy": (cgrad.xlogy, lambda: (leaf(3, 4), positive(4))),
    "xlogy_scalar_self": (lambda y: cgrad.xlogy(2.5, y), lambda: (positive(4),)),
    "xlogy_scalar_other": (lambda x: cgrad.xlogy(x, 3.0), lambda: (leaf(4),)),
    "nan_to_num": (lambda a: cgrad.nan_to_num(a * 1.0, nan=0.5), lambda: (leaf(5),)),
    "std_mean": (lambda a: cgrad.std_mean(a, 1), lambda: (leaf(3, 4),)),
    "std_mean_all": (lambda a: cgrad.std_mean(a), lambda: (leaf(3, 4),)),
    "var_mean": (lambda a: cgrad.var_mean(a, (0, 2), keepdim=True), lambda: (leaf(2, 3, 2),)),
    "var_mean_only_var": (lambda a: cgrad.var_mean(a, 0)[0], lambda: (leaf(3, 4),)),
    "aminmax": (lambda a: cgrad.aminmax(a), lambda: (leaf(3, 4),)),
    "aminmax_dim": (lambda a: a.aminmax(dim=1), lambda: (leaf(3, 4),)),
    "aminmax_only_max": (lambda a: cgrad.aminmax(a, dim=0).max, lambda: (leaf(3, 4),)),
    # in place on a non-leaf: the out-of-place node, rebased onto the written tensor
    "exp2_": (lambda a: (a * 1.0).exp2_(), lambda: (leaf(5),)),
    "sinc_": (lambda a: (a * 1.0).sinc_(), lambda: (leaf(5),)),
    "nan_to_num_": (lambda a: (a * 1.0).nan_to_num_(), lambda: (leaf(5),)),
    "hypot_": (lambda a, b: (a * 1.0).hypot_(b), lambda: (leaf(5), leaf(5, seed=1))),
    "xlogy_": (lambda a, b: (a * 1.0).xlogy_(b), lambda: (leaf(5), positive(5, seed=1))),
}


@pytest.mark.parametrize("name", sorted(MATH))
def test_math_backward_matches_finite_differences(name):
    fn, make = MATH[name]
    assert gradcheck(fn, make())


def second_order(fn, inputs):
    """gradcheck of the first derivative, summed against fixed weights."""
    def first(*xs):
        out = fn(*xs)
        outs = out if isinstance(out, tuple) else (out,)
        total = sum((o * (k + 1.5)).sum() for k, o in enumerate(outs))
        grads = cgrad.autograd.grad(total, [x for x in xs if x.requires_grad], create_graph=True)
        return tuple(grads)
    return gradcheck(first, inputs)


MATH_SECOND = ["exp2", "sinc", "logaddexp", "logaddexp2", "hypot", "xlogy", "std_mean",
               "var_mean"]


@pytest.mark.parametrize("name", MATH_SECOND)
def test_math_second_derivatives_match_finite_differences(name):
    fn, make = MATH[name]
    assert second_order(fn, make())
