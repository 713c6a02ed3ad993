"""take, take_along_dim, masked_select, one-argument where, clamp with tensor bounds, diff,
kron, tensordot, inner, cdist and norm's p variants against PyTorch, one line per case."""
import math

import numpy as np
import pytest

from error_parity import check_error, error_case
from parity import B, H, I, R, T, case, check, torch
import cgrad

INF = math.inf


def idx(*values):
    return np.array(values, np.int64)


def long_tensor(L, *values):
    return L.tensor(list(values), dtype=L.int64)


CASES = [
    # take: positions into the flattened input, negative ones wrap, repeats add up
    case("take", lambda L, a: L.take(a, long_tensor(L, 0, 5, -1, 5)), R(3, 4)),
    case("take_2d_index", lambda L, a: a.take(L.tensor([[1, 2], [3, -12]])), R(3, 4)),
    case("take_strided", lambda L, a: L.take(a, long_tensor(L, 1, 4, 7)), T(R(3, 4, dtype=np.float64))),
    case("take_0d_input", lambda L, a: L.take(a, long_tensor(L, 0, 0)), R()),
    case("take_int", lambda L, a: L.take(a, long_tensor(L, 2, 0)), I(2, 3)),
    case("take_empty_index", lambda L, a: L.take(a, L.tensor([], dtype=L.int64)), R(0)),
    # take_along_dim: gather after broadcasting, or along the flattened input
    case("take_along_dim", lambda L, a: L.take_along_dim(a, L.tensor([[1], [0], [3]]), dim=1), R(3, 4)),
    case("take_along_dim_broadcast", lambda L, a: L.take_along_dim(a, L.tensor([[1, 0, 2]]), dim=0),
         R(3, 3, dtype=np.float64)),
    case("take_along_dim_index_broadcast", lambda L, a: a.take_along_dim(L.tensor([[2], [0]]), 1), R(1, 4)),
    case("take_along_dim_flat", lambda L, a: L.take_along_dim(a, L.tensor([0, 11, 5, 5])), R(3, 4)),
    case("take_along_dim_negative_dim", lambda L, a: L.take_along_dim(a, L.tensor([[[0, 1]]]), dim=-1),
         R(2, 3, 4)),
    case("take_along_dim_argsort_like", lambda L, a: L.take_along_dim(a, a.argmax(dim=1, keepdim=True), dim=1),
         R(4, 5)),
    # masked_select: a 1-d result, input and mask broadcast
    case("masked_select", lambda L, a, m: L.masked_select(a, m), R(3, 4), B(3, 4)),
    case("masked_select_mask_broadcast", lambda L, a, m: a.masked_select(m), R(3, 4), B(4)),
    case("masked_select_input_broadcast", lambda L, a, m: L.masked_select(a, m), R(4, dtype=np.float64), B(3, 4)),
    case("masked_select_strided", lambda L, a, m: L.masked_select(a, m), T(R(4, 3)), B(3, 4)),
    case("masked_select_none", lambda L, a: L.masked_select(a, a > 10), R(3, 4)),
    case("masked_select_0d", lambda L, a: L.masked_select(a, L.tensor(True)), R()),
    case("masked_select_int", lambda L, a, m: L.masked_select(a, m), I(5), B(5)),
    # where(condition): nonzero as a tuple
    case("where_one_arg", lambda L, c: L.where(c), B(3, 4)),
    case("where_one_arg_float", lambda L, a: L.where(a), H(2, 3, 2)),
    case("where_one_arg_0d", lambda L: L.where(L.tensor(True))),
    case("where_method", lambda L, a, b: a.where(a > 0, b), R(3, 4), R(4)),
    case("where_method_scalar", lambda L, a: a.where(a > 0, 0.5), R(3, 4)),
    # clamp with tensor bounds (ClampBackward0) and one-sided clamps (ClampMinBackward1)
    case("clamp_tensor_min", lambda L, a, lo: L.clamp(a, min=lo), R(3, 4), R(4)),
    case("clamp_tensor_both", lambda L, a, lo, hi: a.clamp(lo, hi), R(3, 4), R(3, 1, low=-2, high=0),
         R(4, low=0, high=2)),
    case("clamp_tensor_max_f64", lambda L, a, hi: L.clamp(a, max=hi), R(2, 3, dtype=np.float64), R(2, 3)),
    case("clip_tensor", lambda L, a, lo, hi: L.clip(a, lo, hi), R(5), R(5, low=-2, high=0), R(5, low=0, high=2)),
    case("clamp_min_tensor", lambda L, a, lo: L.clamp_min(a, lo), R(3, 4), R(3, 4)),
    case("clamp_max_tensor", lambda L, a, hi: a.clamp_max(hi), R(3, 4), R(1, 4)),
    case("clamp_int_tensor_bounds", lambda L, a, lo: L.clamp(a, min=lo), I(6), I(6)),
    case("clamp_inplace_tensor", lambda L, a, lo: (a * 1).clamp_(min=lo), R(3, 4), R(4)),
    # diff: n-th differences along a dim, with prepend / append
    case("diff", lambda L, a: L.diff(a), R(3, 4)),
    case("diff_dim0_n2", lambda L, a: a.diff(n=2, dim=0), R(4, 3, dtype=np.float64)),
    case("diff_prepend_append", lambda L, a, p, q: L.diff(a, dim=1, prepend=p, append=q), R(3, 4), R(3, 2), R(3, 1)),
    case("diff_n_beyond_length", lambda L, a: L.diff(a, n=5), R(2, 3)),
    case("diff_n0", lambda L, a: L.diff(a, n=0), R(2, 3)),
    case("diff_int", lambda L, a: L.diff(a), I(5)),
    case("diff_int_append_float", lambda L, a, q: L.diff(a, n=2, append=q), I(3), R(1)),
    case("diff_bool", lambda L, a: L.diff(a), B(6)),
    case("diff_strided", lambda L, a: L.diff(a, dim=0), T(R(4, 3))),
    # kron
    case("kron", lambda L, a, b: L.kron(a, b), R(2, 3), R(3, 2)),
    case("kron_rank_mismatch", lambda L, a, b: a.kron(b), R(3), R(2, 2, dtype=np.float64)),
    case("kron_3d", lambda L, a, b: L.kron(a, b), R(2, 1, 2), R(3, 2)),
    case("kron_0d", lambda L, a, b: L.kron(a, b), R(), R(3)),
    case("kron_int_float", lambda L, a, b: L.kron(a, b), I(2), R(2, 2)),
    case("kron_bool", lambda L, a, b: L.kron(a, b), B(2), B(3)),
    case("kron_sliced_view", lambda L, a, b: L.kron(a[:, ::2], b), R(3, 4), R(2)),
    # tensordot
    case("tensordot_default", lambda L, a, b: L.tensordot(a, b), R(2, 3, 4), R(3, 4, 5)),
    case("tensordot_int_dims", lambda L, a, b: L.tensordot(a, b, dims=1), R(3, 4), R(4, 5)),
    case("tensordot_zero_dims", lambda L, a, b: L.tensordot(a, b, dims=0), R(2, 3), R(4)),
    case("tensordot_lists", lambda L, a, b: L.tensordot(a, b, dims=([1, 0], [0, 2])), R(3, 4, 2), R(4, 5, 3)),
    case("tensordot_list_of_lists", lambda L, a, b: L.tensordot(a, b, [[0], [-1]]), R(3, 4), R(5, 3)),
    case("tensordot_broadcast_dim", lambda L, a, b: L.tensordot(a, b, dims=([1], [0])), R(3, 1), R(4, 5)),
    case("tensordot_tensor_dims", lambda L, a, b: L.tensordot(a, b, dims=L.tensor([[1], [0]])), R(3, 4), R(4, 2)),
    case("tensordot_int64", lambda L, a, b: L.tensordot(a, b, dims=1), I(3, 4), I(4, 2)),
    case("tensordot_strided_f64", lambda L, a, b: L.tensordot(a, b, dims=([0], [1])),
         T(R(4, 3, dtype=np.float64)), R(2, 3, dtype=np.float64)),
    case("tensordot_every_dim", lambda L, a, b: L.tensordot(a, b, dims=([0, 1], [0, 1])), R(2, 3),
         R(2, 3)),
    # inner: tensordot over the last dims (a dot for two vectors), a product with a 0-d
    case("inner_1d", lambda L, a, b: L.inner(a, b), R(3), R(3)),
    case("inner_method_2d_1d", lambda L, a, b: a.inner(b), R(2, 3), R(3)),
    case("inner_1d_2d", lambda L, a, b: L.inner(a, b), R(3), R(2, 3)),
    case("inner_3d_2d", lambda L, a, b: L.inner(a, b), R(4, 2, 3), R(5, 3)),
    case("inner_0d", lambda L, a, b: L.inner(a, b), R(), R(2, 3)),
    case("inner_0d_int_promotes", lambda L, a, b: L.inner(a, b), R(), I(4)),
    case("inner_int64", lambda L, a, b: L.inner(a, b), I(2, 3), I(3)),
    # cdist: every p, batches, both p = 2 paths
    case("cdist", lambda L, a, b: L.cdist(a, b), R(3, 4), R(5, 4)),
    case("cdist_p1", lambda L, a, b: L.cdist(a, b, p=1), R(3, 4), R(5, 4)),
    case("cdist_p0", lambda L, a, b: L.cdist(a, b, p=0), H(3, 4), H(5, 4)),
    case("cdist_pinf", lambda L, a, b: L.cdist(a, b, p=INF), R(3, 4, dtype=np.float64), R(5, 4, dtype=np.float64)),
    case("cdist_p3", lambda L, a, b: L.cdist(a, b, p=3), R(3, 4, dtype=np.float64), R(2, 4, dtype=np.float64)),
    case("cdist_p_half", lambda L, a, b: L.cdist(a, b, p=0.5), R(3, 4, dtype=np.float64), R(2, 4, dtype=np.float64)),
    case("cdist_p1_5", lambda L, a, b: L.cdist(a, b, p=1.5), R(3, 2, dtype=np.float64), R(4, 2, dtype=np.float64)),
    case("cdist_batch_broadcast", lambda L, a, b: L.cdist(a, b), R(2, 3, 4), R(1, 5, 4)),
    case("cdist_batch_rank", lambda L, a, b: L.cdist(a, b, p=1), R(3, 4), R(2, 5, 4, dtype=np.float32)),
    case("cdist_mm_path", lambda L, a, b: L.cdist(a, b), R(30, 4, dtype=np.float64), R(5, 4, dtype=np.float64)),
    case("cdist_mm_path_batch", lambda L, a, b: L.cdist(a, b), R(2, 30, 3, dtype=np.float64), R(2, 4, 3, dtype=np.float64)),
    case("cdist_mm_forced", lambda L, a, b: L.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
         R(3, 4, dtype=np.float64), R(2, 4, dtype=np.float64)),
    case("cdist_mm_refused", lambda L, a, b: L.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
         R(30, 4, dtype=np.float64), R(2, 4, dtype=np.float64)),
    case("cdist_same_points", lambda L, a: L.cdist(a, a.detach(), p=2), R(3, 4, dtype=np.float64)),
    case("cdist_empty_rows", lambda L, a, b: L.cdist(a, b), R(0, 4), R(5, 4)),
    case("cdist_no_columns", lambda L, a, b: L.cdist(a, b), R(3, 0), R(5, 0)),
    # norm's p variants (a vector norm over the given dims)
    case("norm_fro", lambda L, a: L.norm(a, p="fro"), R(3, 4)),
    case("norm_fro_dims", lambda L, a: L.norm(a, p="fro", dim=(0, 1)), R(3, 4)),
    case("norm_inf", lambda L, a: L.norm(a, p=INF), R(3, 4)),
    case("norm_neg_inf_dim", lambda L, a: a.norm(p=-INF, dim=1), R(3, 4)),
    case("norm_zero", lambda L, a: L.norm(a, p=0, dim=0), H(3, 4)),
    case("norm_fractional", lambda L, a: L.norm(a, p=0.5, dim=1, keepdim=True), R(3, 4, dtype=np.float64)),
    case("norm_three", lambda L, a: L.norm(a, 3), R(5, dtype=np.float64)),
    case("norm_one_dims", lambda L, a: L.norm(a, p=1, dim=[0, 2]), R(2, 3, 4)),
]


@pytest.mark.parametrize("fn, inputs, grad", CASES)
def test_selection_math_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


ERRORS = [
    error_case("inner_last_dims", lambda L: L.inner(L.ones(3), L.ones(4))),
    error_case("inner_last_dims_before_dtypes", lambda L: L.inner(L.ones(3), L.ones(4, dtype=L.int64))),
    error_case("inner_dtypes", lambda L: L.inner(L.ones(3), L.ones(3, dtype=L.int64))),
    error_case("inner_out_dtype", lambda L: L.inner(L.ones(3), L.ones(3), out=L.empty(0, dtype=L.int64))),
    error_case("take_out_of_range", lambda L: L.take(L.zeros(3, 4), long_tensor(L, 12))),
    error_case("take_negative_out_of_range", lambda L: L.take(L.zeros(3, 4), long_tensor(L, -13))),
    error_case("take_int32_index", lambda L: L.take(L.zeros(3), L.tensor([1], dtype=L.int32))),
    error_case("take_float_index", lambda L: L.take(L.zeros(3), L.tensor([1.0]))),
    error_case("take_from_empty", lambda L: L.take(L.zeros(0), long_tensor(L, 0))),
    error_case("take_along_dim_float_index", lambda L: L.take_along_dim(L.zeros(3, 4), L.tensor([[1.0]]), dim=0)),
    error_case("take_along_dim_ranks", lambda L: L.take_along_dim(L.zeros(3, 4), long_tensor(L, 1), dim=0)),
    error_case("take_along_dim_broadcast", lambda L: L.take_along_dim(L.zeros(3, 4), L.tensor([[1, 0]]), dim=0)),
    error_case("take_along_dim_bad_dim", lambda L: L.take_along_dim(L.zeros(3, 4), L.tensor([[1]]), dim=2)),
    error_case("masked_select_float_mask", lambda L: L.masked_select(L.zeros(3), L.ones(3))),
    error_case("masked_select_shapes", lambda L: L.masked_select(L.zeros(3, 4), L.ones(3, 5, dtype=L.bool))),
    error_case("where_two_args", lambda L: L.where(L.zeros(3) > 0, L.zeros(3)), match=None),
    error_case("diff_negative_n", lambda L: L.diff(L.zeros(3), n=-1)),
    error_case("diff_0d", lambda L: L.diff(L.tensor(1.0))),
    error_case("diff_prepend_rank", lambda L: L.diff(L.zeros(3, 4), prepend=L.ones(4))),
    error_case("diff_prepend_shape", lambda L: L.diff(L.zeros(3, 4), prepend=L.ones(2, 4))),
    error_case("diff_prepend_number", lambda L: L.diff(L.zeros(3, 4), prepend=2.0)),
    error_case("diff_bad_dim", lambda L: L.diff(L.zeros(3, 4), dim=2)),
    error_case("kron_non_viewable", lambda L: L.kron(L.zeros(3, 4).t(), L.zeros(2))),
    error_case("tensordot_negative_dims", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5), dims=-1)),
    error_case("tensordot_too_many_dims", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5), dims=3)),
    error_case("tensordot_sizes", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5), dims=2)),
    error_case("tensordot_list_sizes", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5), dims=([0], [1]))),
    error_case("tensordot_list_lengths", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5), dims=([1, 0], [0]))),
    error_case("tensordot_repeated_dim", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5), dims=([1, 1], [0, 0]))),
    error_case("tensordot_dtypes", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5, dtype=L.float64), dims=1)),
    error_case("tensordot_float_dims", lambda L: L.tensordot(L.zeros(3, 4), L.zeros(4, 5), 1.5)),
    error_case("cdist_negative_p", lambda L: L.cdist(L.zeros(3, 4), L.zeros(5, 4), p=-1)),
    error_case("cdist_int", lambda L: L.cdist(L.zeros(3, 4, dtype=L.int64), L.zeros(5, 4, dtype=L.int64))),
    error_case("cdist_dtypes", lambda L: L.cdist(L.zeros(3, 4), L.zeros(5, 4, dtype=L.float64))),
    error_case("cdist_columns", lambda L: L.cdist(L.zeros(3, 4), L.zeros(5, 3))),
    error_case("cdist_1d", lambda L: L.cdist(L.zeros(4), L.zeros(5, 4))),
    error_case("cdist_batches", lambda L: L.cdist(L.zeros(2, 3, 4), L.zeros(3, 5, 4))),
    error_case("cdist_compute_mode", lambda L: L.cdist(L.zeros(3, 4), L.zeros(5, 4), compute_mode="bad")),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_selection_math_errors_match_torch(fn, match):
    check_error(fn, match)

