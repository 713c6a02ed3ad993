"""Float64 finite-difference checks (first and second order) of sorting and selection:
the gradient of each picked value goes back to its index (random inputs have no ties)."""
import pytest

import cgrad
from cgrad.autograd import gradcheck, gradgradcheck
from grad_inputs import leaf

# name -> (function of the input, input shape)
CASES = {
    "sort": (lambda a: a.sort(1)[0], (3, 4)),
    "sort_stable_descending": (lambda a: cgrad.sort(a, stable=True, descending=True, dim=0)[0], (3, 4)),
    "msort": (lambda a: a.msort(), (3, 4)),
    "topk": (lambda a: a.topk(2)[0], (3, 5)),
    "topk_unsorted_smallest": (lambda a: cgrad.topk(a, 3, 0, False, False)[0], (5, 3)),
    "kthvalue": (lambda a: a.kthvalue(2, 1, True)[0], (3, 5)),
    "median_all": (lambda a: a.median(), (3, 5)),
    "median_dim": (lambda a: cgrad.median(a, 0)[0], (5, 3)),
    "nanmedian_all": (lambda a: a.nanmedian(), (3, 5)),
    "nanmedian_dim": (lambda a: a.nanmedian(1, keepdim=True)[0], (3, 5)),
    "cummax": (lambda a: a.cummax(1)[0], (3, 5)),
    "cummin": (lambda a: cgrad.cummin(a, 0)[0], (4, 3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, shape = CASES[name]
    inputs = (leaf(*shape, seed=3),)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
