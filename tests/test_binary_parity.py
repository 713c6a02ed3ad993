"""Parity with torch of the binary table's aliases and new rows (binary_ops.def); the
older rows are compared in test_elementwise_parity.py and test_ops_parity.py."""
import numpy as np
import pytest

from parity import B, H, I, R, case, check

CASES = [
    # ---- comparison aliases: functions, methods, numbers, promotion ----
    case("greater", lambda L, a, b: L.greater(a, b), H(3, 4), H(3, 4)),
    case("greater_method_number", lambda L, a: a.greater(0.5), H(5)),
    case("greater_equal", lambda L, a, b: L.greater_equal(a, b), H(3, 4), H(4)),
    case("greater_equal_method", lambda L, a, b: a.greater_equal(b), I(5), H(5)),
    case("less", lambda L, a, b: L.less(a, b), H(3, 4), H(3, 1)),
    case("less_method", lambda L, a: a.less(1), I(5)),
    case("less_equal", lambda L, a, b: L.less_equal(a, b), H(5), H(5, dtype=np.float64)),
    case("less_equal_method", lambda L, a, b: a.less_equal(b), H(5), H(5)),
    case("not_equal", lambda L, a, b: L.not_equal(a, b), H(3, 4), H(3, 4)),
    case("not_equal_method_number", lambda L, a: a.not_equal(0), H(6)),
    case("arctan2_method", lambda L, a, b: a.arctan2(b), R(5), R(5)),
    # ---- in-place comparisons: the result in self's dtype, a zero gradient ----
    case("eq_", lambda L, a, b: (a * 1).eq_(b), H(3, 4), H(3, 4)),
    case("ne_number", lambda L, a: (a * 1).ne_(1.0), H(5)),
    case("lt_", lambda L, a, b: (a * 1).lt_(b), H(3, 4), H(4)),
    case("le_float64_other", lambda L, a, b: (a * 1).le_(b), H(5), H(5, dtype=np.float64)),
    case("gt_number", lambda L, a: (a * 1).gt_(0), H(5)),
    case("ge_", lambda L, a, b: (a * 1).ge_(b), H(5), H(5)),
    case("greater_", lambda L, a, b: (a * 1).greater_(b), H(5), H(5)),
    case("greater_equal_", lambda L, a, b: (a * 1).greater_equal_(b), H(5), H(5)),
    case("less_", lambda L, a, b: (a * 1).less_(b), H(5), H(5)),
    case("less_equal_", lambda L, a, b: (a * 1).less_equal_(b), H(5), H(5)),
    case("not_equal_", lambda L, a, b: (a * 1).not_equal_(b), H(5), H(5)),
    case("eq_int_self", lambda L, a, b: a.clone().eq_(b), I(5), H(5), grad=False),
    # ---- in-place logical ops: self's dtype, history untouched ----
    case("logical_and_", lambda L, a, b: (a * 1).logical_and_(b), H(3, 4), H(3, 4)),
    case("logical_or_int", lambda L, a, b: a.clone().logical_or_(b), I(5), H(5), grad=False),
    case("logical_xor_bool", lambda L, a, b: a.clone().logical_xor_(b), B(5), H(5), grad=False),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_binary_rows(fn, inputs, grad):
    check(fn, *inputs, grad=grad)
