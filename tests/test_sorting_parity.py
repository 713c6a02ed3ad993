"""Sorting and selection against PyTorch, one line per case: values, indices (ties and
NaN included), dtypes, grad_fn names and gradients, then the named tuples and torch's
errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, H, I, R, T, case, check  # noqa: E402

F64 = np.float64
NAN = np.nan
EMPTY = np.zeros((0, 3), np.float32)


def arr(x, dtype=np.float32):
    return np.asarray(x, dtype=dtype)


def with_nan(a, every=4):
    """`a` with every `every`-th element NaN."""
    a = a.copy()
    a.reshape(-1)[::every] = NAN
    return a


NAN_ROWS = arr([[1.0, NAN, 5.0, 0.0], [2.0, 1.0, NAN, NAN], [NAN, NAN, NAN, NAN]])
TIES = H(4, 9)  # whole numbers in [-2, 2]: many equal values per line

CASES = [
    # ---- sort / argsort / msort ----
    case("sort", lambda L, a: a.sort(), R(3, 5)),
    case("sort_dim0", lambda L, a: a.sort(0), R(3, 5)),
    case("sort_descending", lambda L, a: a.sort(1, True), R(3, 5)),
    case("sort_kw", lambda L, a: L.sort(a, dim=0, descending=True), R(3, 5)),
    case("sort_stable", lambda L, a: a.sort(stable=True), TIES),
    case("sort_stable_descending", lambda L, a: L.sort(a, stable=True, dim=0, descending=True), TIES),
    case("sort_stable_false", lambda L, a: a.sort(stable=False), R(3, 5)),
    case("sort_ties", lambda L, a: a.sort(), TIES),
    case("sort_ties_descending", lambda L, a: a.sort(descending=True), TIES),
    case("sort_nan", lambda L, a: a.sort(), NAN_ROWS),
    case("sort_nan_descending", lambda L, a: a.sort(descending=True), NAN_ROWS),
    case("sort_strided", lambda L, a: a.sort(0), T(R(4, 3))),
    case("sort_3d_middle", lambda L, a: a.sort(1), R(2, 5, 3)),
    case("sort_int", lambda L, a: a.sort(), I(3, 7)),
    case("sort_int32_descending", lambda L, a: a.sort(descending=True), I(3, 7, dtype=np.int32)),
    case("sort_bool", lambda L, a: a.sort(), B(3, 7)),
    case("sort_f64", lambda L, a: a.sort(0), R(4, 3, dtype=F64)),
    case("sort_0d", lambda L, a: a.sort(), R()),
    case("sort_0d_dim0", lambda L, a: a.sort(0), R()),
    case("sort_empty", lambda L, a: a.sort(0), EMPTY),
    case("sort_empty_dim", lambda L, a: a.sort(1), np.zeros((2, 0), np.float32)),
    case("sort_long_lines", lambda L, a: a.sort(), H(8, 5000)),
    case("sort_values_attr", lambda L, a: a.sort().values, R(3, 4)),
    case("sort_indices_attr", lambda L, a: a.sort().indices, R(3, 4)),
    case("argsort", lambda L, a: a.argsort(), TIES),
    case("argsort_descending", lambda L, a: L.argsort(a, 0, True), TIES),
    case("argsort_stable", lambda L, a: L.argsort(a, stable=True, descending=True), TIES),
    case("argsort_nan", lambda L, a: a.argsort(), NAN_ROWS),
    case("argsort_int", lambda L, a: a.argsort(dim=0), I(4, 3)),
    case("msort", lambda L, a: a.msort(), R(4, 3)),
    case("msort_fn_ties", lambda L, a: L.msort(a), TIES),
    case("msort_1d", lambda L, a: L.msort(a), R(6)),
    # ---- topk ----
    case("topk", lambda L, a: a.topk(2), R(3, 6)),
    case("topk_dim0", lambda L, a: a.topk(2, 0), R(4, 3)),
    case("topk_smallest", lambda L, a: a.topk(3, largest=False), R(3, 6)),
    case("topk_unsorted", lambda L, a: a.topk(4, sorted=False), R(3, 6)),
    case("topk_unsorted_smallest", lambda L, a: L.topk(a, 4, largest=False, sorted=False), R(3, 6)),
    case("topk_fn", lambda L, a: L.topk(a, k=2, dim=1), R(3, 6)),
    case("topk_ties", lambda L, a: a.topk(5), TIES),
    case("topk_ties_smallest", lambda L, a: a.topk(5, largest=False), TIES),
    case("topk_ties_partial_sort", lambda L, a: a.topk(3), H(3, 400)),
    case("topk_ties_partial_sort_unsorted", lambda L, a: a.topk(3, sorted=False), H(3, 400)),
    case("topk_ties_nth_element_unsorted", lambda L, a: a.topk(20, sorted=False), H(3, 400)),
    case("topk_nan", lambda L, a: a.topk(2), NAN_ROWS),
    case("topk_nan_smallest", lambda L, a: a.topk(3, largest=False), NAN_ROWS),
    case("topk_all", lambda L, a: a.topk(6), R(2, 6)),
    case("topk_zero", lambda L, a: a.topk(0), R(2, 6)),
    case("topk_0d", lambda L, a: a.topk(1), R()),
    case("topk_0d_zero", lambda L, a: a.topk(0), R()),
    case("topk_int", lambda L, a: a.topk(3), I(3, 8)),
    case("topk_f64_strided", lambda L, a: a.topk(2, 0), T(R(4, 3, dtype=F64))),
    case("topk_empty", lambda L, a: a.topk(0, 1), np.zeros((2, 0), np.float32)),
    # ---- kthvalue ----
    case("kthvalue", lambda L, a: a.kthvalue(2), R(3, 5)),
    case("kthvalue_dim0_keepdim", lambda L, a: a.kthvalue(3, 0, True), R(4, 3)),
    case("kthvalue_fn_kw", lambda L, a: L.kthvalue(a, k=1, dim=1, keepdim=False), R(3, 5)),
    case("kthvalue_ties", lambda L, a: a.kthvalue(4), TIES),
    case("kthvalue_ties_last", lambda L, a: a.kthvalue(9), TIES),
    case("kthvalue_ties_long", lambda L, a: a.kthvalue(37), H(5, 100)),
    case("kthvalue_nan", lambda L, a: a.kthvalue(2), NAN_ROWS),
    case("kthvalue_nan_last", lambda L, a: a.kthvalue(4), NAN_ROWS),
    case("kthvalue_0d", lambda L, a: a.kthvalue(1), R()),
    case("kthvalue_int", lambda L, a: a.kthvalue(3), I(3, 7)),
    case("kthvalue_strided_f64", lambda L, a: a.kthvalue(2, 0), T(R(4, 3, dtype=F64))),
    case("kthvalue_empty_other", lambda L, a: a.kthvalue(1, 1), EMPTY),
    # ---- median / nanmedian ----
    case("median_all", lambda L, a: a.median(), R(3, 5)),
    case("median_all_even", lambda L, a: L.median(a), R(4, 4)),
    case("median_all_ties", lambda L, a: a.median(), TIES),
    case("median_all_nan", lambda L, a: a.median(), NAN_ROWS),
    case("median_all_int", lambda L, a: a.median(), I(3, 4)),
    case("median_all_0d", lambda L, a: a.median(), R()),
    case("median_all_empty", lambda L, a: a.median(), EMPTY),
    case("median_all_empty_int", lambda L, a: a.median(), np.zeros((0,), np.int64)),
    case("median_all_empty_int32", lambda L, a: a.median(), np.zeros((0,), np.int32)),
    case("median_dim", lambda L, a: a.median(1), R(3, 5)),
    case("median_dim_even", lambda L, a: a.median(0), R(4, 3)),
    case("median_dim_keepdim", lambda L, a: L.median(a, dim=1, keepdim=True), R(3, 4)),
    case("median_dim_ties", lambda L, a: a.median(1), TIES),
    case("median_dim_ties_long", lambda L, a: a.median(1), H(4, 101)),
    case("median_dim_nan", lambda L, a: a.median(1), NAN_ROWS),
    case("median_dim_0d", lambda L, a: a.median(0), R()),
    case("median_dim_int", lambda L, a: a.median(0), I(5, 3)),
    case("median_dim_strided", lambda L, a: a.median(0), T(R(4, 3))),
    case("median_dim_empty_other", lambda L, a: a.median(1), EMPTY),
    case("nanmedian_all", lambda L, a: a.nanmedian(), with_nan(R(3, 5))),
    case("nanmedian_all_ties", lambda L, a: L.nanmedian(a), with_nan(TIES, 3)),
    case("nanmedian_all_only_nan", lambda L, a: a.nanmedian(), arr([NAN, NAN, NAN])),
    case("nanmedian_all_int", lambda L, a: a.nanmedian(), I(3, 4)),
    case("nanmedian_all_empty", lambda L, a: a.nanmedian(), EMPTY),
    case("nanmedian_dim", lambda L, a: a.nanmedian(1), NAN_ROWS),
    case("nanmedian_dim_ties", lambda L, a: a.nanmedian(1), with_nan(H(4, 31), 5)),
    case("nanmedian_dim_all_nan_lines", lambda L, a: a.nanmedian(1),
         np.full((4, 40), NAN, np.float32)),
    case("nanmedian_dim_keepdim", lambda L, a: L.nanmedian(a, 0, True), with_nan(R(5, 3), 2)),
    case("nanmedian_dim_int", lambda L, a: a.nanmedian(1), I(3, 6)),
    # ---- cummax / cummin ----
    case("cummax", lambda L, a: a.cummax(1), R(3, 5)),
    case("cummax_dim0", lambda L, a: L.cummax(a, 0), R(3, 5)),
    case("cummax_ties", lambda L, a: a.cummax(1), TIES),
    case("cummax_nan", lambda L, a: a.cummax(1), NAN_ROWS),
    case("cummax_int", lambda L, a: a.cummax(-1), I(3, 6)),
    case("cummax_bool", lambda L, a: a.cummax(1), B(3, 6)),
    case("cummax_0d", lambda L, a: a.cummax(0), R()),
    case("cummax_empty", lambda L, a: a.cummax(0), EMPTY),
    case("cummax_strided_f64", lambda L, a: a.cummax(0), T(R(4, 3, dtype=F64))),
    case("cummin", lambda L, a: a.cummin(1), R(3, 5)),
    case("cummin_fn_kw", lambda L, a: L.cummin(a, dim=0), R(3, 5)),
    case("cummin_ties", lambda L, a: a.cummin(0), TIES),
    case("cummin_nan", lambda L, a: a.cummin(1), NAN_ROWS),
    case("cummin_int32", lambda L, a: a.cummin(1), I(3, 6, dtype=np.int32)),
    case("cummin_bool", lambda L, a: a.cummin(0), B(3, 6)),
    # ---- composed ----
    case("sort_then_cumsum", lambda L, a: a.sort(1)[0].cumsum(1).sum(), R(3, 5)),
    case("topk_of_cummax", lambda L, a: a.cummax(1)[0].topk(2)[0] * 2, R(3, 5)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("op", [
    lambda L: L.tensor([3.0, 1.0, 2.0]).sort(),
    lambda L: L.tensor([[3, 1], [2, 2]]).topk(1),
    lambda L: L.tensor([3.0, 1.0, 2.0]).kthvalue(2),
    lambda L: L.tensor([3.0, 1.0, 2.0]).median(0),
    lambda L: L.tensor([3.0, NAN, 2.0]).nanmedian(0),
    lambda L: L.tensor([1.0, 3.0, 2.0], requires_grad=True).cummax(0),
    lambda L: L.tensor([1.0, 3.0, 2.0]).cummin(0),
], ids=["sort", "topk", "kthvalue", "median", "nanmedian", "cummax", "cummin"])
def test_named_tuples_print_and_unpack_as_torch(op):
    ours, theirs = op(cgrad), op(torch)
    assert repr(ours) == repr(theirs).replace("torch.", "cgrad.")
    assert type(ours).__name__ == type(theirs).__name__
    assert type(ours).__module__ == "cgrad.return_types"
    values, indices = ours
    assert values is ours.values and indices is ours[1]


def test_random_ties_match_torch_indices():
    # kthvalue, median and topk report one of several tied elements: the index each picks
    # must be torch's on many small lines with few distinct values (and NaN).
    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(1, 40))
        x = rng.integers(0, 4, (3, n)).astype(np.float32)
        x[rng.random((3, n)) < 0.1] = NAN
        k = int(rng.integers(1, n + 1))
        for fn in (lambda L, t: t.kthvalue(k), lambda L, t: t.median(1),
                   lambda L, t: t.nanmedian(1), lambda L, t: t.topk(k, sorted=False),
                   lambda L, t: t.topk(k, largest=False)):
            ours, theirs = fn(cgrad, cgrad.tensor(x)), fn(torch, torch.tensor(x))
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy(),
                                          err_msg=f"trial {trial}")


ERRORS = [
    error_case("sort_dim_out_of_range", lambda L: L.ones(2, 3).sort(2)),
    error_case("sort_0d_dim_out_of_range", lambda L: L.ones(()).sort(1)),
    error_case("argsort_dim_out_of_range", lambda L: L.ones(3).argsort(-2)),
    error_case("topk_k_too_large", lambda L: L.ones(3).topk(4)),
    error_case("topk_k_negative", lambda L: L.ones(3).topk(-1)),
    error_case("topk_0d_k_too_large", lambda L: L.ones(()).topk(2)),
    error_case("topk_bool", lambda L: L.ones(3, dtype=L.bool).topk(1)),
    error_case("topk_dim_out_of_range", lambda L: L.ones(2, 3).topk(1, 2)),
    error_case("kthvalue_k_too_large", lambda L: L.ones(3).kthvalue(4)),
    error_case("kthvalue_k_zero", lambda L: L.ones(3).kthvalue(0)),
    error_case("kthvalue_0d_k", lambda L: L.ones(()).kthvalue(2)),
    error_case("kthvalue_empty_dim", lambda L: L.ones(0).kthvalue(1)),
    error_case("kthvalue_bool", lambda L: L.ones(3, dtype=L.bool).kthvalue(1)),
    error_case("median_bool", lambda L: L.ones(3, dtype=L.bool).median()),
    error_case("median_dim_bool", lambda L: L.ones(3, dtype=L.bool).median(0)),
    error_case("nanmedian_bool", lambda L: L.ones(3, dtype=L.bool).nanmedian()),
    error_case("median_empty_dim", lambda L: L.ones(0).median(0)),
    error_case("median_empty_dim_2d", lambda L: L.ones(3, 0).median(1)),
    error_case("nanmedian_empty_dim", lambda L: L.ones(3, 0).nanmedian(-1)),
    error_case("median_dim_out_of_range", lambda L: L.ones(()).median(1)),
    error_case("cummax_dim_out_of_range", lambda L: L.ones(2, 3).cummax(2)),
    error_case("cummin_dim_out_of_range", lambda L: L.ones(2, 3).cummin(-3)),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)
