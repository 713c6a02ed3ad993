"""Float64 finite-difference checks of take, take_along_dim, masked_select, diff, kron,
tensordot and cdist (both of its p = 2 paths and every kind of p), first order and
second order (create_graph=True, then backward again)."""
import math

import pytest

import cgrad
from cgrad.autograd import gradcheck
from grad_inputs import leaf


def positions(*values):
    return cgrad.tensor(list(values), dtype=cgrad.int64)


# name -> (function, inputs factory); inputs stay away from kinks and ties.
CHECKS = {
    "take": (lambda a: cgrad.take(a, positions(0, 5, -1, 5)), lambda: (leaf(3, 4),)),
    "take_along_dim": (lambda a: cgrad.take_along_dim(a, cgrad.tensor([[1, 0, 2]]), dim=0),
                       lambda: (leaf(3, 3),)),
    "take_along_dim_flat": (lambda a: a.take_along_dim(positions(0, 11, 5, 5)), lambda: (leaf(3, 4),)),
    "masked_select": (lambda a: cgrad.masked_select(a, cgrad.tensor([True, False, True, True])),
                      lambda: (leaf(3, 4),)),
    "masked_select_broadcast_input": (lambda a: a.masked_select(cgrad.tensor([[True, False], [True, True]])),
                                      lambda: (leaf(2),)),
    "diff": (lambda a: cgrad.diff(a, n=2, dim=0), lambda: (leaf(4, 3),)),
    "diff_prepend_append": (lambda a, p, q: a.diff(prepend=p, append=q),
                            lambda: (leaf(3, 4), leaf(3, 1, seed=1), leaf(3, 2, seed=2))),
    "kron": (cgrad.kron, lambda: (leaf(2, 3), leaf(3, 2, seed=1))),
    "kron_rank_mismatch": (lambda a, b: a.kron(b), lambda: (leaf(3), leaf(2, 2, seed=1))),
    "tensordot": (lambda a, b: cgrad.tensordot(a, b, dims=([1, 0], [0, 2])),
                  lambda: (leaf(3, 4, 2), leaf(4, 2, 3, seed=1))),
    "tensordot_broadcast_dim": (lambda a, b: cgrad.tensordot(a, b, dims=1),
                                lambda: (leaf(3, 1), leaf(4, 2, seed=1))),
    "tensordot_every_dim": (lambda a, b: cgrad.tensordot(a, b, dims=([0, 1], [0, 1])),
                            lambda: (leaf(2, 3), leaf(2, 3, seed=1))),
    "inner": (cgrad.inner, lambda: (leaf(2, 3), leaf(4, 3, seed=1))),
    "inner_1d": (lambda a, b: a.inner(b), lambda: (leaf(3), leaf(3, seed=1))),
    "inner_0d": (cgrad.inner, lambda: (leaf(), leaf(2, 3, seed=1))),
    "cdist": (cgrad.cdist, lambda: (leaf(3, 4), leaf(5, 4, seed=1))),
    "cdist_p1": (lambda a, b: cgrad.cdist(a, b, p=1), lambda: (leaf(3, 4), leaf(2, 4, seed=1))),
    "cdist_p0": (lambda a, b: cgrad.cdist(a, b, p=0), lambda: (leaf(3, 4), leaf(2, 4, seed=1))),
    "cdist_pinf": (lambda a, b: cgrad.cdist(a, b, p=math.inf), lambda: (leaf(3, 4), leaf(2, 4, seed=1))),
    "cdist_p3": (lambda a, b: cgrad.cdist(a, b, p=3), lambda: (leaf(3, 4), leaf(2, 4, seed=1))),
    "cdist_p_half": (lambda a, b: cgrad.cdist(a, b, p=0.5), lambda: (leaf(3, 4), leaf(2, 4, seed=1))),
    "cdist_p1_5": (lambda a, b: cgrad.cdist(a, b, p=1.5), lambda: (leaf(3, 4), leaf(2, 4, seed=1))),
    "cdist_batch": (lambda a, b: cgrad.cdist(a, b), lambda: (leaf(2, 3, 4), leaf(1, 2, 4, seed=1))),
    "cdist_mm_path": (lambda a, b: cgrad.cdist(a, b), lambda: (leaf(27, 3), leaf(4, 3, seed=1))),
    "cdist_mm_path_batch": (lambda a, b: cgrad.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                            lambda: (leaf(2, 3, 3), leaf(4, 3, seed=1))),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_backward_matches_finite_differences(name):
    fn, make = CHECKS[name]
    assert gradcheck(fn, make())


def second_order(fn, inputs):
    """gradcheck of the first derivative, summed against fixed weights."""
    def first(*xs):
        total = (fn(*xs) * 1.5).sum()
        return tuple(cgrad.autograd.grad(total, list(xs), create_graph=True))
    return gradcheck(first, inputs)


SECOND = ["take", "masked_select", "diff_prepend_append", "kron", "tensordot", "inner", "cdist",
          "cdist_p3", "cdist_mm_path"]


@pytest.mark.parametrize("name", SECOND)
def test_second_derivatives_match_finite_differences(name):
    fn, make = CHECKS[name]
    assert second_order(fn, make())
