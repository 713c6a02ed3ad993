"""Python ints reach the kernels exactly (Note [Exact integer scalars]): every op that
takes a number gives torch's int64 result for values a double cannot hold, and ints
outside int64 (or values a dtype cannot hold) raise as torch raises. One line per case."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from error_parity import check_error, error_case  # noqa: E402
from parity import case, check  # noqa: E402

BIG = 2**60 + 1          # a double rounds it to 2**60
HUGE = 2**62 + 3
MIN64, MAX64 = -2**63, 2**63 - 1


def V(*values):
    return np.array(values, np.int64)


def setitem(t, index, value):
    t = t.clone()
    t[index] = value
    return t


CASES = [
    # ---- arithmetic and comparisons with a Python int ----
    case("add", lambda L, x: x + BIG, V(0, 1, -1)),
    case("radd", lambda L, x: BIG + x, V(0, 1, -1)),
    case("sub", lambda L, x: x - BIG, V(0, 1, -1)),
    case("rsub", lambda L, x: BIG - x, V(0, 1, -1)),
    case("mul", lambda L, x: x * BIG, V(0, 1, -1)),
    case("add_method", lambda L, x: x.add(HUGE), V(0, 1, -1)),
    case("add_function", lambda L, x: L.add(x, -HUGE), V(0, 1, -1)),
    case("floor_divide", lambda L, x: x // BIG, V(2**62, -(2**62), 5)),
    case("remainder", lambda L, x: x % BIG, V(2**62, -(2**62), 5)),
    case("fmod", lambda L, x: x.fmod(BIG), V(2**62, -(2**62), 5)),
    case("bitwise_and", lambda L, x: x & (2**62 + 1), V(1, 3, -1)),
    case("bitwise_or", lambda L, x: x.bitwise_or(2**62), V(1, 3, -1)),
    case("bitwise_xor", lambda L, x: x ^ (2**61 + 7), V(1, 3, -1)),
    case("eq", lambda L, x: x == 2**60, V(2**60, BIG)),
    case("ne", lambda L, x: x != BIG, V(2**60, BIG)),
    case("lt", lambda L, x: x < BIG, V(2**60, BIG, BIG + 1)),
    case("ge", lambda L, x: x.ge(BIG), V(2**60, BIG, BIG + 1)),
    case("pow", lambda L, x: x ** 39, V(3, -3, 1)),
    case("rpow", lambda L, x: 3 ** x, V(39, 1, 0)),
    case("min_int64", lambda L, x: x + MIN64, V(0, 1, MAX64)),
    case("max_int64", lambda L, x: x - MAX64, V(0, -1, MAX64)),
    case("inplace_add", lambda L, x: x.clone().add_(BIG), V(0, 1)),
    case("inplace_mul", lambda L, x: x.clone().mul_(BIG), V(0, 1)),
    case("iadd", lambda L, x: x.clone().__iadd__(BIG), V(0, 1)),
    # ---- numbers stored as they are ----
    case("full", lambda L: L.full((2,), BIG)),
    case("full_negative", lambda L: L.full((2,), -BIG)),
    case("full_min", lambda L: L.full((1,), MIN64)),
    case("full_like", lambda L, x: L.full_like(x, BIG), V(0, 1)),
    case("fill_", lambda L, x: x.clone().fill_(BIG), V(0, 1)),
    case("fill_0d_tensor", lambda L, x: x.clone().fill_(L.tensor(BIG)), V(0, 1)),
    case("clamp_min", lambda L, x: x.clamp(min=BIG), V(0, 2**61)),
    case("clamp_max", lambda L, x: x.clamp(max=-BIG), V(0, -(2**61))),
    case("clamp_both", lambda L, x: x.clamp(BIG, BIG + 2), V(0, 2**61)),
    case("clamp_min_function", lambda L, x: L.clamp_min(x, BIG), V(0, 2**61)),
    case("clamp_0d_bound", lambda L, x: x.clamp(L.tensor(BIG), 2**61), V(0, 2**61)),
    case("masked_fill", lambda L, x: x.masked_fill(x > 0, BIG), V(0, 1)),
    case("masked_fill_", lambda L, x: x.clone().masked_fill_(x > 0, BIG), V(0, 1)),
    case("where_other", lambda L, x: L.where(x > 0, x, BIG), V(0, 1)),
    case("where_input", lambda L, x: L.where(x > 0, -BIG, x), V(0, 1)),
    case("setitem", lambda L, x: setitem(x, 0, BIG), V(0, 1)),
    case("setitem_slice", lambda L, x: setitem(x, slice(None), -BIG), V(0, 1)),
    case("setitem_advanced", lambda L, x: setitem(x, L.tensor([1]), BIG), V(0, 1)),
    case("setitem_mask", lambda L, x: setitem(x, x > 0, BIG), V(0, 1)),
    case("scatter_value", lambda L, x: x.scatter(0, L.tensor([1]), value=BIG), V(0, 1)),
    case("index_add_alpha", lambda L, x: x.index_add(0, L.tensor([1]), L.tensor([3]), alpha=BIG),
         V(0, 1)),
    case("index_add_alpha_inplace", lambda L, x: x.clone().index_add_(0, L.tensor([0]), L.tensor([1]),
                                                                      alpha=-BIG), V(0, 1)),
    case("index_add_float_alpha_truncates", lambda L, x: x.index_add(0, L.tensor([0]), L.tensor([1]),
                                                                     alpha=2.5), V(0, 1)),
    case("arange", lambda L: L.arange(2**60, 2**60 + 3)),
    case("arange_step", lambda L: L.arange(-(2**61), 2**61, 2**59 + 1)),
    case("arange_descending", lambda L: L.arange(BIG, BIG - 4, -1)),
    case("arange_int32_wraps", lambda L: L.arange(0, 2**40, 2**38, dtype=L.int32)),
    case("tensor_data", lambda L: L.tensor([BIG, MIN64, MAX64])),
    # ---- floats are unchanged ----
    case("float_tensor_big_int", lambda L, x: x + BIG, np.array([1.5], np.float64)),
    case("float32_clamp_big_int", lambda L, x: x.clamp(min=BIG), np.array([1.5], np.float32)),
    case("full_float_dtype", lambda L: L.full((1,), BIG, dtype=L.float64)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_exact(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def i32(L):
    return L.tensor([1], dtype=L.int32)


ERRORS = [
    # Ints beyond int64 (torch's OverflowError), or in [2**63, 2**64) (RuntimeError where
    # torch refuses it; see int64_from_py for the ops where torch wraps it around).
    error_case("add_2_64", lambda L: L.tensor([1]) + 2**64),
    error_case("add_below_min", lambda L: L.tensor([1]) + (MIN64 - 1)),
    error_case("float_add_2_70", lambda L: L.tensor([1.0]) * 2**70),
    error_case("eq_2_64", lambda L: L.tensor([1]) == 2**64),
    error_case("full_2_64", lambda L: L.full((1,), 2**64)),
    error_case("full_2_63", lambda L: L.full((1,), 2**63)),
    error_case("full_below_min", lambda L: L.full((1,), MIN64 - 1)),
    error_case("fill_2_64", lambda L: L.tensor([1]).fill_(2**64)),
    error_case("fill_2_63", lambda L: L.tensor([1]).fill_(2**63)),
    error_case("clamp_2_63", lambda L: L.tensor([1]).clamp(2**63)),
    error_case("clamp_2_64", lambda L: L.tensor([1]).clamp(min=2**64)),
    error_case("masked_fill_2_63", lambda L: L.tensor([1]).masked_fill(L.tensor([True]), 2**63)),
    error_case("where_2_63", lambda L: L.where(L.tensor([True]), L.tensor([1]), 2**63)),
    error_case("pow_2_63", lambda L: L.tensor([5]) ** 2**63),
    error_case("tensor_data_2_63", lambda L: L.tensor([2**63])),
    # Values the target dtype cannot hold, where torch checks them.
    error_case("int32_fill", lambda L: i32(L).fill_(2**40)),
    error_case("int32_fill_float", lambda L: i32(L).fill_(1e20)),
    error_case("int32_fill_nan", lambda L: i32(L).fill_(float("nan"))),
    error_case("float32_fill", lambda L: L.tensor([1.0]).fill_(1e300)),
    error_case("int32_full", lambda L: L.full((1,), 2**40, dtype=L.int32)),
    error_case("float32_full", lambda L: L.full((1,), 1e300, dtype=L.float32)),
    error_case("int32_clamp", lambda L: i32(L).clamp(min=2**40)),
    error_case("int32_clamp_max", lambda L: i32(L).clamp(max=2**40)),
    error_case("float32_clamp", lambda L: L.tensor([1.0]).clamp(min=1e300)),
    error_case("int32_masked_fill", lambda L: i32(L).masked_fill(L.tensor([True]), 2**40)),
    error_case("int32_masked_fill_float", lambda L: i32(L).masked_fill(L.tensor([True]), 1e20)),
    error_case("float32_where", lambda L: L.where(L.tensor([True]), L.tensor([1.0]), 1e300)),
    error_case("int32_where", lambda L: L.where(L.tensor([True]), i32(L), 2**40)),
    error_case("int32_setitem", lambda L: setitem(i32(L), 0, 2**40)),
    error_case("int32_setitem_advanced", lambda L: setitem(i32(L), L.tensor([0]), 2**40)),
    error_case("float32_setitem", lambda L: setitem(L.tensor([1.0]), 0, 1e300)),
    error_case("int32_scatter_value", lambda L: i32(L).scatter(0, L.tensor([0]), value=2**40)),
    error_case("int32_pow", lambda L: i32(L) ** 2**40),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("value", [1e20, float("nan"), float("inf")])
def test_int32_float_bounds_pass_as_torch(value):
    # A float bound promotes an int32 tensor to float: nothing to overflow.
    check(lambda L, x: x.clamp(min=value), np.array([1], np.int32))
