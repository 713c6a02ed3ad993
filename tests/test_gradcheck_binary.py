"""float64 gradchecks of the binary table's rows (binary_ops.def) not checked elsewhere:
each function on both operands (broadcast), and its in-place form on a non-leaf self with
an `other` that requires grad too."""
import pytest

import cgrad
from cgrad.autograd import gradcheck, gradgradcheck
from grad_inputs import leaf


def inplace(method):
    """f(x, y) = (x * 1).method(y), so the in-place op runs on a non-leaf."""
    def fn(x, y):
        z = x * 1
        getattr(z, method)(y)
        return z
    return fn


# name: (function of (x, y), x, y, whether its gradient is smooth enough for gradgradcheck)
FUNCTIONS = {
    "arctan2": (lambda x, y: cgrad.arctan2(x, y), leaf(3, 4), leaf(4, seed=1, low=0.5), True),
    "fmax": (lambda x, y: cgrad.fmax(x, y), leaf(3, 4), leaf(4, seed=1), True),
    "fmin": (lambda x, y: cgrad.fmin(x, y), leaf(3, 4), leaf(4, seed=1), True),
    "copysign": (lambda x, y: cgrad.copysign(x, y), leaf(3, 4, low=0.2), leaf(3, 4, seed=1), True),
    "nextafter": (lambda x, y: cgrad.nextafter(x, y), leaf(3, 4), leaf(4, seed=1), True),
    "ldexp": (lambda x, y: cgrad.ldexp(x, y), leaf(3, 4), leaf(4, seed=1), True),
    "float_power": (lambda x, y: cgrad.float_power(x, y), leaf(3, 4, low=0.5), leaf(4, seed=1),
                    True),
    "true_divide": (lambda x, y: cgrad.true_divide(x, y), leaf(3, 4), leaf(4, seed=1, low=0.5),
                    True),
}
INPLACE = {
    "arctan2_": (inplace("arctan2_"), leaf(3, 4), leaf(4, seed=1, low=0.5), True),
    "copysign_": (inplace("copysign_"), leaf(3, 4, low=0.2), leaf(4, seed=1), True),
    "nextafter_": (inplace("nextafter_"), leaf(3, 4), leaf(4, seed=1), True),
    "ldexp_": (inplace("ldexp_"), leaf(3, 4), leaf(4, seed=1), True),
    "float_power_": (inplace("float_power_"), leaf(3, 4, low=0.5), leaf(4, seed=1), True),
    "true_divide_": (inplace("true_divide_"), leaf(3, 4), leaf(4, seed=1, low=0.5), True),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS) + sorted(INPLACE))
def test_gradcheck(name):
    fn, x, y, smooth = {**FUNCTIONS, **INPLACE}[name]
    assert gradcheck(fn, (x, y))
    if smooth:
        assert gradgradcheck(fn, (x, y))
