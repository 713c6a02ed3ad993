"""float_power (function, method, in-place, out=) against torch: pow in float64, with
torch's node names (ToCopyBackward0 for a cast operand) and errors (Note [float_power])."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import I, P, R, case, check  # noqa: E402


def inplace_float_power(L, a, b):
    out = a.double() * 1
    out.float_power_(b)
    return out


CASES = [
    case("float_power", lambda L, a, b: L.float_power(a, b), P(3, 4), R(4)),
    case("float_power_number", lambda L, a: L.float_power(a, 2), R(3)),
    case("float_power_float_number", lambda L, a: L.float_power(a, 0.5), P(2, 3)),
    case("float_power_number_base", lambda L, a: L.float_power(2, a), R(3)),
    case("float_power_method", lambda L, a, b: a.float_power(b), P(2, 3), R(2, 1)),
    case("float_power_float64", lambda L, a: L.float_power(a, 3), R(4, dtype=np.float64)),
    case("float_power_int", lambda L, a: L.float_power(a, 2), I(5)),
    case("float_power_int_exponent", lambda L, a, b: L.float_power(a, b), P(4), I(4)),
    case("float_power_inplace", inplace_float_power, P(2, 3), R(3)),
    case("float_power_inplace_number", lambda L, a: inplace_float_power(L, a, 2), R(4)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_float_power_nodes_are_torchs():
    def names(L):
        x = L.tensor([1.5, 2.0], requires_grad=True)
        d = L.tensor([1.5, 2.0], dtype=L.float64, requires_grad=True)
        y = d * 1
        y.float_power_(x)
        outs = [L.float_power(x, 2), L.float_power(2, x), L.float_power(x, x),
                L.float_power(d, 2), y]
        return [(type(o.grad_fn).__name__,
                 [type(f).__name__ if f is not None else None
                  for f, _ in o.grad_fn.next_functions]) for o in outs]
    assert names(cgrad) == names(torch)


def test_float_power_out_matches_torch():
    got = []
    for L in (torch, cgrad):
        out = L.empty(0, dtype=L.float64)
        assert L.float_power(L.tensor([1.5, 2.0]), 2, out=out) is out
        got.append(out.tolist())
    assert got[0] == got[1]


ERRORS = [
    error_case("out_float32", lambda L: L.float_power(L.tensor([1.0]), 2, out=L.empty(1))),
    error_case("out_int64",
               lambda L: L.float_power(L.tensor([1.0]), 2, out=L.empty(1, dtype=L.int64))),
    error_case("out_requires_grad", lambda L: L.float_power(
        L.tensor([1.0], requires_grad=True), 2, out=L.empty(1, dtype=L.float64))),
    error_case("inplace_float32", lambda L: L.tensor([1.0]).float_power_(2)),
    error_case("inplace_int", lambda L: L.tensor([1, 2]).float_power_(2)),
    error_case("two_numbers", lambda L: L.float_power(2, 3), match=None),
    error_case("shapes", lambda L: L.float_power(L.ones(2), L.ones(3))),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error_matches_torch(fn, match):
    check_error(fn, match)
