"""Pooling against PyTorch, one line per case: values, indices, grad_fn names,
gradients, second derivatives, and torch's errors for bad arguments."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import F, H, R, T, case, check  # noqa: E402

F64 = np.float64
NAN, INF = float("nan"), float("inf")


POOL = [
    case("max2d", lambda L, x: F(L).max_pool2d(x, 2), R(2, 3, 6, 6)),
    case("max2d_stride_pad", lambda L, x: F(L).max_pool2d(x, 3, 2, 1), R(2, 3, 7, 6)),
    case("max2d_ceil", lambda L, x: F(L).max_pool2d(x, 3, 2, 1, ceil_mode=True), R(2, 3, 8, 7)),
    case("max2d_dilation", lambda L, x: F(L).max_pool2d(x, (3, 2), (2, 1), 1, dilation=2), R(2, 3, 9, 8)),
    case("max2d_indices", lambda L, x: F(L).max_pool2d(x, 2, return_indices=True), R(2, 3, 5, 6)),
    case("max2d_with_indices", lambda L, x: F(L).max_pool2d_with_indices(x, 3, 1, 1), R(1, 2, 5, 4)),
    case("max2d_ties", lambda L, x: F(L).max_pool2d(x, 2, 1, return_indices=True), H(2, 2, 5, 5)),
    case("max2d_unbatched", lambda L, x: F(L).max_pool2d(x, 2), R(3, 6, 5)),
    case("max2d_noncontiguous", lambda L, x: F(L).max_pool2d(x.transpose(2, 3), 2), R(2, 3, 6, 4)),
    case("max2d_f64", lambda L, x: F(L).max_pool2d(x, 2, ceil_mode=True), R(2, 3, 5, 5, dtype=F64)),
    case("max2d_nan", lambda L, x: F(L).max_pool2d(x, 2, return_indices=True),
         np.array([[[[NAN, 1.0], [NAN, 2.0]]]], np.float32)),
    case("max2d_all_minus_inf", lambda L, x: F(L).max_pool2d(x, 2, padding=1, return_indices=True),
         np.full((1, 1, 2, 2), -INF, np.float32)),
    # Regular windows take unrolled kernels (2 x 2 windows two columns apart: vectors of
    # outputs, then a scalar tail): NaN, -inf and ties as torch's, in both dtypes.
    case("max2d_vector_rows", lambda L, x: F(L).max_pool2d(x, 2, return_indices=True),
         np.where(np.arange(2 * 3 * 6 * 21).reshape(2, 3, 6, 21) % 7 == 3, NAN,
                  np.where(np.arange(2 * 3 * 6 * 21).reshape(2, 3, 6, 21) % 11 == 5, -INF,
                           R(2, 3, 6, 21))).astype(np.float32)),
    case("max2d_vector_rows_f64", lambda L, x: F(L).max_pool2d(x, 2, return_indices=True),
         np.where(np.arange(2 * 2 * 4 * 18).reshape(2, 2, 4, 18) % 5 == 1, NAN,
                  np.full((2, 2, 4, 18), -INF))),
    case("max2d_vector_ties", lambda L, x: F(L).max_pool2d(x, 2, return_indices=True), H(2, 2, 4, 16)),
    case("max2d_regular_3x3", lambda L, x: F(L).max_pool2d(x, 3, 2, return_indices=True), R(2, 3, 9, 11)),
    case("max2d_regular_2x3", lambda L, x: F(L).max_pool2d(x, (2, 3), (3, 1), return_indices=True),
         R(2, 3, 8, 9)),
    case("max2d_empty_batch", lambda L, x: F(L).max_pool2d(x, 2), R(0, 3, 4, 4)),
    case("max1d", lambda L, x: F(L).max_pool1d(x, 3, 2, 1), R(2, 3, 9)),
    case("max1d_indices", lambda L, x: F(L).max_pool1d(x, 2, return_indices=True), R(3, 8)),
    case("avg2d", lambda L, x: F(L).avg_pool2d(x, 2), R(2, 3, 6, 6)),
    case("avg2d_pad", lambda L, x: F(L).avg_pool2d(x, 3, 2, 1), R(2, 3, 7, 6)),
    case("avg2d_ceil", lambda L, x: F(L).avg_pool2d(x, 3, 2, 1, ceil_mode=True), R(2, 3, 8, 7)),
    case("avg2d_exclude_pad", lambda L, x: F(L).avg_pool2d(x, 3, 2, 1, True, False), R(2, 3, 8, 7)),
    case("avg2d_divisor", lambda L, x: F(L).avg_pool2d(x, (3, 2), divisor_override=5), R(2, 3, 7, 6)),
    case("avg2d_unbatched", lambda L, x: F(L).avg_pool2d(x, 2, 1), R(3, 5, 5)),
    case("avg2d_f64", lambda L, x: F(L).avg_pool2d(x, 2, ceil_mode=True), R(2, 3, 5, 5, dtype=F64)),
    case("avg1d", lambda L, x: F(L).avg_pool1d(x, 3, 2, 1), R(2, 3, 9)),
    case("avg1d_exclude_pad", lambda L, x: F(L).avg_pool1d(x, 3, 2, 1, count_include_pad=False), R(3, 9)),
    case("adaptive_avg", lambda L, x: F(L).adaptive_avg_pool2d(x, (3, 4)), R(2, 3, 7, 6)),
    case("adaptive_avg_int", lambda L, x: F(L).adaptive_avg_pool2d(x, 5), R(2, 3, 7, 6)),
    case("adaptive_avg_1", lambda L, x: F(L).adaptive_avg_pool2d(x, 1), R(2, 3, 7, 6)),
    case("adaptive_avg_none", lambda L, x: F(L).adaptive_avg_pool2d(x, (None, 2)), R(2, 3, 7, 6)),
    case("adaptive_avg_upsample", lambda L, x: F(L).adaptive_avg_pool2d(x, (5, 4)), R(3, 3, 2)),
    case("adaptive_avg_f64", lambda L, x: F(L).adaptive_avg_pool2d(x, 2), R(2, 3, 5, 5, dtype=F64)),
    case("adaptive_max", lambda L, x: F(L).adaptive_max_pool2d(x, (3, 4)), R(2, 3, 7, 6)),
    case("adaptive_max_indices", lambda L, x: F(L).adaptive_max_pool2d(x, 2, True), R(3, 5, 5)),
]


@pytest.mark.parametrize("fn, inputs, grad", POOL)
def test_pooling_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def double_backward(lib, fn, array):
    x = lib.tensor(array, requires_grad=True)
    out = fn(lib, x)
    (g,) = lib.autograd.grad((out * out).sum(), [x], create_graph=True)
    (gg,) = lib.autograd.grad((g * g).sum(), [x])
    return g.grad_fn.name(), gg.numpy()


@pytest.mark.parametrize("fn", [
    lambda L, x: F(L).max_pool2d(x, 3, 2, 1) * 2,
    lambda L, x: F(L).avg_pool2d(x, 3, 2, 1, ceil_mode=True) * 2,
    lambda L, x: F(L).adaptive_avg_pool2d(x, (3, 2)) * 2,
    lambda L, x: F(L).adaptive_max_pool2d(x, 3) * 2,
], ids=["max", "avg", "adaptive_avg", "adaptive_max"])
def test_pooling_second_derivatives_match_torch(fn):
    array = R(2, 3, 7, 6, dtype=F64)
    t_name, t_gg = double_backward(torch, fn, array)
    c_name, c_gg = double_backward(cgrad, fn, array)
    assert c_name == t_name
    np.testing.assert_allclose(c_gg, t_gg, rtol=1e-10, atol=1e-12)


POOL_ERRORS = [
    error_case("max_kernel_len", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), (2, 2, 2))),
    error_case("max_stride_len", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 2, stride=(1, 1, 1))),
    error_case("max_padding_len", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 2, padding=(1, 1, 1))),
    error_case("max_dilation_len", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 2, dilation=(1, 1, 1))),
    error_case("max_pad_too_big", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 3, padding=2)),
    error_case("max_pad_negative", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 2, padding=-1)),
    error_case("max_output_too_small", lambda L: F(L).max_pool2d(L.ones(1, 3, 2, 2), 3)),
    error_case("max_kernel_zero", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 0)),
    error_case("max_kernel_zero_stride", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 0, stride=1)),
    error_case("max_stride_zero", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 2, stride=0)),
    error_case("max_dilation_zero", lambda L: F(L).max_pool2d(L.ones(2, 3, 8, 8), 2, dilation=0)),
    error_case("max_rank2", lambda L: F(L).max_pool2d(L.ones(3, 3), 2)),
    error_case("max_bool", lambda L: F(L).max_pool2d(L.ones(1, 3, 4, 4, dtype=L.bool), 2)),
    error_case("max1d_rank1", lambda L: F(L).max_pool1d(L.ones(3), 2)),
    error_case("avg_kernel_len", lambda L: F(L).avg_pool2d(L.ones(2, 3, 8, 8), (2, 2, 2))),
    error_case("avg_stride_len", lambda L: F(L).avg_pool2d(L.ones(2, 3, 8, 8), 2, stride=(1, 1, 1))),
    error_case("avg_padding_len", lambda L: F(L).avg_pool2d(L.ones(2, 3, 8, 8), 2, padding=(1, 1, 1))),
    error_case("avg_pad_too_big", lambda L: F(L).avg_pool2d(L.ones(2, 3, 8, 8), 3, padding=2)),
    error_case("avg_output_too_small", lambda L: F(L).avg_pool2d(L.ones(1, 3, 2, 2), 3)),
    error_case("avg_kernel_zero", lambda L: F(L).avg_pool2d(L.ones(2, 3, 8, 8), 0)),
    error_case("avg_divisor_zero", lambda L: F(L).avg_pool2d(L.ones(2, 3, 8, 8), 2, divisor_override=0)),
    error_case("avg_rank2", lambda L: F(L).avg_pool2d(L.ones(3, 3), 2)),
    error_case("avg1d_rank1", lambda L: F(L).avg_pool1d(L.ones(3), 2)),
    error_case("adaptive_rank2", lambda L: F(L).adaptive_avg_pool2d(L.ones(3, 3), 2)),
    error_case("adaptive_size_len", lambda L: F(L).adaptive_avg_pool2d(L.ones(2, 3, 8, 8), (2, 2, 2))),
    error_case("adaptive_negative", lambda L: F(L).adaptive_avg_pool2d(L.ones(2, 3, 8, 8), -1)),
    error_case("adaptive_empty", lambda L: F(L).adaptive_avg_pool2d(L.ones(2, 3, 0, 4), 2)),
    error_case("adaptive_long", lambda L: F(L).adaptive_avg_pool2d(L.ones(2, 3, 4, 4, dtype=L.int64), 2)),
    error_case("adaptive_max_size_len", lambda L: F(L).adaptive_max_pool2d(L.ones(2, 3, 8, 8), (2, 2, 2))),
]


@pytest.mark.parametrize("fn, match", POOL_ERRORS)
def test_pooling_errors_match_torch(fn, match):
    check_error(fn, match)
