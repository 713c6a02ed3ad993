"""Float64 finite-difference checks of every reduction, product and loss backward formula,
and second derivatives (backward with create_graph=True, then backward again) against
PyTorch."""
import numpy as np
import pytest

import cgrad
from cgrad.autograd import gradcheck
from grad_inputs import leaf, positive

torch = pytest.importorskip("torch")

# torch warns that backward(create_graph=True) ties parameters to their grads; we reset
# .grad after use, as it advises.
pytestmark = pytest.mark.filterwarnings("ignore:Using backward.*create_graph=True:UserWarning")

F = cgrad.nn.functional


def probability(*shape, seed=0):
    return leaf(*shape, low=0.1, high=0.9, seed=seed)


def from_values(values):
    return cgrad.tensor(np.array(values, np.float64), requires_grad=True)


def index(*values):
    return cgrad.tensor(values, dtype=cgrad.int64)


def weight(*values):
    return cgrad.tensor(np.array(values, np.float64))


def _written_through_view(c, a, b):
    y = c * 1
    y[1:].addmm_(a, b)  # CopySlices on y
    return y


# name -> (function, inputs factory)
FIRST_ORDER = {
    # ---- reductions (no ties: finite differences need a smooth point) ----
    "prod": (lambda a: a.prod(), lambda: (leaf(2, 3),)),
    "prod_dim": (lambda a: a.prod(1, keepdim=True), lambda: (leaf(3, 4),)),
    "prod_one_zero": (lambda a: a.prod(), lambda: (from_values([1.5, 0.0, -2.0, 0.5]),)),
    "prod_two_zeros": (lambda a: a.prod(0), lambda: (from_values([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0]]),)),
    "amax": (lambda a: a.amax(1), lambda: (leaf(3, 4),)),
    "amin_tuple": (lambda a: a.amin((0, 2)), lambda: (leaf(2, 3, 2),)),
    "max": (lambda a: a.max(), lambda: (leaf(3, 4),)),
    "min": (lambda a: a.min(), lambda: (leaf(5),)),
    "max_dim": (lambda a: a.max(1), lambda: (leaf(3, 4),)),
    "min_dim_keepdim": (lambda a: a.min(0, keepdim=True), lambda: (leaf(3, 4),)),
    "var": (lambda a: a.var(), lambda: (leaf(3, 4),)),
    "var_dim": (lambda a: a.var(1, correction=0), lambda: (leaf(3, 4),)),
    "var_dims_keepdim": (lambda a: a.var((0, 2), keepdim=True), lambda: (leaf(2, 3, 2),)),
    "std": (lambda a: a.std(), lambda: (leaf(3, 4),)),
    "std_dim": (lambda a: a.std(0, correction=2), lambda: (leaf(4, 3),)),
    "nansum": (lambda a: a.nansum(), lambda: (leaf(3, 4),)),
    "nansum_dims_keepdim": (lambda a: cgrad.nansum(a, (0, -1), keepdim=True),
                            lambda: (leaf(2, 3, 2),)),
    "nansum_with_nan": (lambda a: a.nansum(1),
                        lambda: (from_values([[1.5, float("nan")], [2.0, -1.0]]),)),
    "nanmean_dim": (lambda a: cgrad.nanmean(a, 1),
                    lambda: (from_values([[1.5, float("nan"), 0.5], [2.0, -1.0, 3.0]]),)),
    "logsumexp": (lambda a: a.logsumexp(1), lambda: (leaf(3, 4),)),
    "logsumexp_dims": (lambda a: a.logsumexp((0, 1), keepdim=True), lambda: (leaf(3, 4),)),
    "cumsum": (lambda a: a.cumsum(1), lambda: (leaf(3, 4),)),
    "cumsum_dim0": (lambda a: a.cumsum(0), lambda: (leaf(4, 2),)),
    "cumprod": (lambda a: a.cumprod(1), lambda: (leaf(3, 4),)),
    "cumprod_zeros": (lambda a: a.cumprod(1),
                      lambda: (from_values([[1.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 2.0]]),)),
    # ---- products ----
    "mm": (cgrad.mm, lambda: (leaf(2, 3), leaf(3, 4, seed=1))),
    "mm_transposed": (lambda a, b: a.t() @ b.t(), lambda: (leaf(3, 2), leaf(4, 3, seed=1))),
    "bmm": (cgrad.bmm, lambda: (leaf(2, 2, 3), leaf(2, 3, 2, seed=1))),
    "mv": (cgrad.mv, lambda: (leaf(2, 3), leaf(3, seed=1))),
    "dot": (cgrad.dot, lambda: (leaf(4), leaf(4, seed=1))),
    "outer": (cgrad.outer, lambda: (leaf(3), leaf(2, seed=1))),
    "matmul_1d_2d": (cgrad.matmul, lambda: (leaf(3), leaf(3, 2, seed=1))),
    "matmul_3d_2d": (cgrad.matmul, lambda: (leaf(2, 2, 3), leaf(3, 2, seed=1))),
    "matmul_2d_3d": (cgrad.matmul, lambda: (leaf(2, 3), leaf(2, 3, 2, seed=1))),
    "matmul_3d_1d": (cgrad.matmul, lambda: (leaf(2, 2, 3), leaf(3, seed=1))),
    "matmul_broadcast": (cgrad.matmul, lambda: (leaf(2, 1, 2, 3), leaf(3, 3, 2, seed=1))),
    "addmm": (lambda c, a, b: cgrad.addmm(c, a, b, beta=0.5, alpha=-2),
              lambda: (leaf(2), leaf(3, 2, seed=1), leaf(2, 2, seed=2))),
    "addmv": (lambda c, a, v: cgrad.addmv(c, a, v, beta=0.5, alpha=-2),
              lambda: (leaf(1), leaf(3, 2, seed=1), leaf(2, seed=2))),
    "addr": (lambda c, a, b: cgrad.addr(c, a, b, beta=2, alpha=0.5),
             lambda: (leaf(2), leaf(3, seed=1), leaf(2, seed=2))),
    "baddbmm": (lambda c, a, b: cgrad.baddbmm(c, a, b, beta=0.5, alpha=-2),
                lambda: (leaf(2, 1), leaf(2, 2, 3, seed=1), leaf(2, 3, 2, seed=2))),
    "addbmm": (lambda c, a, b: cgrad.addbmm(c, a, b, beta=-1, alpha=0.5),
               lambda: (leaf(2), leaf(3, 2, 3, seed=1), leaf(3, 3, 2, seed=2))),
    # the in-place forms write into a non-leaf copy of self (Note [Adding a product in place])
    "addmm_": (lambda c, a, b: (c * 1).addmm_(a, b, beta=0.5, alpha=-2),
               lambda: (leaf(3, 2), leaf(3, 2, seed=1), leaf(2, 2, seed=2))),
    "addmv_": (lambda c, a, v: (c * 1).addmv_(a, v, beta=0.5, alpha=-2),
               lambda: (leaf(3), leaf(3, 2, seed=1), leaf(2, seed=2))),
    "addr_": (lambda c, a, b: (c * 1).addr_(a, b, beta=2, alpha=0.5),
              lambda: (leaf(3, 2), leaf(3, seed=1), leaf(2, seed=2))),
    "baddbmm_": (lambda c, a, b: (c * 1).baddbmm_(a, b, beta=0.5, alpha=-2),
                 lambda: (leaf(2, 2, 2), leaf(2, 2, 3, seed=1), leaf(2, 3, 2, seed=2))),
    "addbmm_": (lambda c, a, b: (c * 1).addbmm_(a, b, beta=-1, alpha=0.5),
                lambda: (leaf(3, 2), leaf(3, 3, 2, seed=1), leaf(3, 2, 2, seed=2))),
    "addmm_through_view": (lambda c, a, b: _written_through_view(c, a, b),
                           lambda: (leaf(3, 2), leaf(2, 2, seed=1), leaf(2, 2, seed=2))),
    "linear": (F.linear, lambda: (leaf(3, 2), leaf(4, 2, seed=1), leaf(4, seed=2))),
    "linear_3d_no_bias": (F.linear, lambda: (leaf(2, 2, 3), leaf(2, 3, seed=1))),
    "einsum_attention": (lambda a, b: cgrad.einsum("bqd,bkd->bqk", a, b),
                         lambda: (leaf(2, 2, 3), leaf(2, 3, 3, seed=1))),
    "einsum_trace": (lambda a: cgrad.einsum("ii", a), lambda: (leaf(3, 3),)),
    "einsum_three": (lambda a, b, c: cgrad.einsum("ij,jk,k->i", a, b, c),
                     lambda: (leaf(2, 3), leaf(3, 2, seed=1), leaf(2, seed=2))),
    # ---- losses ----
    "mse": (F.mse_loss, lambda: (leaf(3, 4), leaf(3, 4, seed=1))),
    "mse_sum_broadcast": (lambda x, t: F.mse_loss(x, t.expand(3, 4), reduction="sum"),
                          lambda: (leaf(3, 4), leaf(4, seed=1))),
    "l1": (F.l1_loss, lambda: (leaf(3, 4), leaf(3, 4, seed=1))),
    "nll": (lambda x: F.nll_loss(x, index(0, 3, 1)), lambda: (leaf(3, 4),)),
    "nll_weight_ignore": (lambda x: F.nll_loss(x, index(0, -100, 2), weight(0.5, 2, 1, 3)),
                          lambda: (leaf(3, 4),)),
    "nll_spatial_none": (lambda x: F.nll_loss(x, index([0, 2], [1, 1]), reduction="none"),
                         lambda: (leaf(2, 3, 2),)),
    "cross_entropy": (lambda x: F.cross_entropy(x, index(0, 3, 1)), lambda: (leaf(3, 4),)),
    "cross_entropy_smooth_weight": (
        lambda x: F.cross_entropy(x, index(0, 3, -100), weight(0.5, 2, 1, 3), label_smoothing=0.2),
        lambda: (leaf(3, 4),)),
    "cross_entropy_probs": (F.cross_entropy, lambda: (leaf(3, 4), probability(3, 4, seed=1))),
    "bce": (F.binary_cross_entropy, lambda: (probability(3, 4), probability(3, 4, seed=1))),
    "bce_weight_none": (lambda x, t: F.binary_cross_entropy(x, t, weight(1, 2, 0.5), reduction="none"),
                        lambda: (probability(2, 3), probability(2, 3, seed=1))),
    "bce_logits": (F.binary_cross_entropy_with_logits, lambda: (leaf(3, 4), probability(3, 4, seed=1))),
    "bce_logits_pos_weight": (
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight(2, 1, 1, 0.5),
                                                        pos_weight=weight(1, 3, 0.5, 2)),
        lambda: (leaf(3, 4), probability(3, 4, seed=1))),
}


@pytest.mark.parametrize("name", sorted(FIRST_ORDER))
def test_backward_matches_finite_differences(name):
    fn, make = FIRST_ORDER[name]
    assert gradcheck(fn, make())


# ---- second derivatives against torch ----

def second_derivatives(lib, fn, arrays):
    """Hessian-vector products: d/dx <d<fn, u>/dx, v>, for every float input x."""
    rng = np.random.default_rng(0)
    xs = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = fn(lib, *xs)
    u = lib.tensor(rng.standard_normal(tuple(out.shape)))
    (out * u).sum().backward(create_graph=True)
    diff = [x for x in xs if x.requires_grad]
    first = [x.grad for x in diff]
    for x in diff:
        x.grad = None
    total = sum((g * lib.tensor(rng.standard_normal(tuple(g.shape)))).sum() for g in first)
    total.backward()
    return [np.zeros(x.shape) if x.grad is None else x.grad.detach().numpy() for x in diff]


def A(*shape, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed + 11 * sum(shape) + len(shape))
    return rng.uniform(low, high, size=shape)


def Pr(*shape, seed=0):
    return A(*shape, low=0.1, high=0.9, seed=seed)


def Ix(*values):
    return np.array(values, np.int64)


def Wt(lib, *values):
    return lib.tensor(np.array(values, np.float64))


SECOND_ORDER = {
    "matmul_1d_1d": (lambda L, a, b: a @ b, A(3), A(3, seed=1)),
    "matmul_2d_1d": (lambda L, a, b: a @ b, A(2, 3), A(3, seed=1)),
    "matmul_1d_2d": (lambda L, a, b: a @ b, A(3), A(3, 2, seed=1)),
    "matmul_2d_2d": (lambda L, a, b: a @ b, A(2, 3), A(3, 2, seed=1)),
    "matmul_3d_3d": (lambda L, a, b: a @ b, A(2, 2, 3), A(2, 3, 2, seed=1)),
    "matmul_3d_2d": (lambda L, a, b: a @ b, A(2, 2, 3), A(3, 2, seed=1)),
    "matmul_broadcast": (lambda L, a, b: a @ b, A(2, 1, 2, 3), A(3, 3, 2, seed=1)),
    "matmul_squared": (lambda L, a: (a @ a).tanh(), A(3, 3)),
    "addmm": (lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2) ** 2, A(2), A(3, 2, seed=1),
              A(2, 2, seed=2)),
    "addmv": (lambda L, c, a, v: L.addmv(c, a, v, beta=0.5, alpha=2) ** 2, A(2), A(2, 3, seed=1),
              A(3, seed=2)),
    "addr": (lambda L, c, a, b: L.addr(c, a, b, beta=0.5, alpha=2) ** 2, A(2, 3), A(2, seed=1),
             A(3, seed=2)),
    "baddbmm": (lambda L, c, a, b: L.baddbmm(c, a, b, beta=0.5, alpha=2) ** 2, A(2), A(2, 2, 3, seed=1),
                A(2, 3, 2, seed=2)),
    "addbmm": (lambda L, c, a, b: L.addbmm(c, a, b, beta=0.5, alpha=2) ** 2, A(2), A(2, 2, 3, seed=1),
               A(2, 3, 2, seed=2)),
    "linear": (lambda L, x, w, b: L.nn.functional.linear(x, w, b).sin(), A(3, 2), A(4, 2, seed=1),
               A(4, seed=2)),
    "einsum": (lambda L, a, b: L.einsum("bij,bjk->bik", a, b) ** 2, A(2, 2, 3), A(2, 3, 2, seed=1)),
    "var": (lambda L, a: a.var(), A(3, 4)),
    "var_dim": (lambda L, a: a.var(1, correction=0), A(3, 4)),
    "std": (lambda L, a: a.std(), A(3, 4)),
    "std_dim_keepdim": (lambda L, a: a.std(0, keepdim=True), A(3, 4)),
    "logsumexp": (lambda L, a: a.logsumexp(1), A(3, 4)),
    "logsumexp_all": (lambda L, a: a.logsumexp((0, 1)), A(3, 4)),
    "prod": (lambda L, a: a.prod(1), A(3, 4)),
    "cumprod": (lambda L, a: a.cumprod(1), A(3, 4)),
    "max_dim": (lambda L, a: a.max(1)[0] ** 2, A(3, 4)),
    "mse": (lambda L, x, t: L.nn.functional.mse_loss(x, t), A(3, 4), A(3, 4, seed=1)),
    "l1": (lambda L, x, t: L.nn.functional.l1_loss(x, t) ** 2, A(3, 4), A(3, 4, seed=1)),
    "nll": (lambda L, x, t: L.nn.functional.nll_loss(x.tanh(), t), A(3, 4), Ix(0, 3, 1)),
    "cross_entropy": (lambda L, x, t: L.nn.functional.cross_entropy(x, t), A(3, 4), Ix(0, 3, 1)),
    "cross_entropy_none": (lambda L, x, t: L.nn.functional.cross_entropy(x, t, reduction="none"),
                           A(3, 4), Ix(0, 3, 1)),
    "cross_entropy_smooth": (lambda L, x, t: L.nn.functional.cross_entropy(
        x, t, Wt(L, 0.5, 2, 1, 3), label_smoothing=0.1), A(3, 4), Ix(0, -100, 2)),
    "cross_entropy_probs": (lambda L, x, t: L.nn.functional.cross_entropy(x, t), A(3, 4),
                            Pr(3, 4, seed=1)),
    "bce": (lambda L, x, t: L.nn.functional.binary_cross_entropy(x, t), Pr(3, 4), Pr(3, 4, seed=1)),
    "bce_weight_sum": (lambda L, x, t: L.nn.functional.binary_cross_entropy(
        x, t, Wt(L, 1, 2, 0.5, 3), reduction="sum"), Pr(3, 4), Pr(3, 4, seed=1)),
    "bce_logits": (lambda L, x, t: L.nn.functional.binary_cross_entropy_with_logits(x, t), A(3, 4),
                   Pr(3, 4, seed=1)),
    "bce_logits_pos_weight": (lambda L, x, t: L.nn.functional.binary_cross_entropy_with_logits(
        x, t, pos_weight=Wt(L, 1, 3, 0.5, 2), reduction="none"), A(3, 4), Pr(3, 4, seed=1)),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives_match_torch(name):
    fn, *arrays = SECOND_ORDER[name]
    want = second_derivatives(torch, fn, arrays)
    got = second_derivatives(cgrad, fn, arrays)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11, err_msg=f"input {k}")
