"""Rearranging, repeating, triangles and diagonals against PyTorch, one line per case:
values, dtypes, grad_fn names and gradients, then torch's errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, I, R, T, case, check  # noqa: E402

F64 = np.float64
EMPTY = np.zeros((0, 3), np.float32)

CASES = [
    # ---- flip ----
    case("flip_dim0", lambda L, a: a.flip(0), R(3, 4)),
    case("flip_last", lambda L, a: a.flip(-1), R(3, 4)),
    case("flip_two_dims", lambda L, a: a.flip(0, 2), R(2, 3, 4)),
    case("flip_tuple", lambda L, a: a.flip((1, 2)), R(2, 3, 4)),
    case("flip_dims_kw", lambda L, a: a.flip(dims=[0]), R(2, 3)),
    case("flip_fn", lambda L, a: L.flip(a, (0, 1)), R(3, 4)),
    case("flip_none", lambda L, a: a.flip(()), R(3, 4)),
    case("flip_strided", lambda L, a: a.flip(1), T(R(4, 3))),
    case("flip_0d", lambda L, a: a.flip(0), R()),
    case("flip_int", lambda L, a: a.flip(0), I(5)),
    case("flip_bool", lambda L, a: a.flip(1), B(2, 3)),
    case("flip_f64", lambda L, a: a.flip(0, 1), R(3, 4, dtype=F64)),
    case("flip_empty", lambda L, a: a.flip(0), EMPTY),
    case("flip_size1", lambda L, a: a.flip(0), R(1, 4)),
    case("flip_large", lambda L, a: a.flip(-1), R(64, 700)),
    case("fliplr", lambda L, a: a.fliplr(), R(3, 4)),
    case("fliplr_fn_3d", lambda L, a: L.fliplr(a), R(2, 3, 4)),
    case("flipud", lambda L, a: a.flipud(), R(3, 4)),
    case("flipud_fn_1d", lambda L, a: L.flipud(a), R(5)),
    # ---- roll ----
    case("roll_dim", lambda L, a: a.roll(1, 0), R(3, 4)),
    case("roll_negative", lambda L, a: a.roll(-1, 1), R(3, 4)),
    case("roll_more_than_size", lambda L, a: a.roll(9, -1), R(3, 4)),
    case("roll_flat", lambda L, a: a.roll(5), R(3, 4)),
    case("roll_tuple", lambda L, a: a.roll((1, -2), (0, 2)), R(2, 3, 4)),
    case("roll_fn_kw", lambda L, a: L.roll(a, shifts=2, dims=1), R(3, 4)),
    case("roll_strided", lambda L, a: a.roll(1, 1), T(R(4, 3))),
    case("roll_int", lambda L, a: a.roll(2), I(5)),
    case("roll_flat_of_a_slice", lambda L, a: a[1:].roll(3), R(3, 4)),
    case("roll_flat_transposed", lambda L, a: a.t().roll(1), R(3, 4)),
    case("roll_empty", lambda L, a: a.roll(1, 1), EMPTY),
    case("roll_zero", lambda L, a: a.roll(0, 0), R(3)),
    # ---- repeat / tile ----
    case("repeat", lambda L, a: a.repeat(2, 3), R(2, 3)),
    case("repeat_tuple", lambda L, a: a.repeat((1, 2)), R(2, 3)),
    case("repeat_new_dims", lambda L, a: a.repeat(2, 1, 1, 2), R(2, 3)),
    case("repeat_ones", lambda L, a: a.repeat(1, 1), R(2, 3)),
    case("repeat_zero", lambda L, a: a.repeat(0, 2), R(2, 3)),
    case("repeat_0d", lambda L, a: a.repeat(3), R()),
    case("repeat_strided", lambda L, a: a.repeat(2, 2), T(R(4, 3))),
    case("repeat_int", lambda L, a: a.repeat(2), I(3)),
    case("repeat_size1_dim", lambda L, a: a.repeat(1, 4), R(3, 1)),
    case("tile", lambda L, a: a.tile(2), R(2, 3)),
    case("tile_fn", lambda L, a: L.tile(a, (2, 1, 2)), R(2, 3)),
    case("tile_fewer", lambda L, a: a.tile((3,)), R(2, 2, 3)),
    # ---- repeat_interleave ----
    case("repeat_interleave_flat", lambda L, a: a.repeat_interleave(2), R(2, 3)),
    case("repeat_interleave_dim", lambda L, a: a.repeat_interleave(3, dim=1), R(2, 3)),
    case("repeat_interleave_neg_dim", lambda L, a: a.repeat_interleave(2, -2), R(2, 3)),
    case("repeat_interleave_zero", lambda L, a: a.repeat_interleave(0, 0), R(2, 3)),
    case("repeat_interleave_tensor", lambda L, a: a.repeat_interleave(L.tensor([1, 0, 2]), dim=1),
         R(2, 3)),
    case("repeat_interleave_tensor_0d", lambda L, a: a.repeat_interleave(L.tensor(2), dim=0),
         R(2, 3)),
    case("repeat_interleave_tensor_flat", lambda L, a: L.repeat_interleave(
        a, L.tensor([1, 2, 0, 1, 1, 3])), R(2, 3)),
    case("repeat_interleave_output_size", lambda L, a: a.repeat_interleave(
        L.tensor([1, 2]), dim=0, output_size=3), R(2, 3)),
    case("repeat_interleave_index", lambda L, r: L.repeat_interleave(r),
         np.array([2, 0, 3, 1], np.int64)),
    case("repeat_interleave_index_int32", lambda L, r: L.repeat_interleave(r),
         np.array([1, 2], np.int32)),
    case("repeat_interleave_int", lambda L, a: a.repeat_interleave(2, 0), I(3)),
    # ---- tril / triu ----
    case("tril", lambda L, a: a.tril(), R(4, 4)),
    case("tril_k", lambda L, a: a.tril(1), R(3, 5)),
    case("tril_neg_k", lambda L, a: L.tril(a, -2), R(5, 3)),
    case("tril_batched", lambda L, a: a.tril(diagonal=1), R(2, 3, 4)),
    case("tril_far_k", lambda L, a: a.tril(-9), R(3, 4)),
    case("triu", lambda L, a: a.triu(), R(4, 4)),
    case("triu_k", lambda L, a: L.triu(a, 2), R(3, 5)),
    case("triu_strided", lambda L, a: a.triu(-1), T(R(4, 3))),
    case("triu_int", lambda L, a: a.triu(), I(3, 3)),
    case("triu_bool", lambda L, a: a.tril(), B(3, 3)),
    case("tril_inplace", lambda L, a: (a * 1).tril_(), R(3, 4)),
    case("triu_inplace_k", lambda L, a: (a * 1).triu_(1), R(3, 4)),
    case("triu_inplace_view", lambda L, a: (a * 1)[:, 1:].triu_(), R(3, 4)),
    # ---- diagonal / diag_embed / diag / trace ----
    case("diagonal", lambda L, a: a.diagonal(), R(3, 4)),
    case("diagonal_offset", lambda L, a: a.diagonal(1), R(3, 4)),
    case("diagonal_neg_offset", lambda L, a: L.diagonal(a, -1), R(3, 4)),
    case("diagonal_out_of_band", lambda L, a: a.diagonal(7), R(3, 4)),
    case("diagonal_dims", lambda L, a: a.diagonal(0, 2, 0), R(3, 2, 4)),
    case("diagonal_kw", lambda L, a: a.diagonal(offset=1, dim1=-1, dim2=-2), R(2, 3, 4)),
    case("diagonal_strided", lambda L, a: a.diagonal(), T(R(4, 3))),
    case("diagonal_int", lambda L, a: a.diagonal(), I(3, 3)),
    case("diagonal_then_exp", lambda L, a: a.diagonal().exp(), R(3, 3)),
    case("diag_embed", lambda L, a: a.diag_embed(), R(3)),
    case("diag_embed_batched", lambda L, a: a.diag_embed(1), R(2, 3)),
    case("diag_embed_dims", lambda L, a: L.diag_embed(a, -1, 0, 2), R(2, 3)),
    case("diag_embed_int", lambda L, a: a.diag_embed(), I(3)),
    case("diag_vector", lambda L, a: a.diag(), R(3)),
    case("diag_vector_k", lambda L, a: L.diag(a, -2), R(3)),
    case("diag_matrix", lambda L, a: a.diag(), R(3, 4)),
    case("diag_matrix_k", lambda L, a: a.diag(diagonal=1), R(3, 4)),
    case("diag_matrix_strided", lambda L, a: a.diag(-1), T(R(4, 3))),
    case("trace", lambda L, a: a.trace(), R(3, 3)),
    case("trace_wide", lambda L, a: L.trace(a), R(2, 4)),
    case("trace_int", lambda L, a: a.trace(), I(3, 3)),
    case("trace_int32", lambda L, a: a.trace(), I(3, 2, dtype=np.int32)),
    case("trace_f64", lambda L, a: a.trace(), R(3, 3, dtype=F64)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_diagonal_is_a_view():
    for lib in (torch, cgrad):
        x = lib.zeros(3, 3)
        x.diagonal().fill_(1.0)
        assert x.sum().item() == 3.0
        assert x.diagonal(1)._base is x or lib is torch


def test_flip_does_not_alias():
    x = cgrad.arange(6.0)
    y = x.flip(0)
    x.add_(1)
    assert y.tolist() == [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]


ERRORS = [
    error_case("flip_repeated_dim", lambda L: L.ones(2, 3).flip(0, 0)),
    error_case("flip_dim_out_of_range", lambda L: L.ones(2, 3).flip(2)),
    error_case("flip_fn_int_dims", lambda L: L.flip(L.ones(2), 0)),
    error_case("flip_no_dims", lambda L: L.ones(2).flip()),
    error_case("fliplr_1d", lambda L: L.ones(3).fliplr()),
    error_case("flipud_0d", lambda L: L.ones(()).flipud()),
    error_case("roll_shifts_dims_mismatch", lambda L: L.ones(2, 3).roll((1, 2), (0,))),
    error_case("roll_two_shifts_no_dims", lambda L: L.ones(2, 3).roll((1, 2))),
    error_case("roll_no_shifts", lambda L: L.ones(2, 3).roll(())),
    error_case("roll_dim_out_of_range", lambda L: L.ones(2, 3).roll(1, 5)),
    error_case("repeat_too_few", lambda L: L.ones(2, 3).repeat(2)),
    error_case("repeat_negative", lambda L: L.ones(2, 3).repeat(-1, 2)),
    error_case("repeat_none", lambda L: L.ones(2, 3).repeat()),
    error_case("tile_negative", lambda L: L.ones(2, 3).tile(-1)),
    error_case("tile_none", lambda L: L.ones(2, 3).tile()),
    error_case("repeat_interleave_negative", lambda L: L.ones(2).repeat_interleave(-1)),
    error_case("repeat_interleave_float", lambda L: L.ones(2).repeat_interleave(2.0)),
    error_case("repeat_interleave_size_mismatch",
               lambda L: L.ones(2, 3).repeat_interleave(L.tensor([1, 2]))),
    error_case("repeat_interleave_2d_repeats",
               lambda L: L.ones(2, 3).repeat_interleave(L.tensor([[1]]), dim=0)),
    error_case("repeat_interleave_bad_output_size",
               lambda L: L.ones(2, 3).repeat_interleave(2, dim=1, output_size=5)),
    error_case("repeat_interleave_index_negative", lambda L: L.repeat_interleave(L.tensor([1, -2]))),
    error_case("repeat_interleave_index_float", lambda L: L.repeat_interleave(L.tensor([1.0]))),
    error_case("repeat_interleave_index_0d", lambda L: L.repeat_interleave(L.tensor(2))),
    error_case("tril_1d", lambda L: L.ones(3).tril()),
    error_case("triu_0d", lambda L: L.ones(()).triu_()),
    error_case("diagonal_same_dims", lambda L: L.ones(2, 3).diagonal(0, 0, -2)),
    error_case("diagonal_dim_out_of_range", lambda L: L.ones(2, 3).diagonal(0, 0, 2)),
    error_case("diagonal_0d", lambda L: L.ones(()).diagonal()),
    error_case("diag_embed_same_dims", lambda L: L.ones(2, 3).diag_embed(0, 2, 2)),
    error_case("diag_3d", lambda L: L.ones(2, 2, 2).diag()),
    error_case("trace_1d", lambda L: L.ones(3).trace()),
    error_case("trace_bool", lambda L: L.ones(2, 2, dtype=L.bool).trace()),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)
