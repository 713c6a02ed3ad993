"""Reductions and scans against PyTorch, one line per case: values, dtypes, grad_fn names
and gradients (ties and zeros included), then torch's errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, H, I, INF, P, R, T, case, check  # noqa: E402

# torch warns when var/std have no degrees of freedom left; the values are what we compare.
pytestmark = pytest.mark.filterwarnings("ignore:var.*degrees of freedom:UserWarning")

NAN = float("nan")
F64 = np.float64


def arr(values, dtype=np.float32):
    return np.array(values, dtype=dtype)


# Rows with one zero, two zeros and none: prod/cumprod gradients at zeros.
ZEROS = arr([[1.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 2.0], [1.0, -2.0, 0.5, 3.0]])
ONE_ZERO = arr([1.5, -2.0, 0.0, 3.0, 0.5])
TWO_ZEROS = arr([0.0, 2.0, 0.0, 3.0])
NAN_GRID = np.where(np.arange(60).reshape(6, 10) % 7 == 3, np.nan,
                    np.arange(60).reshape(6, 10) % 11 - 5.0).astype(np.float32)
TIES = arr([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 2.0], [-4.0, 0.5, -4.0, 1.0]])

CASES = [
    # ---- prod ----
    case("prod", lambda L, a: a.prod(), R(3, 4)),
    case("prod_dim", lambda L, a: a.prod(1), R(3, 4)),
    case("prod_neg_dim_keepdim", lambda L, a: a.prod(-2, keepdim=True), R(3, 4)),
    case("prod_fn", lambda L, a: L.prod(a, 0), R(3, 4)),
    case("prod_0d", lambda L, a: a.prod(), R()),
    case("prod_0d_dim", lambda L, a: a.prod(0), R()),
    case("prod_1d", lambda L, a: a.prod(0), R(5)),
    case("prod_f64", lambda L, a: a.prod(1), R(3, 4, dtype=F64)),
    case("prod_strided", lambda L, a: a.prod(1), T(R(4, 3))),
    case("prod_int", lambda L, a: a.prod(), I(3, 4, low=-3, high=4)),
    case("prod_int32_dim", lambda L, a: a.prod(0), I(3, 4, dtype=np.int32, low=-3, high=4)),
    case("prod_bool", lambda L, a: a.prod(1), B(3, 4)),
    case("prod_dtype", lambda L, a: a.prod(dtype=L.float64), R(3, 4)),
    case("prod_int_dtype", lambda L, a: a.prod(1, dtype=L.float32), I(3, 4)),
    case("prod_empty_dim", lambda L, a: a.prod(0), np.zeros((0, 3), np.float32)),
    case("prod_zeros_dim", lambda L, a: a.prod(1), ZEROS),
    case("prod_zeros_dim0", lambda L, a: a.prod(0, keepdim=True), ZEROS),
    case("prod_one_zero", lambda L, a: a.prod(), ONE_ZERO),
    case("prod_two_zeros", lambda L, a: a.prod(), TWO_ZEROS),
    # ---- amax / amin ----
    case("amax", lambda L, a: a.amax(), R(3, 4)),
    case("amax_dim", lambda L, a: a.amax(1), R(3, 4)),
    case("amax_tuple", lambda L, a: a.amax((0, 2)), R(2, 3, 4)),
    case("amax_empty_tuple", lambda L, a: a.amax(()), R(3, 4)),
    case("amax_neg_keepdim", lambda L, a: a.amax(-1, keepdim=True), R(3, 4)),
    case("amax_fn", lambda L, a: L.amax(a, 0), R(3, 4)),
    case("amax_ties", lambda L, a: a.amax(1), TIES),
    case("amax_ties_all", lambda L, a: a.amax(), H(3, 4)),
    case("amax_strided", lambda L, a: a.amax(0), T(R(4, 3))),
    case("amax_0d", lambda L, a: a.amax(), R()),
    case("amax_int", lambda L, a: a.amax(0), I(3, 4)),
    case("amax_bool", lambda L, a: a.amax(1), B(3, 4)),
    case("amax_empty_other_dim", lambda L, a: a.amax(1), np.zeros((0, 3), np.float32)),
    case("amin", lambda L, a: a.amin(), R(3, 4)),
    case("amin_dim_keepdim", lambda L, a: a.amin(0, keepdim=True), R(3, 4, dtype=F64)),
    case("amin_ties", lambda L, a: a.amin((0, 1)), TIES),
    case("amin_int", lambda L, a: a.amin(-1), I(3, 4, dtype=np.int32)),
    # ---- max / min ----
    case("max", lambda L, a: a.max(), R(3, 4)),
    case("max_fn", lambda L, a: L.max(a), R(3, 4)),
    case("max_ties", lambda L, a: a.max(), TIES),
    case("max_nan", lambda L, a: a.max(), arr([1.0, NAN, 3.0, NAN])),
    case("max_0d", lambda L, a: a.max(), R()),
    case("max_int", lambda L, a: a.max(), I(3, 4)),
    case("max_bool", lambda L, a: a.max(), B(3, 4)),
    case("max_dim", lambda L, a: a.max(1), R(3, 4)),
    case("max_dim_kw", lambda L, a: a.max(dim=0), R(3, 4)),
    case("max_dim_keepdim", lambda L, a: a.max(1, keepdim=True), R(3, 4)),
    case("max_dim_fn", lambda L, a: L.max(a, -1), R(2, 3, 4)),
    case("max_dim_ties", lambda L, a: a.max(1), TIES),
    case("max_dim_ties_dim0", lambda L, a: a.max(0, keepdim=True), TIES),
    case("max_dim_nan", lambda L, a: a.max(1), arr([[1.0, NAN, 5.0], [2.0, 1.0, NAN]])),
    case("max_dim_strided", lambda L, a: a.max(1), T(R(4, 3))),
    case("max_dim_0d", lambda L, a: a.max(0), R()),
    case("max_dim_int", lambda L, a: a.max(0), I(3, 4)),
    case("max_dim_bool", lambda L, a: a.max(1), B(3, 4)),
    case("max_dim_f64", lambda L, a: a.max(0), R(3, 4, dtype=F64)),
    case("max_dim_empty_other", lambda L, a: a.max(1), np.zeros((0, 3), np.float32)),
    case("max_values_attr", lambda L, a: a.max(1).values, R(3, 4)),
    case("max_indices_attr", lambda L, a: a.max(1).indices, R(3, 4)),
    case("max_unpacked", lambda L, a: a.max(0)[0] * 2, R(3, 4)),
    case("min", lambda L, a: a.min(), R(3, 4)),
    case("min_ties", lambda L, a: a.min(), TIES),
    case("min_dim", lambda L, a: a.min(0), R(3, 4)),
    case("min_dim_ties", lambda L, a: a.min(-1, keepdim=True), TIES),
    case("min_fn", lambda L, a: L.min(a, 1), R(3, 4)),
    # ---- argmax / argmin ----
    case("argmax", lambda L, a: a.argmax(), R(3, 4)),
    case("argmax_dim", lambda L, a: a.argmax(1), R(3, 4)),
    case("argmax_dim_keepdim", lambda L, a: a.argmax(0, keepdim=True), R(3, 4)),
    case("argmax_keepdim_no_dim", lambda L, a: a.argmax(keepdim=True), R(3, 4)),
    case("argmax_ties", lambda L, a: a.argmax(1), TIES),
    case("argmax_ties_flat", lambda L, a: a.argmax(), TIES),
    case("argmax_strided", lambda L, a: a.argmax(), T(R(4, 3))),
    case("argmax_nan", lambda L, a: a.argmax(), arr([1.0, NAN, 3.0, NAN])),
    case("argmax_int", lambda L, a: a.argmax(0), I(3, 4)),
    case("argmax_0d", lambda L, a: a.argmax(), R()),
    case("argmax_fn", lambda L, a: L.argmax(a, dim=-1), R(2, 3, 4)),
    case("argmin", lambda L, a: a.argmin(), R(3, 4)),
    case("argmin_dim", lambda L, a: a.argmin(0), TIES),
    case("argmin_fn", lambda L, a: L.argmin(a), I(3, 4)),
    # ---- var / std ----
    case("var", lambda L, a: a.var(), R(3, 4)),
    case("var_dim", lambda L, a: a.var(1), R(3, 4)),
    case("var_tuple", lambda L, a: a.var((0, 1)), R(3, 4)),
    case("var_tuple_3d", lambda L, a: a.var((0, 2), keepdim=True), R(2, 3, 4)),
    case("var_unbiased_false", lambda L, a: a.var(1, unbiased=False), R(3, 4)),
    case("var_unbiased_positional", lambda L, a: a.var(1, False), R(3, 4)),
    case("var_only_unbiased", lambda L, a: a.var(False), R(3, 4)),
    case("var_correction_0", lambda L, a: a.var(1, correction=0), R(3, 4)),
    case("var_correction_2", lambda L, a: a.var(correction=2), R(3, 4)),
    case("var_correction_keepdim", lambda L, a: a.var(dim=1, correction=2, keepdim=True), R(3, 4)),
    case("var_one_element", lambda L, a: a.var(), R(1)),
    case("var_one_element_dim", lambda L, a: a.var(0), R(1, 3)),
    case("var_no_dof", lambda L, a: a.var(correction=3), R(2)),
    case("var_no_dof_dim", lambda L, a: a.var(1, correction=3), R(2, 2)),
    case("var_0d", lambda L, a: a.var(), R()),
    case("var_0d_dim", lambda L, a: a.var(0, correction=0), R()),
    case("var_f64", lambda L, a: a.var(0), R(3, 4, dtype=F64)),
    case("var_strided", lambda L, a: a.var(1), T(R(4, 3))),
    case("var_fn", lambda L, a: L.var(a, -1), R(3, 4)),
    case("std", lambda L, a: a.std(), R(3, 4)),
    case("std_dim_keepdim", lambda L, a: a.std(0, keepdim=True), R(3, 4)),
    case("std_unbiased_false", lambda L, a: a.std(1, False), R(3, 4, dtype=F64)),
    case("std_correction", lambda L, a: a.std((0, 1), correction=0), R(3, 4)),
    case("std_constant_rows", lambda L, a: a.std(1), arr([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]])),
    case("std_0d", lambda L, a: a.std(0, correction=0), R()),
    case("std_fn", lambda L, a: L.std(a), R(5)),
    # ---- logsumexp ----
    case("logsumexp", lambda L, a: a.logsumexp(1), R(3, 4)),
    case("logsumexp_tuple", lambda L, a: a.logsumexp((0, 1)), R(3, 4)),
    case("logsumexp_keepdim", lambda L, a: a.logsumexp(0, keepdim=True), R(3, 4)),
    case("logsumexp_fn", lambda L, a: L.logsumexp(a, -1), R(2, 3, 4)),
    case("logsumexp_large", lambda L, a: a.logsumexp(1), R(3, 4, low=500, high=1000)),
    case("logsumexp_neg_inf", lambda L, a: a.logsumexp(1), arr([[-INF, -INF], [-INF, 1.0]])),
    case("logsumexp_inf", lambda L, a: a.logsumexp(0), arr([INF, 1.0]), grad=False),
    case("logsumexp_0d", lambda L, a: a.logsumexp(0), R()),
    case("logsumexp_f64", lambda L, a: a.logsumexp(1), R(3, 4, dtype=F64)),
    case("logsumexp_strided", lambda L, a: a.logsumexp(0), T(R(4, 3))),
    case("logsumexp_int", lambda L, a: a.logsumexp(0), I(3, 4)),
    case("logsumexp_bool", lambda L, a: a.logsumexp(1), B(3, 4)),
    case("logsumexp_empty_dim", lambda L, a: a.logsumexp(0), np.zeros((0, 3), np.float32)),
    # ---- all / any ----
    case("all", lambda L, a: a.all(), R(3, 4)),
    case("all_zeros", lambda L, a: a.all(1), ZEROS),
    case("all_tuple", lambda L, a: a.all((0, 1)), B(3, 4)),
    case("all_keepdim", lambda L, a: a.all(0, keepdim=True), I(3, 4, low=0, high=2)),
    case("all_empty", lambda L, a: a.all(), np.zeros(0, np.float32)),
    case("all_fn", lambda L, a: L.all(a, -1), B(2, 3)),
    case("all_nan", lambda L, a: a.all(), arr([NAN, 1.0])),
    case("any", lambda L, a: a.any(), ZEROS),
    case("any_dim_keepdim", lambda L, a: a.any(1, keepdim=True), I(3, 4, low=0, high=2)),
    case("any_bool", lambda L, a: a.any(0), B(3, 4)),
    case("any_empty", lambda L, a: a.any(), np.zeros(0, np.float32)),
    case("any_strided", lambda L, a: a.any(0), T(B(4, 3))),
    case("any_fn", lambda L, a: L.any(a), np.zeros((2, 2), np.int32)),
    # ---- count_nonzero ----
    case("count_nonzero", lambda L, a: L.count_nonzero(a), ZEROS),
    case("count_nonzero_dim", lambda L, a: a.count_nonzero(1), ZEROS),
    case("count_nonzero_neg_dim", lambda L, a: a.count_nonzero(dim=-2), I(3, 4, low=-1, high=2)),
    case("count_nonzero_dims_bool", lambda L, a: L.count_nonzero(a, dim=(0, 2)), B(2, 3, 2)),
    case("count_nonzero_nan", lambda L, a: a.count_nonzero(), arr([NAN, 0.0, -0.0, 1.0])),
    case("count_nonzero_empty", lambda L, a: a.count_nonzero(0), np.zeros((0, 3), np.float32)),
    case("count_nonzero_0d", lambda L, a: a.count_nonzero(), R()),
    case("count_nonzero_strided", lambda L, a: a.count_nonzero(0), T(ZEROS)),
    # ---- cumsum / cumprod ----
    case("cumsum", lambda L, a: a.cumsum(1), R(3, 4)),
    case("cumsum_dim0", lambda L, a: a.cumsum(0), R(3, 4)),
    case("cumsum_neg_dim", lambda L, a: a.cumsum(-1), R(2, 3, 4)),
    case("cumsum_fn", lambda L, a: L.cumsum(a, dim=1), R(3, 4)),
    case("cumsum_1d", lambda L, a: a.cumsum(0), R(6)),
    case("cumsum_0d", lambda L, a: a.cumsum(0), R()),
    case("cumsum_strided", lambda L, a: a.cumsum(1), T(R(4, 3))),
    case("cumsum_f64", lambda L, a: a.cumsum(0), R(3, 4, dtype=F64)),
    case("cumsum_int", lambda L, a: a.cumsum(0), I(3, 4)),
    case("cumsum_int32", lambda L, a: a.cumsum(1), I(3, 4, dtype=np.int32)),
    case("cumsum_bool", lambda L, a: a.cumsum(0), B(3, 4)),
    case("cumsum_dtype", lambda L, a: a.cumsum(0, dtype=L.float64), R(3, 4)),
    case("cumsum_int_dtype", lambda L, a: a.cumsum(1, dtype=L.float32), I(3, 4)),
    case("cumsum_empty", lambda L, a: a.cumsum(0), np.zeros((0, 3), np.float32)),
    case("cumprod", lambda L, a: a.cumprod(-1), R(3, 4)),
    case("cumprod_dim0", lambda L, a: a.cumprod(0), P(3, 4)),
    case("cumprod_fn", lambda L, a: L.cumprod(a, 1), R(2, 3)),
    case("cumprod_0d", lambda L, a: a.cumprod(0), R()),
    case("cumprod_strided", lambda L, a: a.cumprod(0), T(R(4, 3))),
    case("cumprod_int", lambda L, a: a.cumprod(0), I(3, 4, low=-3, high=4)),
    case("cumprod_dtype", lambda L, a: a.cumprod(0, dtype=L.float64), I(3, 4)),
    case("cumprod_zeros", lambda L, a: a.cumprod(1), ZEROS),
    case("cumprod_zeros_dim0", lambda L, a: a.cumprod(0), ZEROS),
    case("cumprod_one_zero", lambda L, a: a.cumprod(0), ONE_ZERO),
    case("cumprod_two_zeros", lambda L, a: a.cumprod(0), TWO_ZEROS),
    case("cumprod_f64_zeros", lambda L, a: a.cumprod(1), ZEROS.astype(F64)),
    # ---- norm (every form torch.norm accepts here) ----
    case("norm", lambda L, a: a.norm(), R(3, 4)),
    case("norm_fro_dims", lambda L, a: a.norm(p="fro", dim=(0, 1)), R(3, 4)),
    case("norm_fro_dim", lambda L, a: a.norm(p="fro", dim=1), R(3, 4)),
    case("norm_2_dim_keepdim", lambda L, a: L.norm(a, 2, 1, True), R(3, 4)),
    case("norm_1_dim", lambda L, a: a.norm(1, dim=1), R(3, 4)),
    case("norm_inf", lambda L, a: a.norm(INF), R(3, 4)),
    case("norm_inf_ties", lambda L, a: a.norm(INF, dim=1), TIES),
    case("norm_neg_inf", lambda L, a: a.norm(-INF, dim=0), R(3, 4)),
    case("norm_3", lambda L, a: a.norm(3, dim=-1), R(3, 4)),
    case("norm_0", lambda L, a: a.norm(0), R(3, 4)),
    case("norm_dtype", lambda L, a: a.norm(dtype=L.float64), R(3, 4)),
    case("norm_strided", lambda L, a: a.norm(dim=0), T(R(4, 3))),
    case("norm_0d", lambda L, a: a.norm(dim=0), R()),
    # ---- sums over leading and trailing dims around kept ones (Note [Sums over outer
    # and inner dims]): short and long inner runs, one outer, size-1 dims between ----
    case("sum_outer_inner_short", lambda L, a: a.sum((0, 2, 3)), R(9, 7, 4, 4)),
    case("sum_outer_inner_mid", lambda L, a: a.sum((0, 2)), R(5, 6, 70)),
    case("sum_outer_inner_long", lambda L, a: a.sum((0, 2, 3), keepdim=True), R(3, 5, 17, 19)),
    case("sum_outer_only", lambda L, a: a.sum(0), R(37, 11)),
    case("sum_inner_only_short_rows", lambda L, a: a.sum(-1), R(13, 10)),
    case("sum_inner_only_mid_rows", lambda L, a: a.sum(-1), R(6, 100)),
    case("sum_outer_inner_size_one_dims", lambda L, a: a.sum((0, 1, 4)), R(4, 1, 3, 1, 5)),
    case("mean_outer_inner_f64", lambda L, a: a.mean((0, 2)), R(6, 9, 33, dtype=F64)),
    # var/std/var_mean over the same [outer, kept, inner] view (Note [Variance over
    # outer and inner dims]): batch norm's dims, columns, short rows, rows past one tile
    case("var_outer_inner", lambda L, a: a.var((0, 2, 3)), R(9, 7, 4, 4)),
    case("var_columns_unbiased_false", lambda L, a: a.var(0, unbiased=False), R(37, 11)),
    case("std_short_rows_keepdim", lambda L, a: a.std(-1, keepdim=True), R(13, 10)),
    case("var_rows_past_a_tile", lambda L, a: a.var((0, 2)), R(2, 3, 2500)),
    case("var_mean_outer_inner", lambda L, a: L.var_mean(a, (0, 2), correction=0), R(5, 6, 70)),
    case("std_mean_f64_columns", lambda L, a: L.std_mean(a, 0), R(40, 9, dtype=F64)),
    case("var_one_element_per_output", lambda L, a: a.var(0), R(1, 6)),
    case("var_empty_outer", lambda L, a: L.var_mean(a, 0), R(0, 4)),
    # permuted blocks of memory, viewed in memory order when the kept dims keep theirs
    case("sum_transposed_rows", lambda L, a: a.t().sum(0), R(7, 300)),
    case("sum_channels_last_bias_grad", lambda L, a: a.permute(0, 3, 1, 2).sum((0, 2, 3)), R(4, 5, 6, 7)),
    case("sum_kept_dims_swapped_in_memory", lambda L, a: a.permute(1, 0, 2).sum(2), R(4, 5, 6)),
    case("var_transposed_columns", lambda L, a: a.t().var(1), R(50, 6)),
    # amax/amin on the same view: NaN anywhere in a column or row, ints, short rows
    case("amax_columns", lambda L, a: a.amax(0), R(37, 11)),
    case("amin_outer_inner", lambda L, a: a.amin((0, 2, 3)), R(9, 7, 4, 4)),
    case("amax_nan_columns", lambda L, a: a.amax(0), NAN_GRID),
    case("amin_nan_rows", lambda L, a: a.amin(1), NAN_GRID),
    case("amax_int_rows_past_a_tile", lambda L, a: a.amax((0, 2)), I(2, 3, 2500, low=-1000, high=1000)),
    case("amax_transposed", lambda L, a: a.t().amax(0), R(5, 40)),
    # 1- and 2-norms over the same view; float32 terms overflow as torch's
    case("norm_rows", lambda L, a: a.norm(dim=1), R(13, 300)),
    case("norm_1_columns", lambda L, a: a.norm(1, dim=0), R(37, 11)),
    case("norm_outer_inner_f64", lambda L, a: a.norm(dim=(0, 2)), R(5, 6, 70, dtype=F64)),
    case("norm_rows_past_a_tile", lambda L, a: L.linalg.vector_norm(a, dim=(0, 2)), R(2, 3, 2500)),
    case("norm_overflowing_terms", lambda L, a: (a * 1e20).norm(dim=1), R(4, 40), grad=False),
    case("norm_dtype_float64_of_float32", lambda L, a: L.linalg.vector_norm(a, dim=1, dtype=L.float64),
         R(6, 50)),
    # products on the same view: columns, long rows (lanes), zeros, rows past a tile
    case("prod_columns", lambda L, a: a.prod(0), R(37, 11)),
    case("prod_long_rows", lambda L, a: (a * 0.1 + 1).prod(1), R(6, 300)),
    case("prod_rows_with_zeros", lambda L, a: a.prod(1), ZEROS),
    case("prod_outer_inner_f64", lambda L, a: (a * 0.1 + 1).prod(2), R(3, 4, 2500, dtype=F64)),
    case("sum_mid_rows_over_outer", lambda L, a: a.sum((0, 2)), R(7, 5, 100)),
    case("sum_empty_rows", lambda L, a: a.sum(1), R(5, 0)),
    case("sum_empty_outer", lambda L, a: a.sum((0, 2)), R(0, 3, 2)),
    case("sum_kept_then_reduced_twice", lambda L, a: a.sum((1, 3)), R(3, 4, 5, 6)),
    # ---- chains through several reductions ----
    case("softmax_by_hand", lambda L, a: (a - a.logsumexp(1, keepdim=True)).exp(), R(3, 4)),
    case("standardize", lambda L, a: (a - a.mean(0)) / a.std(0), R(5, 3)),
    case("max_of_cumsum", lambda L, a: a.cumsum(1).max(1)[0].prod(), R(3, 4)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_op(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_max_dim_returns_named_tuple():
    x = np.array([[1.0, 5.0, 5.0], [2.0, 0.0, 3.0]], np.float32)
    for name in ("max", "min"):
        t = getattr(torch.tensor(x), name)(1)
        c = getattr(cgrad.tensor(x), name)(1)
        assert type(c).__name__ == type(t).__name__ == name
        values, indices = c
        assert c[0] is values and c.values is values and c.indices is indices and len(c) == 2
        assert repr(c).replace("cgrad", "torch") == repr(t)


def test_var_mean_returns_its_running_mean():
    """var_mean/std_mean give Welford's running mean, as torch's: for 0.1, 0.7, 0.3 an
    ulp away from x.mean() (Note [Variance to one element in two passes])."""
    x = [0.1, 0.7, 0.3]
    for name in ("var_mean", "std_mean"):
        got, expected = (getattr(L, name)(L.tensor(x, dtype=L.float64))[1].item()
                         for L in (cgrad, torch))
        assert got == expected != torch.tensor(x, dtype=torch.float64).mean().item()


def _graph_names(fn, depth=0):
    """The backward graph under `fn` as indented node names, None edges included."""
    lines, stack = [], [(fn, depth)]
    while stack:
        node, d = stack.pop()
        lines.append("  " * d + ("None" if node is None else node.name()))
        if node is not None:
            stack.extend((f, d + 1) for f, _ in reversed(node.next_functions))
    return lines


# The double-backward graphs of mean, var_mean and std_mean: torch divides by the count and
# scales by 2 / (n - correction) as Python numbers (DivBackward1, MulBackward1), masks std's
# zeros with masked_fill, and expands a mean of everything without unsqueezing.
SECOND_ORDER_CASES = [
    pytest.param(fn, shape, id=id) for id, fn, shape in [
        ("var_mean_mean", lambda L, x: L.var_mean(x, 1)[1], (3, 4)),
        ("var_mean_var", lambda L, x: L.var_mean(x, 1)[0], (3, 4)),
        ("var_mean_both", lambda L, x: sum(L.var_mean(x, 1)), (3, 4)),
        ("var_mean_all", lambda L, x: sum(L.var_mean(x)), (3, 4)),
        ("var_mean_all_mean", lambda L, x: L.var_mean(x)[1], (3, 4)),
        ("var_mean_keepdim", lambda L, x: sum(L.var_mean(x, 0, keepdim=True)), (3, 4)),
        ("var_mean_dims", lambda L, x: sum(L.var_mean(x, (0, 1), correction=0)), (3, 4)),
        ("std_mean_mean", lambda L, x: L.std_mean(x, 1)[1], (3, 4)),
        ("std_mean_both", lambda L, x: sum(L.std_mean(x, 1)), (3, 4)),
        ("std_mean_all", lambda L, x: sum(L.std_mean(x)), (3, 4)),
        ("std_mean_zero_std", lambda L, x: sum(L.std_mean(x * 0, 1)), (3, 4)),
        ("var", lambda L, x: x.var(1), (3, 4)),
        ("std_all", lambda L, x: x.std(), (3, 4)),
        ("mean", lambda L, x: x.mean(1), (3, 4)),
        ("mean_all", lambda L, x: x.mean(), (3, 4)),
        ("mean_keepdim", lambda L, x: x.mean((0, 1), keepdim=True), (3, 4)),
        ("mean_0d_input", lambda L, x: x.mean(), ()),
    ]
]


@pytest.mark.parametrize("fn, shape", SECOND_ORDER_CASES)
@pytest.mark.parametrize("upstream", ["grad_outputs", "squared"])
def test_double_backward_graph_matches_torch(fn, shape, upstream):
    values, results = R(*shape, dtype=F64), []
    for L in (torch, cgrad):
        x = L.tensor(values, requires_grad=True)
        out = fn(L, x)
        if upstream == "grad_outputs":  # the gradient's graph starts at a leaf
            g, = L.autograd.grad(out, x, L.ones_like(out, requires_grad=True), create_graph=True)
        else:  # ... or at the forward's own nodes
            g, = L.autograd.grad((out * out).sum(), x, create_graph=True)
        results.append((_graph_names(g.grad_fn), g.detach().numpy()))
    assert results[1][0] == results[0][0]
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)


def test_full_sum_and_var_of_a_permuted_block_in_memory_order():
    """All of x.t() is summed (and var's deviations added) in memory order, as torch's
    iterator takes it: bit for bit x.sum() and x.var(), where row-major order of x.t()
    rounds otherwise."""
    x = [[0.1, 0.7, 0.3, 1e-3], [2.9, 0.123, 7.77, 5.5], [1.3, 1e5, 0.2, 0.0001]]
    for L in (cgrad, torch):
        a = L.tensor(x, dtype=L.float64)
        for fn in (lambda t: t.sum(), lambda t: t.var(), lambda t: t.std(correction=0)):
            assert fn(a.t()).item() == fn(a).item()
    a = cgrad.tensor(x, dtype=cgrad.float64)
    assert a.t().contiguous().sum().item() != a.sum().item()


ERRORS = [
    error_case("prod_tuple_dim", lambda L: L.ones(2, 3).prod((0, 1)), None),
    error_case("prod_dim_out_of_range", lambda L: L.ones(()).prod(1)),
    error_case("amax_empty_dim", lambda L: L.zeros(0, 3).amax(0)),
    error_case("amax_empty_all", lambda L: L.zeros(0, 3).amax()),
    error_case("amin_empty_dim", lambda L: L.zeros(2, 0).amin(-1)),
    error_case("amax_empty_dim_in_tuple", lambda L: L.zeros(0, 3).amax((1, -2))),
    error_case("max_empty_neg_dim", lambda L: L.zeros(0, 3).max(-2)),
    error_case("argmax_empty_dim", lambda L: L.zeros(0, 3).argmax(-2)),
    error_case("amax_repeated_dim", lambda L: L.ones(2, 3).amax((0, 0))),
    error_case("max_empty", lambda L: L.zeros(0, 3).max()),
    error_case("min_empty", lambda L: L.zeros(0).min()),
    error_case("max_empty_dim", lambda L: L.zeros(0, 3).max(0)),
    error_case("max_dim_out_of_range", lambda L: L.ones(2, 3).max(2)),
    error_case("max_tuple_dim", lambda L: L.ones(2, 3).max((0, 1)), None),
    error_case("argmax_empty", lambda L: L.zeros(0, 3).argmax()),
    error_case("argmax_bool", lambda L: L.ones(3, dtype=L.bool).argmax()),
    error_case("argmin_bool_dim", lambda L: L.ones(3, dtype=L.bool).argmin(0)),
    error_case("var_int", lambda L: L.ones(3, dtype=L.int64).var()),
    error_case("std_int", lambda L: L.ones(3, dtype=L.int32).std(0)),
    error_case("var_bool", lambda L: L.ones(3, dtype=L.bool).var()),
    # unbiased with keepdim but no dim fits none of torch's overloads
    error_case("var_unbiased_keepdim_no_dim", lambda L: L.var(L.ones(3), unbiased=True,
                                                               keepdim=True)),
    error_case("std_method_unbiased_keepdim_no_dim",
               lambda L: L.ones(3).std(unbiased=False, keepdim=False)),
    error_case("var_method_positional_unbiased_keepdim", lambda L: L.ones(3).var(True,
                                                                                 keepdim=True)),
    error_case("var_mean_unbiased_keepdim_no_dim",
               lambda L: L.var_mean(L.ones(3), unbiased=True, keepdim=True)),
    error_case("std_mean_positional_unbiased_keepdim",
               lambda L: L.std_mean(L.ones(3), False, keepdim=True)),
    error_case("var_mean_int", lambda L: L.var_mean(L.ones(3, dtype=L.int64))),
    error_case("logsumexp_no_dim", lambda L: L.ones(3).logsumexp(), None),
    error_case("cumsum_no_dim", lambda L: L.ones(3).cumsum(), None),
    error_case("cumsum_dim_out_of_range", lambda L: L.ones(2, 3).cumsum(3)),
    error_case("cumprod_dim_out_of_range", lambda L: L.ones(2, 3).cumprod(-3)),
    error_case("norm_int", lambda L: L.ones(3, dtype=L.int64).norm()),
    error_case("norm_fro_three_dims", lambda L: L.ones(2, 3, 4).norm(p="fro", dim=(0, 1, 2))),
    error_case("all_dim_out_of_range", lambda L: L.ones(2).all(1)),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)
