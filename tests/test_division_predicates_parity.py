"""true_divide (function, method, in-place, out=) and the predicates isposinf, isneginf
and isreal against torch: values, dtypes, grad_fn names and errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, I, INF, R, T, arr, case, check  # noqa: E402

NAN = float("nan")


def inplace_true_divide(L, a, b):
    out = a * 1
    out.true_divide_(b)
    return out


CASES = [
    case("true_divide", lambda L, a, b: L.true_divide(a, b), R(3, 4), R(4, low=0.5)),
    case("true_divide_number", lambda L, a: L.true_divide(a, 2.5), R(3)),
    case("true_divide_method", lambda L, a, b: a.true_divide(b), R(2, 3), R(2, 1, low=0.5)),
    case("true_divide_inplace", inplace_true_divide, R(2, 3), R(3, low=0.5)),
    case("true_divide_int", lambda L, a, b: L.true_divide(a, b), I(5), I(5, low=1)),
    case("true_divide_int_number", lambda L, a: L.true_divide(a, 2), I(4)),
    case("true_divide_float64", lambda L, a, b: L.true_divide(a, b),
         R(3, dtype=np.float64), R(3, low=0.5)),
    case("isposinf", lambda L, a: L.isposinf(a), arr(1.0, INF, -INF, NAN, -0.0)),
    case("isposinf_method", lambda L, a: a.isposinf(), T(R(3, 4))),
    case("isposinf_float64", lambda L, a: L.isposinf(a), arr(INF, -INF, 1e308, dtype=np.float64)),
    case("isposinf_int", lambda L, a: L.isposinf(a), I(4)),
    case("isposinf_bool", lambda L, a: L.isposinf(a), B(3)),
    case("isneginf", lambda L, a: L.isneginf(a), arr(1.0, INF, -INF, NAN, -0.0)),
    case("isneginf_method", lambda L, a: a.isneginf(), R(2, 2)),
    case("isneginf_int32", lambda L, a: L.isneginf(a), I(4, dtype=np.int32)),
    case("isneginf_requires_grad", lambda L, a: L.isneginf(a), R(4)),
    case("isreal", lambda L, a: L.isreal(a), arr(1.0, INF, NAN)),
    case("isreal_method", lambda L, a: a.isreal(), T(R(3, 2))),
    case("isreal_int", lambda L, a: L.isreal(a), I(4)),
    case("isreal_bool_0d", lambda L, a: L.isreal(a[0]), B(3)),
    case("isreal_requires_grad", lambda L, a: L.isreal(a), R(2, 3)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("name", ["true_divide", "isposinf", "isneginf"])
def test_out_matches_torch(name):
    got = []
    for L in (torch, cgrad):
        x = L.tensor([1.0, float("inf"), -float("inf"), 4.0])
        args = (x, 2.0) if name == "true_divide" else (x,)
        out = L.empty(0, dtype=L.float32 if name == "true_divide" else L.bool)
        assert getattr(L, name)(*args, out=out) is out
        got.append((out.tolist(), str(out.dtype).split(".")[-1]))
    assert got[0] == got[1]


def test_true_divide_records_torchs_nodes():
    for L in (torch, cgrad):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y.true_divide_(3)
        names = [type(t.grad_fn).__name__ for t in
                 (L.true_divide(x, 2), x.true_divide(x), y)]
        assert names == ["DivBackward0", "DivBackward0", "DivBackward0"], L.__name__


ERRORS = [
    error_case("isposinf_out_float", lambda L: L.isposinf(L.tensor([1.0]), out=L.empty(1))),
    error_case("isneginf_out_long",
               lambda L: L.isneginf(L.tensor([1.0]), out=L.empty(1, dtype=L.int64))),
    error_case("true_divide_rounding_mode",
               lambda L: L.true_divide(L.tensor([1.0]), 2, rounding_mode="floor"), match=None),
    error_case("true_divide_inplace_int",
               lambda L: L.tensor([1, 2]).true_divide_(2)),
    error_case("true_divide_shapes", lambda L: L.true_divide(L.ones(2), L.ones(3))),
    error_case("isposinf_number", lambda L: L.isposinf(1.0), match=None),
    error_case("isreal_number", lambda L: L.isreal(1.0), match=None),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error_matches_torch(fn, match):
    check_error(fn, match)
