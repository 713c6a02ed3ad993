"""The in-place products (addmm_, addmv_, addr_, baddbmm_, addbmm_) against PyTorch, one
line per case: values, dtypes, the node self takes, gradients, and the errors torch raises."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import I, R, case, check  # noqa: E402

F64 = np.float64


def view_written(name, **kwargs):
    """Writes rows 1: of a non-leaf copy of c through a view (CopySlices on the base)."""
    def fn(L, c, a, b):
        y = c * 1
        getattr(y[1:], name)(a, b, **kwargs)
        return y
    return fn


CASES = [
    case("addmm_", lambda L, c, a, b: (c * 1).addmm_(a, b), R(2, 4), R(2, 3), R(3, 4)),
    case("addmm_beta_alpha", lambda L, c, a, b: (c * 1).addmm_(a, b, beta=0.5, alpha=-2),
         R(2, 4), R(2, 3), R(3, 4)),
    case("addmm_beta0_nan", lambda L, c, a, b: (c * 1).addmm_(a, b, beta=0),
         np.full((2, 4), np.nan, np.float32), R(2, 3), R(3, 4)),
    case("addmm_f64", lambda L, c, a, b: (c * 1).addmm_(a, b), R(2, 4, dtype=F64),
         R(2, 3, dtype=F64), R(3, 4, dtype=F64)),
    case("addmm_int", lambda L, c, a, b: c.clone().addmm_(a, b, beta=2, alpha=3), I(2, 4),
         I(2, 3), I(3, 4)),
    case("addmm_transposed", lambda L, c, a, b: (c * 1).addmm_(a.t(), b.t()), R(2, 4), R(3, 2),
         R(4, 3)),
    case("addmm_view", view_written("addmm_", alpha=2), R(3, 4), R(2, 3), R(3, 4)),
    case("addmm_self_as_factor", lambda L, c: (c * 1).addmm_(c, c), R(3, 3)),
    case("addmm_unrecorded_self", lambda L, c, a, b: c.detach().clone().addmm_(a, b), R(2, 4),
         R(2, 3), R(3, 4)),
    case("addmv_", lambda L, c, a, v: (c * 1).addmv_(a, v, beta=2, alpha=0.5), R(3), R(3, 2),
         R(2)),
    case("addmv_view", view_written("addmv_"), R(4), R(3, 2), R(2)),
    case("addr_", lambda L, c, a, b: (c * 1).addr_(a, b, beta=-1, alpha=2), R(3, 2), R(3), R(2)),
    # (torch's backward raises for factors of another dtype: tests/fuzz/quirks.py)
    case("addr_promotes_into_self", lambda L, c, a, b: (c * 1).addr_(a, b), R(3, 2),
         R(3, dtype=F64), R(2, dtype=F64), grad=False),
    case("addr_int", lambda L, c, a, b: c.clone().addr_(a, b, beta=2), I(3, 2), I(3), I(2)),
    case("baddbmm_", lambda L, c, a, b: (c * 1).baddbmm_(a, b, beta=0.5, alpha=-1), R(2, 3, 4),
         R(2, 3, 2), R(2, 2, 4)),
    case("addbmm_", lambda L, c, a, b: (c * 1).addbmm_(a, b, beta=-1, alpha=0.5), R(3, 4),
         R(2, 3, 2), R(2, 2, 4)),
    case("addbmm_view", view_written("addbmm_"), R(4, 4), R(2, 3, 2), R(2, 2, 4)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("lib", [torch, cgrad])
def test_returns_self_and_bumps_the_version(lib):
    x, a, b = lib.zeros(2, 4), lib.ones(2, 3), lib.ones(3, 4)
    assert x.addmm_(a, b) is x
    assert x._version == 1
    assert x.tolist() == [[3.0] * 4] * 2


def test_saved_self_sees_the_write():
    # a node that saved self before the write refuses to run backward, as in torch
    for lib in (torch, cgrad):
        x = lib.ones(2, 2, requires_grad=True) * 1
        y = x * x
        x.addmm_(lib.ones(2, 2), lib.ones(2, 2))
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


ERRORS = [
    error_case("addmm_leaf", lambda L: L.ones(2, 4, requires_grad=True).addmm_(L.ones(2, 3),
                                                                              L.ones(3, 4))),
    error_case("addmm_view_of_leaf", lambda L: L.ones(3, 4, requires_grad=True)[1:].addmm_(
        L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_self_broadcasts", lambda L: L.ones(4).addmm_(L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_self_row", lambda L: L.ones(1, 4).addmm_(L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_shapes_first", lambda L: L.ones(4).addmm_(L.ones(2, 3), L.ones(4, 4))),
    error_case("addmm_self_dtype", lambda L: L.ones(2, 4, dtype=L.float64).addmm_(
        L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_int_self_float_factors", lambda L: L.ones(2, 4, dtype=L.int64).addmm_(
        L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_expanded_self", lambda L: L.ones(1, 4).expand(2, 4).addmm_(
        L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_beta_str", lambda L: L.ones(2, 4).addmm_(L.ones(2, 3), L.ones(3, 4),
                                                              beta="a")),
    error_case("addmm_number_factor", lambda L: L.ones(2, 4).addmm_(L.ones(2, 3), 3)),
    error_case("addmv_self_broadcasts", lambda L: L.ones(1).addmv_(L.ones(4, 3), L.ones(3))),
    error_case("addmv_self_matrix", lambda L: L.ones(4, 3).addmv_(L.ones(4, 3), L.ones(3))),
    error_case("addmv_self_size", lambda L: L.ones(5).addmv_(L.ones(4, 3), L.ones(3))),
    error_case("addr_self_1d", lambda L: L.ones(3).addr_(L.ones(4), L.ones(3))),
    error_case("addr_self_3d", lambda L: L.ones(2, 4, 3).addr_(L.ones(4), L.ones(3))),
    error_case("addr_vector_rank_first", lambda L: L.ones(3).addr_(L.ones(4, 2), L.ones(3))),
    error_case("addr_self_row", lambda L: L.ones(1, 3).addr_(L.ones(4), L.ones(3))),
    error_case("addr_int_self_float_factors", lambda L: L.ones(4, 3, dtype=L.int64).addr_(
        L.ones(4), L.ones(3))),
    error_case("addr_int_float_beta", lambda L: L.ones(4, 3, dtype=L.int64).addr_(
        L.ones(4, dtype=L.int64), L.ones(3, dtype=L.int64), beta=0.5)),
    error_case("baddbmm_self_broadcasts", lambda L: L.ones(4, 5).baddbmm_(
        L.ones(2, 4, 3), L.ones(2, 3, 5))),
    error_case("baddbmm_batches", lambda L: L.ones(2, 4, 5).baddbmm_(
        L.ones(2, 4, 3), L.ones(2, 2, 5))),
    error_case("addbmm_self_shape", lambda L: L.ones(3, 5).addbmm_(
        L.ones(2, 4, 3), L.ones(2, 3, 5))),
    error_case("addbmm_self_3d", lambda L: L.ones(2, 1, 5).addbmm_(
        L.ones(2, 4, 3), L.ones(2, 3, 5))),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)


def test_addbmm_self_that_broadcasts_is_refused():
    # torch resizes such a self to the product's shape; cgrad refuses it (no resize_).
    with pytest.raises(RuntimeError, match=r"Bad in-place call: input tensor size \[5\] and "
                                           r"output tensor size \[4, 5\] should match"):
        cgrad.ones(5).addbmm_(cgrad.ones(2, 4, 3), cgrad.ones(2, 3, 5))
