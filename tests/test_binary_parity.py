"""Parity with torch of the binary table's aliases and new rows (binary_ops.def); the
older rows are compared in test_elementwise_parity.py and test_ops_parity.py."""
import math
import operator

import numpy as np
import pytest

from parity import B, H, I, R, case, check, torch

import cgrad

NAN, INF = math.nan, math.inf


def arr(*values, dtype=np.float32):
    return np.array(values, dtype=dtype)


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
    # ---- fmax / fmin: NaN loses to a number, ties go to input ----
    case("fmax", lambda L, a, b: L.fmax(a, b), H(3, 4), H(3, 4)),
    case("fmax_nan", lambda L, a, b: L.fmax(a, b), arr(NAN, 1.0, NAN, -0.0),
         arr(2.0, NAN, NAN, 0.0)),
    case("fmax_bcast_method", lambda L, a, b: a.fmax(b), R(3, 1), R(4)),
    case("fmax_int", lambda L, a, b: L.fmax(a, b), I(6), I(6)),
    case("fmax_int_float", lambda L, a, b: L.fmax(a, b), I(6), R(6)),
    case("fmax_bool", lambda L, a, b: L.fmax(a, b), B(6), B(6)),
    case("fmin", lambda L, a, b: L.fmin(a, b), H(3, 4), H(3, 4)),
    case("fmin_nan", lambda L, a, b: L.fmin(a, b), arr(NAN, 1.0, NAN, 0.0),
         arr(2.0, NAN, NAN, -0.0)),
    case("fmin_method_float64", lambda L, a, b: a.fmin(b), R(5), R(5, dtype=np.float64)),
    # ---- copysign ----
    case("copysign", lambda L, a, b: L.copysign(a, b), R(3, 4), R(3, 4)),
    case("copysign_zeros", lambda L, a, b: L.copysign(a, b), arr(0.0, -0.0, 3.0, NAN),
         arr(-0.0, 1.0, NAN, -1.0)),
    case("copysign_number", lambda L, a: L.copysign(a, -1.0), R(5)),
    case("copysign_method_bcast", lambda L, a, b: a.copysign(b), R(3, 4), R(4)),
    case("copysign_int", lambda L, a, b: L.copysign(a, b), I(5), I(5)),
    case("copysign_float64_other", lambda L, a, b: L.copysign(a, b), R(5), R(5, dtype=np.float64)),
    # ---- nextafter ----
    case("nextafter", lambda L, a, b: L.nextafter(a, b), R(3, 4), R(3, 4)),
    case("nextafter_float64", lambda L, a, b: a.nextafter(b), R(5, dtype=np.float64),
         R(5, dtype=np.float64)),
    case("nextafter_edges", lambda L, a, b: L.nextafter(a, b), arr(0.0, 1.0, INF, NAN),
         arr(1.0, 1.0, 0.0, 1.0), grad=False),
    # ---- ldexp ----
    case("ldexp", lambda L, a, b: L.ldexp(a, b), R(3, 4), I(3, 4)),
    case("ldexp_float_exponent", lambda L, a, b: a.ldexp(b), R(5), R(5)),
    case("ldexp_int", lambda L, a, b: L.ldexp(a, b), I(5), I(5)),
    case("ldexp_float64", lambda L, a, b: L.ldexp(a, b), R(5, dtype=np.float64), I(5)),
    # ---- heaviside ----
    case("heaviside", lambda L, a, b: L.heaviside(a, b), H(3, 4), R(4), grad=False),
    case("heaviside_nan", lambda L, a, b: a.heaviside(b), arr(NAN, -0.0, 2.0), arr(0.5), grad=False),
    case("heaviside_int", lambda L, a, b: L.heaviside(a, b), I(6), I(6)),
    case("heaviside_bool", lambda L, a, b: L.heaviside(a, b), B(6), B(6)),
    case("heaviside_values_keyword", lambda L, a, b: L.heaviside(a, values=b), H(4), H(4), grad=False),
    # ---- gcd / lcm ----
    case("gcd", lambda L, a, b: L.gcd(a, b), I(3, 4, low=-20, high=20), I(3, 4, low=-20, high=20)),
    case("gcd_method_int32", lambda L, a, b: a.gcd(b), I(6, dtype=np.int32), I(6, dtype=np.int32)),
    case("gcd_edges", lambda L, a, b: L.gcd(a, b),
         np.array([-9223372036854775808, -6, 0, 7], dtype=np.int64),
         np.array([6, -4, 0, 0], dtype=np.int64)),
    case("lcm", lambda L, a, b: L.lcm(a, b), I(3, 4, low=-20, high=20), I(4, low=-20, high=20)),
    case("lcm_method", lambda L, a, b: a.lcm(b), I(6, dtype=np.int32), I(6)),
    case("gcd_", lambda L, a, b: L.gcd_(a.clone(), b), I(6), I(6)),
    case("lcm_", lambda L, a, b: a.clone().lcm_(b), I(6), I(6)),
    # ---- shifts and << >> ----
    case("bitwise_left_shift", lambda L, a, b: L.bitwise_left_shift(a, b), I(3, 4, low=-9, high=9),
         I(3, 4, low=0, high=8)),
    case("bitwise_left_shift_edges", lambda L, a, b: L.bitwise_left_shift(a, b),
         np.array([1, 1, -8, 3], dtype=np.int64), np.array([63, 64, 70, -1], dtype=np.int64)),
    case("bitwise_right_shift_edges", lambda L, a, b: L.bitwise_right_shift(a, b),
         np.array([-8, -8, 8, 1], dtype=np.int64), np.array([70, -1, 64, 63], dtype=np.int64)),
    case("bitwise_right_shift_int32", lambda L, a, b: a.bitwise_right_shift(b),
         I(6, dtype=np.int32, low=-99, high=99), I(6, dtype=np.int32, low=-2, high=40)),
    case("bitwise_left_shift_number_first", lambda L, a: L.bitwise_left_shift(2, a), I(5, low=0, high=9)),
    case("lshift", lambda L, a, b: a << b, I(3, 4), I(4, low=0, high=5)),
    case("rshift_number", lambda L, a: a >> 1, I(6, low=-9, high=9)),
    case("bool_shifted_by_ints", lambda L, a, b: (L.bitwise_right_shift(a, 1),
                                                  L.bitwise_left_shift(a, b)), B(6), I(6, low=0, high=5)),
    case("rlshift", lambda L, a: 3 << a, I(5, low=0, high=9)),
    case("ilshift", lambda L, a, b: operator.ilshift(a.clone(), b), I(5), I(5, low=0, high=4)),
    case("irshift", lambda L, a: operator.irshift(a.clone(), 2), I(5)),
    case("bitwise_left_shift_", lambda L, a, b: a.clone().bitwise_left_shift_(b), I(5), I(5, low=0, high=4)),
    case("bitwise_right_shift_", lambda L, a, b: a.clone().bitwise_right_shift_(b), I(5), I(5, low=0, high=4)),
    # ---- in place ----
    case("copysign_", lambda L, a, b: (a * 1).copysign_(b), R(3, 4), R(3, 4)),
    case("copysign_number_", lambda L, a: (a * 1).copysign_(-2), R(5)),
    case("nextafter_", lambda L, a, b: (a * 1).nextafter_(b), R(5), R(5)),
    case("ldexp_", lambda L, a, b: L.ldexp_((a * 1), b), R(5), I(5)),
    case("heaviside_", lambda L, a, b: a.clone().heaviside_(b), I(5), I(5)),
    # ---- in-place logical ops: self's dtype, history untouched ----
    case("logical_and_", lambda L, a, b: (a * 1).logical_and_(b), H(3, 4), H(3, 4)),
    case("logical_or_int", lambda L, a, b: a.clone().logical_or_(b), I(5), H(5), grad=False),
    case("logical_xor_bool", lambda L, a, b: a.clone().logical_xor_(b), B(5), H(5), grad=False),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_binary_rows(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


ERRORS = {
    "gcd_float": lambda L: L.gcd(L.ones(2), L.ones(2)),
    "lcm_bool": lambda L: L.lcm(L.ones(2, dtype=L.bool), L.ones(2, dtype=L.bool)),
    "gcd_shapes": lambda L: L.gcd(L.ones(2, dtype=L.int64), L.ones(3, dtype=L.int64)),
    "heaviside_dtypes": lambda L: L.heaviside(L.ones(2), L.ones(2, dtype=L.float64)),
    "nextafter_int": lambda L: L.nextafter(L.tensor([1]), L.tensor([2])),
    "lshift_float": lambda L: L.ones(2) << 1,
    "right_shift_bools": lambda L: L.bitwise_right_shift(L.ones(2, dtype=L.bool),
                                                         L.ones(2, dtype=L.bool)),
    "copysign_bool_inplace": lambda L: L.ones(2, dtype=L.int64).copysign_(L.ones(2)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_is_torchs(name):
    with pytest.raises(Exception) as expected:
        ERRORS[name](torch)
    with pytest.raises(type(expected.value)) as got:
        ERRORS[name](cgrad)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("call", ["fmax(x, 1.0)", "fmin(1.0, x)", "ldexp(x, 3)",
                                  "heaviside(x, 0.5)", "gcd(x, 2)", "nextafter(x, 1.0)"])
def test_tensor_only_functions_refuse_numbers(call):
    for lib in (torch, cgrad):
        with pytest.raises(TypeError):
            eval(call, {"fmax": lib.fmax, "fmin": lib.fmin, "ldexp": lib.ldexp,
                        "heaviside": lib.heaviside, "gcd": lib.gcd, "nextafter": lib.nextafter,
                        "x": lib.ones(2)})
