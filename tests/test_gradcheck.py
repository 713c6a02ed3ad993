"""Float64 finite-difference checks of every backward formula."""
import pytest

import cgrad
from cgrad.autograd import GradcheckError, gradcheck
from grad_inputs import leaf, positive


# name -> (function, inputs factory)
CASES = {
    "add": (lambda a, b: a + b, lambda: (leaf(2, 3), leaf(3, seed=1))),
    "add_scalar": (lambda a: a + 2.5, lambda: (leaf(4),)),
    "sub": (lambda a, b: a - b, lambda: (leaf(3, 1), leaf(1, 4, seed=1))),
    "rsub_scalar": (lambda a: 2 - a, lambda: (leaf(3),)),
    "mul": (lambda a, b: a * b, lambda: (leaf(2, 3), leaf(2, 1, seed=1))),
    "mul_scalar": (lambda a: a * 3, lambda: (leaf(3),)),
    "div": (lambda a, b: a / b, lambda: (leaf(2, 3), positive(3, seed=1))),
    "rdiv_scalar": (lambda a: 2 / a, lambda: (positive(3),)),
    "pow_scalar": (lambda a: a ** 3, lambda: (leaf(4),)),
    "pow_fractional": (lambda a: a ** 0.5, lambda: (positive(4),)),
    "pow_tensor": (lambda a, b: a ** b, lambda: (positive(3), leaf(3, seed=1))),
    "rpow_scalar": (lambda a: 2 ** a, lambda: (leaf(3),)),
    "neg": (lambda a: -a, lambda: (leaf(2, 2),)),
    "reciprocal": (lambda a: a.reciprocal(), lambda: (positive(3),)),
    "sin": (cgrad.sin, lambda: (leaf(5),)),
    "cos": (cgrad.cos, lambda: (leaf(5),)),
    "exp": (cgrad.exp, lambda: (leaf(5),)),
    "log": (cgrad.log, lambda: (positive(5),)),
    "tanh": (cgrad.tanh, lambda: (leaf(5),)),
    "sigmoid": (cgrad.sigmoid, lambda: (leaf(5),)),
    "relu": (cgrad.relu, lambda: (leaf(6, seed=3),)),
    "sqrt": (cgrad.sqrt, lambda: (positive(5),)),
    "abs": (cgrad.abs, lambda: (leaf(6, seed=2),)),
    "sum": (lambda a: a.sum(), lambda: (leaf(2, 3),)),
    "sum_dim": (lambda a: a.sum(1), lambda: (leaf(2, 3),)),
    "sum_dims_keepdim": (lambda a: a.sum((0, 2), keepdim=True), lambda: (leaf(2, 3, 2),)),
    "mean": (lambda a: a.mean(), lambda: (leaf(2, 3),)),
    "mean_dim": (lambda a: a.mean(-1), lambda: (leaf(2, 3),)),
    "norm": (lambda a: a.norm(), lambda: (leaf(2, 3),)),
    "norm_p1_dim": (lambda a: a.norm(1, dim=0), lambda: (leaf(2, 3),)),
    "norm_p3": (lambda a: a.norm(3), lambda: (leaf(4),)),
    "norm_inf": (lambda a: a.norm(float("inf"), dim=1, keepdim=True), lambda: (leaf(2, 3),)),
    "to_copy": (lambda a: a.to(cgrad.float64, copy=True), lambda: (leaf(3),)),
    "expand": (lambda a: a.expand(2, 3) * 1.0, lambda: (leaf(3),)),
    "reshape": (lambda a: a.reshape(3, 2) * 1.0, lambda: (leaf(2, 3),)),
    "unsqueeze": (lambda a: a.unsqueeze(0) * 1.0, lambda: (leaf(3),)),
    "where": (lambda a, b: cgrad.where(a > 0, a, b), lambda: (leaf(4), leaf(4, seed=1))),
    "chain": (lambda a, b: ((a * b).tanh() + a.exp()).sum(), lambda: (leaf(3), leaf(3, seed=1))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, make = CASES[name]
    assert gradcheck(fn, make())


def test_gradcheck_reports_a_wrong_formula():
    # sign's true derivative is 0 almost everywhere; pretend-check it against x*|x|'s.
    x = leaf(3)
    with pytest.raises(GradcheckError, match=r"input 0, element \d"):
        gradcheck(lambda a: a * a.detach().abs(), (x,))
