"""Float64 finite-difference checks (first and second order) of the rearranging,
repeating, triangle, diagonal, sorting, scan and selection ops."""
import pytest

import cgrad
from cgrad.autograd import gradcheck, gradgradcheck
from grad_inputs import inplace, leaf


# name -> (function of the inputs, input shapes)
CASES = {
    "flip": (lambda a: a.flip(0, 2), [(2, 3, 4)]),
    "fliplr": (lambda a: a.fliplr(), [(3, 4)]),
    "flipud": (lambda a: cgrad.flipud(a), [(3, 4)]),
    "roll": (lambda a: a.roll((1, -2), (0, 1)), [(3, 4)]),
    "roll_flat": (lambda a: cgrad.roll(a, 5), [(3, 4)]),
    "repeat": (lambda a: a.repeat(2, 1, 3), [(2, 3)]),
    "tile": (lambda a: cgrad.tile(a, (2,)), [(2, 3)]),
    "repeat_interleave": (lambda a: a.repeat_interleave(2, dim=1), [(2, 3)]),
    "repeat_interleave_tensor": (lambda a: cgrad.repeat_interleave(
        a, cgrad.tensor([2, 0, 1]), dim=1), [(2, 3)]),
    "tril": (lambda a: a.tril(1), [(3, 4)]),
    "triu": (lambda a: cgrad.triu(a, -1), [(2, 3, 4)]),
    "tril_": (inplace("tril_"), [(3, 3)]),
    "triu_": (inplace("triu_", 1), [(3, 3)]),
    "diagonal": (lambda a: a.diagonal(1, 0, 2), [(3, 2, 4)]),
    "diag_embed": (lambda a: cgrad.diag_embed(a, -1), [(2, 3)]),
    "diag_vector": (lambda a: a.diag(1), [(3,)]),
    "diag_matrix": (lambda a: cgrad.diag(a, -1), [(3, 4)]),
    "trace": (lambda a: a.trace(), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, shapes = CASES[name]
    inputs = tuple(leaf(*s, seed=k) for k, s in enumerate(shapes))
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
