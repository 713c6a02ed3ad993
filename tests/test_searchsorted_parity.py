"""searchsorted and bucketize against PyTorch, one line per case (promoted comparisons,
NaN, sorter, batched sequences, scalars, out_int32), torch's errors, and `out=`."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import H, I, R, T, case, check  # noqa: E402

F64 = np.float64
NAN, INF = np.nan, np.inf


def arr(x, dtype=np.float32):
    return np.asarray(x, dtype=dtype)


SEQ = arr([1, 2, 2, 3, 5, NAN])
VALS = arr([[2, NAN], [0, 5], [2.5, 9], [-INF, INF]])
BATCH = np.sort(H(3, 6), axis=1)

CASES = [
    # ---- searchsorted ----
    case("searchsorted", lambda L, s, v: L.searchsorted(s, v), SEQ, VALS),
    case("searchsorted_right", lambda L, s, v: L.searchsorted(s, v, right=True), SEQ, VALS),
    case("searchsorted_side_right", lambda L, s, v: L.searchsorted(s, v, side="right"), SEQ, VALS),
    case("searchsorted_side_left", lambda L, s, v: L.searchsorted(s, v, side="left"), SEQ, VALS),
    case("searchsorted_side_right_right_false",
         lambda L, s, v: L.searchsorted(s, v, side="right", right=False), SEQ, VALS),
    case("searchsorted_int32", lambda L, s, v: L.searchsorted(s, v, out_int32=True), SEQ, VALS),
    case("searchsorted_random", lambda L, s, v: L.searchsorted(s, v), np.sort(R(50)), R(7, 9)),
    case("searchsorted_ties", lambda L, s, v: L.searchsorted(s, v, right=True),
         np.sort(H(40)), H(30)),
    case("searchsorted_batched", lambda L, s, v: L.searchsorted(s, v), BATCH, H(3, 4)),
    case("searchsorted_batched_right", lambda L, s, v: L.searchsorted(s, v, side="right"),
         BATCH, H(3, 4)),
    case("searchsorted_batched_3d", lambda L, s, v: L.searchsorted(s, v),
         np.sort(H(2, 2, 5), axis=-1), H(2, 2, 3)),
    case("searchsorted_strided", lambda L, s, v: L.searchsorted(s, v),
         T(np.sort(H(5, 3), axis=0)), T(H(4, 3))),
    case("searchsorted_nan_in_sequence", lambda L, s, v: L.searchsorted(s, v),
         arr([1, NAN, NAN, NAN]), arr([0.5, 1, 2, NAN])),
    case("searchsorted_nan_middle_probe", lambda L, s, v: L.searchsorted(s, v),
         arr([1, NAN]), arr([0.5, 1, 3])),
    case("searchsorted_scalar", lambda L, s: L.searchsorted(s, 2), SEQ),
    case("searchsorted_scalar_float", lambda L, s: L.searchsorted(s, 2.5, out_int32=True), SEQ),
    case("searchsorted_scalar_bool", lambda L, s: L.searchsorted(s, True), SEQ),
    case("searchsorted_0d_values", lambda L, s, v: L.searchsorted(s, v), SEQ, arr(2.0)),
    case("searchsorted_int_seq_float_values", lambda L, s, v: L.searchsorted(s, v),
         arr([1, 2, 3], np.int64), arr([1.5, 2, 3.5])),
    case("searchsorted_int_seq_float_scalar", lambda L, s: L.searchsorted(s, 2.5),
         arr([1, 2, 3], np.int64)),
    case("searchsorted_int32_int64", lambda L, s, v: L.searchsorted(s, v),
         arr([1, 2, 3], np.int32), arr([2, 7], np.int64)),
    # Compared in the promoted dtype: float32 for a float32 sequence and a float Python
    # number or 0-d float64 tensor, float64 for a float64 dim tensor.
    case("searchsorted_promotes_scalar_to_float32",
         lambda L, s: L.searchsorted(s, 0.1, right=True), arr([0.1])),
    case("searchsorted_promotes_0d_to_float32",
         lambda L, s, v: L.searchsorted(s, v, right=True), arr([0.1]), arr(0.1, F64)),
    case("searchsorted_promotes_to_float64",
         lambda L, s, v: L.searchsorted(s, v, right=True), arr([0.1]), arr([0.1], F64)),
    case("searchsorted_int_seq_float32_values",
         lambda L, s, v: L.searchsorted(s, v, right=True), arr([16777217], np.int64), arr([16777216.0])),
    case("searchsorted_bool_values", lambda L, s, v: L.searchsorted(s, v), arr([0, 1, 2]),
         np.array([True, False])),
    case("searchsorted_sorter", lambda L, s, v, o: L.searchsorted(s, v, sorter=o),
         arr([3, NAN, 1, 2]), arr([0.5, 1, 2, NAN]), arr([2, 3, 0, 1], np.int64)),
    case("searchsorted_sorter_batched", lambda L, s, v, o: L.searchsorted(s, v, side="right", sorter=o),
         arr([[3, 1, 2], [0, 9, 4]]), arr([[2], [4]]), arr([[1, 2, 0], [0, 2, 1]], np.int64)),
    case("searchsorted_empty_sequence", lambda L, s, v: L.searchsorted(s, v),
         np.zeros(0, np.float32), arr([2.0])),
    case("searchsorted_empty_values", lambda L, s, v: L.searchsorted(s, v), SEQ, np.zeros((0, 3), np.float32)),
    case("searchsorted_empty_rows", lambda L, s, v: L.searchsorted(s, v),
         np.zeros((2, 0), np.float32), np.zeros((2, 3), np.float32)),
    case("searchsorted_values_require_grad", lambda L, s, v: L.searchsorted(s, v), np.sort(R(5)), R(3)),
    case("searchsorted_f64_long", lambda L, s, v: L.searchsorted(s, v), np.sort(R(3000, dtype=F64)),
         R(5000, dtype=F64)),
    # ---- bucketize ----
    case("bucketize", lambda L, x, b: L.bucketize(x, b), arr([[0.5, 1], [2, NAN]]), arr([1, 2, 3])),
    case("bucketize_right_int32", lambda L, x, b: L.bucketize(x, b, right=True, out_int32=True),
         arr([[0.5, 1], [2, NAN]]), arr([1, 2, 3])),
    case("bucketize_random", lambda L, x, b: L.bucketize(x, b), R(4, 6), np.sort(R(9))),
    case("bucketize_scalar", lambda L, b: L.bucketize(2.0, b), arr([1, 2, 3])),
    case("bucketize_int_scalar", lambda L, b: L.bucketize(2, b, right=True), arr([1, 2, 3])),
    case("bucketize_0d", lambda L, x, b: L.bucketize(x, b), arr(2, np.int64), arr([1, 2, 3])),
    case("bucketize_bool_input", lambda L, x, b: L.bucketize(x, b), np.array([True]), arr([1, 2])),
    case("bucketize_bool_boundaries", lambda L, x, b: L.bucketize(x, b), arr([1.0]),
         np.array([True, False])),
    case("bucketize_keywords", lambda L, x, b: L.bucketize(input=x, boundaries=b), I(5), arr([0, 2], np.int64)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_no_tensor_methods_as_torch():
    for name in ("searchsorted", "bucketize"):
        assert hasattr(torch.Tensor, name) == hasattr(cgrad.Tensor, name) == False  # noqa: E712


ERRORS = [
    error_case("side_invalid", lambda L: L.searchsorted(L.ones(3), L.ones(2), side="middle")),
    error_case("side_opposite", lambda L: L.searchsorted(L.ones(3), L.ones(2), side="left", right=True)),
    error_case("side_checked_first", lambda L: L.searchsorted(L.ones(1, 1), L.tensor(2.0), side="x", right=True)),
    error_case("sorter_size", lambda L: L.searchsorted(L.ones(3), L.ones(1), sorter=L.tensor([1, 2]))),
    error_case("sorter_size_before_dtype", lambda L: L.searchsorted(L.ones(3), L.ones(1), sorter=L.tensor([1.0, 2.0]))),
    error_case("sorter_dtype", lambda L: L.searchsorted(L.ones(3), L.ones(1), sorter=L.tensor([1, 2, 0], dtype=L.int32))),
    error_case("sorter_out_of_range", lambda L: L.searchsorted(L.ones(3), L.ones(1), sorter=L.tensor([1, 2, 5]))),
    error_case("sorter_negative", lambda L: L.searchsorted(L.ones(2), L.ones(1), sorter=L.tensor([-1, 0]))),
    error_case("sorter_2d_shape", lambda L: L.searchsorted(L.ones(1, 2), L.ones(1, 1), sorter=L.tensor([1, 0]))),
    error_case("scalar_needs_1d", lambda L: L.searchsorted(L.ones(2, 3), 2.0)),
    error_case("scalar_needs_1d_0d_sequence", lambda L: L.searchsorted(L.tensor(1.0), L.tensor(2.0))),
    error_case("sequence_0d", lambda L: L.searchsorted(L.tensor(1.0), L.ones(1))),
    error_case("batch_mismatch", lambda L: L.searchsorted(L.ones(2, 3), L.ones(2))),
    error_case("batch_mismatch_2d", lambda L: L.searchsorted(L.ones(2, 3), L.ones(3, 1))),
    error_case("bool", lambda L: L.searchsorted(L.tensor([True]), L.tensor([True]))),
    error_case("values_list", lambda L: L.searchsorted(L.ones(2), [1.0]), "list"),
    error_case("sequence_list", lambda L: L.searchsorted([1.0, 2.0], L.ones(1)), "list"),
    error_case("bucketize_2d", lambda L: L.bucketize(L.ones(1), L.ones(1, 2))),
    error_case("bucketize_0d", lambda L: L.bucketize(L.ones(1), L.tensor(1.0))),
    error_case("bucketize_bool", lambda L: L.bucketize(L.tensor([True]), L.tensor([True]))),
    error_case("bucketize_side", lambda L: L.bucketize(L.ones(1), L.ones(2), side="left"), "side"),
    error_case("out_float", lambda L: L.searchsorted(L.ones(2), L.ones(2), out=L.empty(0))),
    error_case("out_int32_without_flag", lambda L: L.searchsorted(L.ones(2), L.ones(2), out=L.empty(0, dtype=L.int32))),
    error_case("out_int64_with_flag",
               lambda L: L.searchsorted(L.ones(2), L.ones(2), out_int32=True, out=L.empty(0, dtype=L.int64))),
    error_case("bucketize_out_int32", lambda L: L.bucketize(L.ones(2), L.ones(2), out=L.empty(0, dtype=L.int32))),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)


# ---- out= ----

OUT_CASES = [
    ("searchsorted", lambda L: L.searchsorted(L.tensor([1.0, 2, 3]), L.tensor([[2.5, 0]]), out=L.empty(0, dtype=L.int64))),
    ("searchsorted_int32", lambda L: L.searchsorted(L.tensor([1.0, 2, 3]), 2.0, out_int32=True, out=L.empty(3, dtype=L.int32))),
    ("bucketize", lambda L: L.bucketize(L.tensor([[2.5, 0]]), L.tensor([1.0, 2, 3]), right=True, out=L.empty(2, dtype=L.int64))),
]


@pytest.mark.parametrize("fn", [f for _, f in OUT_CASES], ids=[n for n, _ in OUT_CASES])
def test_out_matches_torch(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, c = fn(torch), fn(cgrad)
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_array_equal(c.numpy(), t.numpy())


def test_out_returns_the_given_tensor():
    out = cgrad.empty(0, dtype=cgrad.int64)
    assert cgrad.searchsorted(cgrad.tensor([1.0]), cgrad.tensor([2.0]), out=out) is out
    assert cgrad.bucketize(cgrad.tensor([2.0]), cgrad.tensor([1.0]), out=out) is out
