"""isin against torch: values, the promoted dtype it compares in, NaN/inf/signed zeros,
numbers in either place, out= and error cases, one line per case."""
import math

import numpy as np
import pytest

from error_parity import check_error, error_case
from parity import I, R, arr, case, check

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

NAN = math.nan

ISIN = [
    case("ints", lambda L, a, b: L.isin(a, b), I(4, 5), I(6)),
    case("ints_2d_test", lambda L, a, b: L.isin(a, b), I(4, 5), I(2, 3)),
    case("invert", lambda L, a, b: L.isin(a, b, invert=True), I(4, 5), I(3)),
    case("assume_unique", lambda L, a, b: L.isin(a, b, assume_unique=True),
         np.array([1, 2, 2, 5]), np.array([2, 5])),
    case("assume_unique_invert", lambda L, a, b: L.isin(a, b, assume_unique=True, invert=True),
         np.array([1, 2, 2, 5]), np.array([2, 5])),
    case("floats_special", lambda L, a, b: L.isin(a, b),
         arr(1.0, NAN, math.inf, -math.inf, 0.0, -0.0, 2.5),
         arr(NAN, -0.0, math.inf, 2.5)),
    case("float64", lambda L, a, b: L.isin(a, b), R(3, 4, dtype=np.float64), R(5, dtype=np.float64)),
    case("promote_int_float", lambda L, a, b: L.isin(a, b), np.array([1, 2, 3]), arr(2.0, 3.5)),
    case("promote_float_int", lambda L, a, b: L.isin(a, b), arr(1.5, 2.0), np.array([1, 2])),
    case("promote_rounds_to_float", lambda L, a, b: L.isin(a, b), np.array([16777217]),
         arr(16777216.0)),
    case("promote_int32_int64", lambda L, a, b: L.isin(a, b), np.array([1, 2], np.int32),
         np.array([2 ** 33 + 2, 1])),
    case("scalar_test", lambda L, a: L.isin(a, 2), I(3, 4)),
    case("float_scalar_test", lambda L, a: L.isin(a, 2.5), np.array([1, 2])),
    case("float_scalar_whole", lambda L, a: L.isin(a, 2.0), np.array([1, 2])),
    case("scalar_elements", lambda L, b: L.isin(2, b), np.array([1, 2])),
    case("float_scalar_elements", lambda L, b: L.isin(2.5, b), np.array([1, 2])),
    case("0d", lambda L, a, b: L.isin(a, b), np.array(1.0, np.float32), arr(1.0)),
    case("empty_elements", lambda L, a, b: L.isin(a, b), np.zeros((0, 2), np.float32), arr(1.0)),
    case("empty_test", lambda L, a, b: L.isin(a, b), arr(1.0, 2.0), np.zeros(0, np.float32)),
    case("empty_test_invert", lambda L, a, b: L.isin(a, b, invert=True), arr(1.0),
         np.zeros(0, np.float32)),
    case("requires_grad", lambda L, a, b: L.isin(a, b), R(3), R(2)),
    case("noncontiguous", lambda L, a, b: L.isin(a.t(), b), I(3, 4), I(5)),
    case("keywords", lambda L, a, b: L.isin(elements=a, test_elements=b), I(4), I(3)),
    case("large", lambda L, a, b: L.isin(a, b), I(3000, low=-2000, high=2000), I(1000, low=0, high=900)),
]


@pytest.mark.parametrize("fn, inputs, grad", ISIN)
def test_isin_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_isin_out():
    def run(L, out_dtype):
        out = L.empty(0, dtype=out_dtype(L))
        r = L.isin(L.tensor([1, 2]), L.tensor([2]), out=out)
        return r is out, r.tolist()
    assert run(cgrad, lambda L: L.bool) == run(torch, lambda L: L.bool)
    check_error(lambda L: run(L, lambda L: L.float32))


@pytest.mark.parametrize("fn, match", [
    error_case("bool_elements", lambda L: L.isin(L.tensor([True, False]), L.tensor([True]))),
    error_case("bool_test", lambda L: L.isin(L.tensor([1, 0]), L.tensor([True]))),
    error_case("bool_scalar", lambda L: L.isin(L.tensor([1, 2]), True)),
    error_case("two_numbers", lambda L: L.isin(2, 3)),
    error_case("list", lambda L: L.isin(L.tensor([1, 2]), [1, 2])),
    error_case("list_elements", lambda L: L.isin([1, 2], L.tensor([1]))),
    error_case("assume_unique_int", lambda L: L.isin(L.tensor([1]), L.tensor([1]), assume_unique=1)),
    error_case("invert_int", lambda L: L.isin(L.tensor([1]), L.tensor([1]), invert=1)),
    # (a TypeError; pybind words a surplus positional argument its own way)
    error_case("three_tensors", lambda L: L.isin(L.tensor([1]), L.tensor([1]), L.tensor([1])),
               "invalid combination|positional"),
    error_case("one_tensor", lambda L: L.isin(L.tensor([1])), "invalid combination|missing"),
])
def test_isin_errors(fn, match):
    check_error(fn, match)


def test_isin_is_no_method():
    assert hasattr(cgrad.Tensor, "isin") == hasattr(torch.Tensor, "isin")
