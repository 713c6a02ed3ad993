"""Float64 finite-difference checks (first and second order) of cgrad.linalg's backward
formulas: inverse, solve, det/slogdet/logdet, cholesky, qr, eigh, svd, matrix_power,
cross and the matrix norms. Eigen- and singular vectors enter through quantities that do
not depend on their signs; symmetric-input functions see a symmetrised input, as in
torch's own checks."""
import numpy as np
import pytest

import cgrad
from cgrad.autograd import gradcheck, gradgradcheck

LA = cgrad.linalg


def leaf(*shape, seed=0, diagonal=0.0):
    rng = np.random.default_rng(seed + 11 * sum(shape) + len(shape))
    values = rng.uniform(-1.0, 1.0, size=shape)
    if diagonal:
        values = values + diagonal * np.eye(shape[-1])
    return cgrad.tensor(values, dtype=cgrad.float64, requires_grad=True)


def well_conditioned(*shape, seed=0):
    return leaf(*shape, seed=seed, diagonal=shape[-1])


def rank_deficient(n, rank, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1, 1, (n, rank)) @ rng.uniform(-1, 1, (rank, n))
    return cgrad.tensor(values, requires_grad=True)


def sym(a):
    return a + a.mT


def spd(a):
    return a @ a.mT + a.shape[-1] * cgrad.eye(a.shape[-1], dtype=a.dtype)


# name -> (function, inputs factory); each is checked to first and second order.
CASES = {
    "inv": (lambda a: LA.inv(a), lambda: (well_conditioned(3, 3),)),
    "inv_batch": (lambda a: LA.inv(a), lambda: (well_conditioned(2, 3, 3),)),
    "inverse": (lambda a: cgrad.inverse(a), lambda: (well_conditioned(2, 2),)),
    "solve": (lambda a, b: LA.solve(a, b), lambda: (well_conditioned(3, 3), leaf(3, 2))),
    "solve_vector": (lambda a, b: LA.solve(a, b), lambda: (well_conditioned(3, 3), leaf(3))),
    "solve_broadcast": (lambda a, b: LA.solve(a, b), lambda: (well_conditioned(3, 3), leaf(2, 3, 2))),
    "solve_left_false": (lambda a, b: LA.solve(a, b, left=False),
                         lambda: (well_conditioned(2, 3, 3), leaf(2, 4, 3))),
    "det": (lambda a: LA.det(a), lambda: (leaf(3, 3),)),
    "det_batch": (lambda a: LA.det(a), lambda: (leaf(2, 4, 4),)),
    "det_singular": (lambda a: LA.det(a), lambda: (rank_deficient(3, 2),)),
    "det_method": (lambda a: a.det(), lambda: (leaf(2, 2),)),
    "slogdet": (lambda a: LA.slogdet(a)[1], lambda: (leaf(3, 3, seed=1),)),
    "slogdet_fn": (lambda a: cgrad.slogdet(a)[1], lambda: (well_conditioned(2, 3, 3),)),
    "logdet": (lambda a: cgrad.logdet(spd(a)), lambda: (leaf(3, 3),)),
    "cholesky": (lambda a: LA.cholesky(spd(a)), lambda: (leaf(3, 3),)),
    "cholesky_upper_batch": (lambda a: LA.cholesky(spd(a), upper=True), lambda: (leaf(2, 3, 3),)),
    "qr_square": (lambda a: LA.qr(a), lambda: (leaf(3, 3),)),
    "qr_tall": (lambda a: LA.qr(a), lambda: (leaf(4, 2),)),
    "qr_wide": (lambda a: LA.qr(a), lambda: (leaf(2, 4),)),
    "qr_wide_only_r": (lambda a: LA.qr(a)[1], lambda: (leaf(2, 3, 4),)),
    "qr_complete_wide": (lambda a: LA.qr(a, mode="complete"), lambda: (leaf(2, 3),)),
    "eigvalsh": (lambda a: LA.eigvalsh(sym(a)), lambda: (leaf(3, 3),)),
    "eigh_values": (lambda a: LA.eigh(sym(a))[0], lambda: (leaf(2, 3, 3),)),
    "eigh_vectors": (lambda a: LA.eigh(sym(a))[1].abs(), lambda: (leaf(3, 3),)),
    "eigh_upper": (lambda a: LA.eigh(sym(a), UPLO="U")[1].abs(), lambda: (leaf(4, 4),)),
    "svdvals": (lambda a: LA.svdvals(a), lambda: (leaf(3, 4),)),
    "svd_square": (lambda a: [x.abs() for x in LA.svd(a)], lambda: (leaf(3, 3),)),
    "svd_tall": (lambda a: [x.abs() for x in LA.svd(a, full_matrices=False)], lambda: (leaf(4, 2),)),
    "svd_wide": (lambda a: [x.abs() for x in LA.svd(a, full_matrices=False)], lambda: (leaf(2, 4),)),
    "svd_full_tall": (lambda a: (lambda u, s, vh: [u[..., :2].abs(), s, vh.abs()])(*LA.svd(a)),
                      lambda: (leaf(4, 2),)),
    "matrix_power": (lambda a: LA.matrix_power(a, 3), lambda: (leaf(3, 3),)),
    "matrix_power_negative": (lambda a: cgrad.matrix_power(a, -2), lambda: (well_conditioned(3, 3),)),
    "cross": (lambda a, b: LA.cross(a, b), lambda: (leaf(2, 3), leaf(2, 3, seed=1))),
    "matrix_norm_1": (lambda a: LA.matrix_norm(a, 1), lambda: (leaf(3, 4),)),
    "matrix_norm_inf": (lambda a: LA.matrix_norm(a, float("inf")), lambda: (leaf(3, 4),)),
    "matrix_norm_2": (lambda a: LA.matrix_norm(a, 2), lambda: (leaf(3, 4),)),
    "matrix_norm_neg2": (lambda a: LA.matrix_norm(a, -2), lambda: (leaf(3, 4),)),
    "matrix_norm_nuc": (lambda a: LA.matrix_norm(a, "nuc"), lambda: (leaf(2, 3, 4),)),
    "vector_norm": (lambda a: LA.vector_norm(a, 3, dim=1), lambda: (leaf(3, 4),)),
    "norm": (lambda a: LA.norm(a), lambda: (leaf(3, 4),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_finite_differences(name):
    fn, make = CASES[name]
    assert gradcheck(fn, make())


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_finite_differences(name):
    fn, make = CASES[name]
    assert gradgradcheck(fn, make())
