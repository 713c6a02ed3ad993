"""rot90 and numpy's hsplit/vsplit/dsplit against PyTorch, one line per case: values, the
nodes torch records (Rot90Backward0; SliceBackward0 for each part), gradients, errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import I, R, T, case, check  # noqa: E402

CASES = [
    case("rot90", lambda L, a: L.rot90(a), R(3, 4)),
    case("rot90_half", lambda L, a: a.rot90(2), R(3, 4)),
    case("rot90_back", lambda L, a: a.rot90(-1), R(3, 4)),
    case("rot90_three_dims_reversed", lambda L, a: a.rot90(3, [1, 0]), R(3, 4)),
    case("rot90_none", lambda L, a: a.rot90(0), R(3, 4)),
    case("rot90_five", lambda L, a: a.rot90(5), R(3, 4)),
    case("rot90_3d_plane", lambda L, a: L.rot90(a, 1, (2, 0)), R(2, 3, 4)),
    case("rot90_negative_dim", lambda L, a: a.rot90(1, [0, -1]), R(2, 3, 4)),
    case("rot90_transposed", lambda L, a: a.rot90(1), T(R(4, 3))),
    case("rot90_int", lambda L, a: a.rot90(1), I(2, 3)),
    case("hsplit_sections", lambda L, a: L.hsplit(a, 2), R(4, 6)),
    case("hsplit_indices", lambda L, a: a.hsplit([1, 4]), R(4, 6)),
    case("hsplit_1d", lambda L, a: L.hsplit(a, 3), R(6)),
    case("hsplit_past_the_end", lambda L, a: L.hsplit(a, [2, 10]), R(6)),
    case("hsplit_negative_index", lambda L, a: L.hsplit(a, [-1]), R(4, 6)),
    case("hsplit_decreasing", lambda L, a: L.hsplit(a, (4, 2)), R(4, 6)),
    case("vsplit_sections", lambda L, a: a.vsplit(2), R(4, 6)),
    case("vsplit_repeated_index", lambda L, a: L.vsplit(a, [1, 1]), R(4, 6)),
    case("dsplit_sections", lambda L, a: L.dsplit(a, 3), R(2, 4, 6)),
    case("dsplit_indices", lambda L, a: a.dsplit([2]), R(2, 4, 6)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("lib", [torch, cgrad])
def test_split_parts_are_views(lib):
    x = lib.zeros(2, 4)
    left, right = lib.hsplit(x, 2)
    right[0, 0] = 1.0
    assert x[0, 2].item() == 1.0 and right._base is x


ERRORS = [
    error_case("rot90_one_dim", lambda L: L.ones(3, 4).rot90(1, [0])),
    error_case("rot90_same_dims", lambda L: L.ones(3, 4).rot90(1, [0, -2])),
    error_case("rot90_1d", lambda L: L.ones(3).rot90()),
    error_case("rot90_dim_range", lambda L: L.ones(3, 4).rot90(1, [0, 2])),
    error_case("hsplit_0d", lambda L: L.hsplit(L.tensor(1.0), 1)),
    error_case("hsplit_not_divisible", lambda L: L.hsplit(L.ones(4, 6), 4)),
    error_case("hsplit_zero", lambda L: L.hsplit(L.ones(4, 6), 0)),
    error_case("hsplit_negative", lambda L: L.hsplit(L.ones(4, 6), -1)),
    error_case("hsplit_negative_not_divisible", lambda L: L.hsplit(L.ones(4, 6), -4)),
    error_case("hsplit_float", lambda L: L.hsplit(L.ones(4, 6), 1.5), None),
    error_case("vsplit_1d", lambda L: L.vsplit(L.ones(6), 2)),
    error_case("vsplit_not_divisible", lambda L: L.ones(4, 6).vsplit(3)),
    error_case("dsplit_2d", lambda L: L.dsplit(L.ones(4, 6), 3)),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)
