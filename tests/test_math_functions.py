"""exp2, sinc, logaddexp(2), hypot, xlogy, nan_to_num, isclose/allclose/equal,
count_nonzero, std_mean/var_mean and aminmax against PyTorch, one line per case."""
import math

import numpy as np
import pytest

from parity import B, H, I, P, R, T, case, check, torch
import cgrad

NAN, INF = math.nan, math.inf
SPECIAL = np.array([0.0, 1.0, -1.0, NAN, INF, -INF, 1e-20, 3.5], np.float32)

CASES = [
    case("exp2", lambda L, a: L.exp2(a), R(3, 4)),
    case("exp2_method_f64", lambda L, a: a.exp2(), R(5, dtype=np.float64)),
    case("exp2_int", lambda L, a: L.exp2(a), I(6)),
    case("exp2_bool", lambda L, a: L.exp2(a), B(4)),
    case("sinc", lambda L, a: L.sinc(a), R(3, 4)),
    case("sinc_zero_and_special", lambda L, a: L.sinc(a), SPECIAL),
    case("sinc_int", lambda L, a: L.sinc(a), I(7)),
    case("sinc_method_strided", lambda L, a: a.sinc(), T(R(3, 4, dtype=np.float64))),
    case("logaddexp", lambda L, a, b: L.logaddexp(a, b), R(3, 4), R(3, 4)),
    case("logaddexp_broadcast", lambda L, a, b: L.logaddexp(a, b), R(3, 1), R(4, dtype=np.float64)),
    case("logaddexp_infinities", lambda L, a, b: L.logaddexp(a, b),
         np.array([INF, -INF, INF, 1.0, NAN], np.float32),
         np.array([INF, -INF, -INF, -INF, 1.0], np.float32), grad=False),
    case("logaddexp_int_float", lambda L, a, b: L.logaddexp(a, b), I(4), R(4)),
    case("logaddexp2", lambda L, a, b: a.logaddexp2(b), R(3, 4), R(3, 4)),
    case("logaddexp2_large", lambda L, a, b: L.logaddexp2(a, b), R(5, low=50, high=90), R(5, low=50, high=90)),
    case("hypot", lambda L, a, b: L.hypot(a, b), R(3, 4), R(3, 4)),
    case("hypot_broadcast_f64", lambda L, a, b: a.hypot(b), R(2, 3, dtype=np.float64), R(3, dtype=np.float64)),
    case("hypot_huge_float32", lambda L, a, b: L.hypot(a, b), np.array([3e30, 1e-30], np.float32),
         np.array([4e30, 1e-30], np.float32), grad=False),
    case("xlogy", lambda L, a, b: L.xlogy(a, b), R(3, 4), P(3, 4)),
    case("xlogy_zero_x", lambda L, a, b: L.xlogy(a, b), np.array([0.0, 0.0, 0.0, 2.0], np.float32),
         np.array([0.0, INF, NAN, 0.0], np.float32), grad=False),
    case("xlogy_scalar_self", lambda L, b: L.xlogy(2.0, b), P(4)),
    case("xlogy_scalar_other", lambda L, a: L.xlogy(a, 3), R(4)),
    case("xlogy_method_broadcast", lambda L, a, b: a.xlogy(b), R(2, 3), P(3, dtype=np.float64)),
    case("xlogy_int", lambda L, a, b: L.xlogy(a, b), I(5), I(5, low=1)),
    case("nan_to_num", lambda L, a: L.nan_to_num(a), SPECIAL),
    case("nan_to_num_values", lambda L, a: a.nan_to_num(nan=1.5, posinf=2.0, neginf=-3.0),
         SPECIAL.astype(np.float64)),
    case("nan_to_num_int", lambda L, a: L.nan_to_num(a), I(4)),
    case("isclose", lambda L, a, b: L.isclose(a, b), np.array([1.0, 1.0, NAN, INF, INF, 1e-9], np.float32),
         np.array([1.0 + 1e-6, 1.1, NAN, INF, -INF, 0.0], np.float32)),
    case("isclose_equal_nan", lambda L, a, b: a.isclose(b, equal_nan=True),
         np.array([NAN, 1.0], np.float64), np.array([NAN, 1.0], np.float64)),
    case("isclose_tolerances", lambda L, a, b: L.isclose(a, b, rtol=0.1, atol=0.5), R(3, 4), R(3, 4)),
    case("isclose_int", lambda L, a, b: L.isclose(a, b, atol=1.0), I(6), I(6)),
    case("isclose_bool", lambda L, a, b: L.isclose(a, b), B(6), B(6)),
    case("count_nonzero", lambda L, a: L.count_nonzero(a), H(3, 4)),
    case("count_nonzero_dim", lambda L, a: a.count_nonzero(1), H(3, 4)),
    case("count_nonzero_dims_bool", lambda L, a: L.count_nonzero(a, dim=(0, 1)), B(2, 3, 2)),
    case("std_mean", lambda L, a: L.std_mean(a), R(3, 4)),
    case("std_mean_dim", lambda L, a: L.std_mean(a, 1), R(3, 4)),
    case("std_mean_keepdim_correction", lambda L, a: L.std_mean(a, (0, 2), correction=0, keepdim=True),
         R(2, 3, 4, dtype=np.float64)),
    case("var_mean", lambda L, a: L.var_mean(a), R(3, 4)),
    case("var_mean_dim_unbiased", lambda L, a: L.var_mean(a, 0, False), R(3, 4)),
    case("aminmax", lambda L, a: L.aminmax(a), R(3, 4)),
    case("aminmax_ties", lambda L, a: L.aminmax(a), H(3, 4)),
    case("aminmax_dim", lambda L, a: a.aminmax(dim=1), R(3, 4)),
    case("aminmax_dim_keepdim", lambda L, a: L.aminmax(a, dim=0, keepdim=True), H(3, 4, dtype=np.float64)),
    case("aminmax_int", lambda L, a: L.aminmax(a, dim=-1), I(3, 4)),
    case("aminmax_0d", lambda L, a: L.aminmax(a, dim=0), np.array(2.5, np.float32)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_math_function_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("name,args", [
    ("exp2_", ()), ("sinc_", ()), ("nan_to_num_", ()), ("nan_to_num_", (1.0, 2.0, 3.0)),
])
def test_inplace_functions_match_torch(name, args):
    data = SPECIAL.astype(np.float64)
    t, c = torch.tensor(data), cgrad.tensor(data)
    assert getattr(torch, name)(t, *args) is t
    assert getattr(cgrad, name)(c, *args) is c
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name,other", [("hypot_", R(3)), ("xlogy_", P(3)), ("xlogy_", 2.0)])
def test_binary_inplace_methods_match_torch(name, other):
    data = R(3)
    t, c = torch.tensor(data), cgrad.tensor(data)
    to = torch.tensor(other) if isinstance(other, np.ndarray) else other
    co = cgrad.tensor(other) if isinstance(other, np.ndarray) else other
    assert getattr(t, name)(to) is t
    assert getattr(c, name)(co) is c
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6)
    # In place on a non-leaf records the out-of-place node, as torch.
    x = cgrad.tensor(data, requires_grad=True) * 1
    tx = torch.tensor(data, requires_grad=True) * 1
    getattr(x, name)(co)
    getattr(tx, name)(to)
    assert x.grad_fn.name() == tx.grad_fn.name()


def test_xlogy_function_inplace():
    data = P(4)
    t, c = torch.tensor(data), cgrad.tensor(data)
    torch.xlogy_(t, 3.0)
    cgrad.xlogy_(c, 3.0)
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("a,b", [
    (R(3, 4), R(3, 4)), (R(3), R(3)), (R(3), R(2)), (I(3), I(3)), (R(3, 4), R(4, 3)),
])
def test_allclose_and_equal_match_torch(a, b):
    for x, y in ((a, b), (a, a.copy())):
        tx, ty, cx, cy = torch.tensor(x), torch.tensor(y), cgrad.tensor(x), cgrad.tensor(y)
        assert cgrad.equal(cx, cy) == torch.equal(tx, ty)
        assert cx.equal(cy) == tx.equal(ty)
        if x.shape == y.shape:
            assert cgrad.allclose(cx, cy) == torch.allclose(tx, ty)
            assert cx.allclose(cy, rtol=1.0, atol=1.0) == tx.allclose(ty, rtol=1.0, atol=1.0)


def test_equal_promotes_and_nan_is_unequal():
    assert cgrad.equal(cgrad.tensor([1.0, 2.0]), cgrad.tensor([1, 2])) == torch.equal(
        torch.tensor([1.0, 2.0]), torch.tensor([1, 2]))
    assert cgrad.equal(cgrad.tensor([NAN]), cgrad.tensor([NAN])) == torch.equal(
        torch.tensor([NAN]), torch.tensor([NAN]))


def test_aminmax_result_type_prints_as_torch():
    r = cgrad.aminmax(cgrad.tensor([[1.0, 3.0]]), dim=1)
    t = torch.aminmax(torch.tensor([[1.0, 3.0]]), dim=1)
    assert repr(r).replace("cgrad", "torch") == repr(t)
    assert r.min.tolist() == t.min.tolist() and r.max.tolist() == t.max.tolist()


@pytest.mark.parametrize("fn", [
    lambda L: L.logaddexp(L.tensor([1, 2]), L.tensor([1, 2])),
    lambda L: L.hypot(L.tensor([3]), L.tensor([4])),
    lambda L: L.hypot(L.tensor([3.0]), 4),
    lambda L: L.isclose(L.tensor([1.0]), L.tensor([1.0], dtype=L.float64)),
    lambda L: L.isclose(L.tensor([1.0]), L.tensor([1.0]), rtol=-1),
    lambda L: L.isclose(L.tensor([1.0]), L.tensor([1.0]), atol=-2.5),
    lambda L: L.allclose(L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0, 3.0])),
    lambda L: L.std_mean(L.tensor([1, 2])),
    lambda L: L.var_mean(L.tensor([1, 2])),
    lambda L: L.aminmax(L.zeros(0)),
    lambda L: L.aminmax(L.zeros(2, 0), dim=1),
])
def test_errors_match_torch(fn):
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(Exception) as c_err:
        fn(cgrad)
    assert type(c_err.value) is type(t_err.value)
    assert str(c_err.value) == str(t_err.value)
