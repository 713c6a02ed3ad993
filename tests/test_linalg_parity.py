"""Matrix products against PyTorch, one line per case: values, dtypes, the output's
grad_fn name (torch records different nodes per rank combination) and gradients."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, I, R, T, case, check  # noqa: E402

F64 = np.float64


def lin(L):
    return L.nn.functional.linear


CASES = [
    # ---- matmul, every rank combination (and the node torch records for it) ----
    case("matmul_1d_1d", lambda L, a, b: a @ b, R(3), R(3)),
    case("matmul_2d_1d", lambda L, a, b: a @ b, R(2, 3), R(3)),
    case("matmul_1d_2d", lambda L, a, b: a @ b, R(3), R(3, 4)),
    case("matmul_2d_2d", lambda L, a, b: a @ b, R(2, 3), R(3, 4)),
    case("matmul_3d_3d", lambda L, a, b: a @ b, R(5, 2, 3), R(5, 3, 4)),
    case("matmul_3d_2d", lambda L, a, b: a @ b, R(5, 2, 3), R(3, 4)),
    case("matmul_2d_3d", lambda L, a, b: a @ b, R(2, 3), R(5, 3, 4)),
    case("matmul_3d_1d", lambda L, a, b: a @ b, R(5, 2, 3), R(3)),
    case("matmul_1d_3d", lambda L, a, b: a @ b, R(3), R(5, 3, 4)),
    case("matmul_4d_4d", lambda L, a, b: a @ b, R(2, 5, 2, 3), R(2, 5, 3, 4)),
    case("matmul_4d_4d_broadcast", lambda L, a, b: a @ b, R(2, 1, 2, 3), R(1, 5, 3, 4)),
    case("matmul_4d_3d", lambda L, a, b: a @ b, R(2, 5, 2, 3), R(5, 3, 4)),
    case("matmul_3d_4d", lambda L, a, b: a @ b, R(5, 2, 3), R(2, 5, 3, 4)),
    case("matmul_4d_2d", lambda L, a, b: a @ b, R(2, 5, 2, 3), R(3, 4)),
    case("matmul_4d_1d", lambda L, a, b: a @ b, R(2, 5, 2, 3), R(3)),
    case("matmul_1d_4d", lambda L, a, b: a @ b, R(3), R(2, 5, 3, 4)),
    case("matmul_3d_3d_batch1_left", lambda L, a, b: a @ b, R(1, 2, 3), R(5, 3, 4)),
    case("matmul_3d_3d_batch1_right", lambda L, a, b: a @ b, R(5, 2, 3), R(1, 3, 4)),
    case("matmul_3d_transposed_2d", lambda L, a, b: a.transpose(1, 2) @ b, R(5, 3, 2), R(3, 4)),
    case("matmul_transposed_2d", lambda L, a, b: a.t() @ b.t(), R(3, 2), R(4, 3)),
    case("matmul_transposed_batch", lambda L, a, b: a.transpose(1, 2) @ b.transpose(1, 2),
         R(4, 3, 2), R(4, 5, 3)),
    case("matmul_strided_numpy", lambda L, a, b: a @ b, T(R(3, 2)), T(R(4, 3))),
    case("matmul_f64", lambda L, a, b: a @ b, R(4, 3, dtype=F64), R(3, 5, dtype=F64)),
    case("matmul_f64_batch", lambda L, a, b: a @ b, R(2, 4, 3, dtype=F64), R(3, 5, dtype=F64)),
    case("matmul_int64", lambda L, a, b: a @ b, I(3, 4), I(4, 2)),
    case("matmul_int64_batch", lambda L, a, b: a @ b, I(2, 3, 4), I(2, 4, 2)),
    case("matmul_int64_1d", lambda L, a, b: a @ b, I(4), I(4)),
    case("matmul_int32", lambda L, a, b: a @ b, I(3, 4, dtype=np.int32), I(4, 2, dtype=np.int32)),
    case("matmul_method", lambda L, a, b: a.matmul(b), R(2, 3), R(3, 4)),
    case("matmul_fn", lambda L, a, b: L.matmul(a, b), R(5, 2, 3), R(3)),
    case("rmatmul", lambda L, a, b: b.__rmatmul__(a), R(2, 3), R(3, 4)),
    case("matmul_empty_inner", lambda L, a, b: a @ b, np.zeros((2, 0), np.float32),
         np.zeros((0, 3), np.float32)),
    case("matmul_empty_batch", lambda L, a, b: a @ b, np.zeros((0, 2, 3), np.float32), R(3, 4)),
    case("matmul_large", lambda L, a, b: a @ b, R(67, 45), R(45, 71)),
    case("matmul_large_transposed", lambda L, a, b: a.t() @ b, R(45, 67), R(45, 71)),
    case("matmul_large_batch", lambda L, a, b: a @ b, R(3, 40, 50), R(3, 50, 33)),
    # ---- mm / bmm / mv / dot / outer ----
    case("mm", lambda L, a, b: L.mm(a, b), R(2, 3), R(3, 4)),
    case("mm_method", lambda L, a, b: a.mm(b), R(4, 3), R(3, 1)),
    case("mm_transposed", lambda L, a, b: a.t().mm(b), R(3, 2), R(3, 4)),
    case("mm_row_col", lambda L, a, b: a.mm(b), R(1, 5), R(5, 1)),
    case("bmm", lambda L, a, b: L.bmm(a, b), R(5, 2, 3), R(5, 3, 4)),
    case("bmm_transposed", lambda L, a, b: a.bmm(b.transpose(1, 2)), R(5, 2, 3), R(5, 4, 3)),
    case("bmm_expanded", lambda L, a, b: a.bmm(b.expand(5, 3, 4)), R(5, 2, 3), R(1, 3, 4)),
    case("bmm_int", lambda L, a, b: a.bmm(b), I(2, 2, 3), I(2, 3, 2)),
    case("mv", lambda L, a, b: L.mv(a, b), R(2, 3), R(3)),
    case("mv_transposed", lambda L, a, b: a.t().mv(b), R(3, 2), R(3)),
    case("mv_strided_vec", lambda L, a, b: a.mv(b), R(2, 3), R(6)[::2]),
    case("dot", lambda L, a, b: L.dot(a, b), R(5), R(5)),
    case("dot_strided", lambda L, a, b: a.dot(b), R(6)[::2], R(6)[1::2]),
    case("dot_int", lambda L, a, b: a.dot(b), I(4), I(4)),
    case("outer", lambda L, a, b: L.outer(a, b), R(3), R(4)),
    case("outer_method", lambda L, a, b: a.outer(b), R(3, dtype=F64), R(2, dtype=F64)),
    case("outer_mixed_dtype", lambda L, a, b: L.outer(a, b), R(3), I(2)),
    case("ger", lambda L, a, b: L.ger(a, b), R(3), R(4)),
    # ---- addmm ----
    case("addmm", lambda L, c, a, b: L.addmm(c, a, b), R(4), R(2, 3), R(3, 4)),
    case("addmm_beta_alpha", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2), R(4), R(2, 3),
         R(3, 4)),
    case("addmm_matrix_bias", lambda L, c, a, b: L.addmm(c, a, b), R(2, 4), R(2, 3), R(3, 4)),
    case("addmm_column_bias", lambda L, c, a, b: L.addmm(c, a, b, beta=2), R(2, 1), R(2, 3), R(3, 4)),
    case("addmm_scalar_bias", lambda L, c, a, b: L.addmm(c, a, b), R(), R(2, 3), R(3, 4)),
    case("addmm_beta0_nan", lambda L, c, a, b: L.addmm(c, a, b, beta=0),
         np.full(4, np.nan, np.float32), R(2, 3), R(3, 4)),
    case("addmm_method", lambda L, c, a, b: c.addmm(a, b, alpha=-1), R(2, 4), R(2, 3), R(3, 4)),
    case("addmm_transposed", lambda L, c, a, b: L.addmm(c, a.t(), b.t()), R(4), R(3, 2), R(4, 3)),
    case("addmm_int", lambda L, c, a, b: L.addmm(c, a, b, beta=2, alpha=3), I(4), I(2, 3), I(3, 4)),
    case("addmm_int_fractional", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5), I(4), I(2, 3),
         I(3, 4)),
    # ---- addmv / addr / baddbmm / addbmm (Note [Adding a product]) ----
    case("addmv", lambda L, c, a, v: L.addmv(c, a, v), R(2), R(2, 3), R(3)),
    case("addmv_beta_alpha", lambda L, c, a, v: L.addmv(c, a, v, beta=0.5, alpha=-2), R(1), R(2, 3),
         R(3)),
    case("addmv_scalar_input", lambda L, c, a, v: c.addmv(a.t(), v), R(), R(3, 2), R(3)),
    case("addmv_one_row", lambda L, c, a, v: L.addmv(c, a, v), R(1), R(1, 5), R(5)),
    case("addmv_beta0_nan", lambda L, c, a, v: L.addmv(c, a, v, beta=0),
         np.full(2, np.nan, np.float32), R(2, 3), R(3)),
    case("addmv_int", lambda L, c, a, v: L.addmv(c, a, v, beta=2, alpha=3), I(2), I(2, 3), I(3)),
    case("addr", lambda L, c, a, b: L.addr(c, a, b), R(2, 3), R(2), R(3)),
    case("addr_broadcast_beta_alpha", lambda L, c, a, b: c.addr(a, b, beta=2, alpha=0.5), R(3),
         R(2), R(3)),
    case("addr_beta0_nan", lambda L, c, a, b: L.addr(c, a, b, beta=0),
         np.full((2, 3), np.nan, np.float32), R(2), R(3)),
    # (values only: torch's backward of mixed dtypes raises in its mv)
    case("addr_promotes", lambda L, c, a, b: L.addr(c.detach(), a.detach(), b),
         R(2, 3, dtype=F64), R(2), I(3)),
    case("addr_int", lambda L, c, a, b: L.addr(c, a, b, beta=2, alpha=-1), I(2, 3), I(2), I(3)),
    case("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b), R(2, 3, 4), R(2, 3, 5), R(2, 5, 4)),
    case("baddbmm_broadcast_beta_alpha",
         lambda L, c, a, b: c.baddbmm(a, b, beta=0.5, alpha=0.125), R(4), R(2, 3, 5), R(2, 5, 4)),
    case("baddbmm_transposed", lambda L, c, a, b: L.baddbmm(c, a.transpose(1, 2), b),
         R(3, 4), R(2, 5, 3), R(2, 5, 4)),
    case("baddbmm_beta0_nan", lambda L, c, a, b: L.baddbmm(c, a, b, beta=0),
         np.full((2, 3, 4), np.nan, np.float32), R(2, 3, 5), R(2, 5, 4)),
    case("baddbmm_f64", lambda L, c, a, b: L.baddbmm(c, a, b, alpha=-1), R(1, 3, 1, dtype=F64),
         R(4, 3, 6, dtype=F64), R(4, 6, 2, dtype=F64)),
    case("addbmm", lambda L, c, a, b: L.addbmm(c, a, b), R(3, 4), R(2, 3, 5), R(2, 5, 4)),
    case("addbmm_broadcast_beta_alpha", lambda L, c, a, b: c.addbmm(a, b, beta=-1, alpha=2),
         R(4), R(3, 3, 5), R(3, 5, 4)),
    case("addbmm_empty_batch", lambda L, c, a, b: L.addbmm(c, a, b, beta=0.5), R(3, 4), R(0, 3, 5),
         R(0, 5, 4)),
    # nothing to multiply: torch checks fewer dtypes (values only: nothing requires grad)
    case("baddbmm_empty_inner_dtypes", lambda L, c, a, b: L.baddbmm(c.detach(), a.detach(), b),
         R(1, 1, 1, dtype=F64), np.zeros((1, 4, 0)), np.zeros((1, 0, 4), np.float32)),
    case("addbmm_empty_batch_dtypes", lambda L, c, a, b: L.addbmm(c.detach(), a.detach(), b),
         R(1), np.zeros((0, 2, 2)), np.zeros((0, 2, 3), np.float32)),
    case("addr_bool", lambda L, c, a, b: L.addr(c, a, b, beta=True), B(2, 3), B(2), B(3)),
    # an empty Bool product keeps beta * input (torch's scaled input)
    case("addmv_bool_empty_product", lambda L, c: L.addmv(c, L.zeros(4, 0, dtype=L.bool),
                                                          L.zeros(0, dtype=L.bool)), B(4)),
    case("baddbmm_bool_empty_product_true_beta",
         lambda L, c: L.baddbmm(c, L.zeros(1, 1, 0, dtype=L.bool), L.zeros(1, 0, 2, dtype=L.bool),
                                beta=True), B(1, 1, 2)),
    case("addbmm_bool_empty_result", lambda L, c: c.addbmm(L.ones(1, 3, 5, dtype=L.bool),
                                                            L.zeros(1, 5, 0, dtype=L.bool)), B(3, 0)),
    case("baddbmm_bool_empty_batch", lambda L, c: L.baddbmm(c, L.zeros(0, 3, 2, dtype=L.bool),
                                                             L.zeros(0, 2, 4, dtype=L.bool)), B()),
    # beta = 0 scales nothing, so no dtype is refused; an integer beta scales integers
    case("addbmm_bool_empty_batch_zero_beta", lambda L, c: L.addbmm(
        c, L.zeros(0, 2, 2, dtype=L.bool), L.zeros(0, 2, 1, dtype=L.bool), beta=0.0), B(2, 1)),
    case("addbmm_int_empty_batch_int_beta", lambda L: L.addbmm(
        L.ones(2, 1, dtype=L.int32), L.ones(0, 2, 2, dtype=L.int32), L.ones(0, 2, 1, dtype=L.int32),
        beta=2)),
    case("baddbmm_int_empty_inner_zero_beta", lambda L: L.baddbmm(
        L.ones(1, 2, 1, dtype=L.int32), L.ones(1, 2, 0, dtype=L.int32), L.ones(1, 0, 1, dtype=L.int32),
        beta=0.0)),
    # a transposed input lends addr's result its layout
    case("addr_transposed_input_layout", lambda L, c, a, b: L.addr(c.t(), a, b).t().view(-1),
         R(4, 5), R(5), R(4)),
    case("addbmm_beta0_nan", lambda L, c, a, b: L.addbmm(c, a, b, beta=0),
         np.full((3, 4), np.nan, np.float32), R(2, 3, 5), R(2, 5, 4)),
    # ---- nn.functional.linear ----
    case("linear", lambda L, x, w, b: lin(L)(x, w, b), R(2, 3), R(4, 3), R(4)),
    case("linear_no_bias", lambda L, x, w: lin(L)(x, w), R(2, 3), R(4, 3)),
    case("linear_3d", lambda L, x, w, b: lin(L)(x, w, b), R(5, 2, 3), R(4, 3), R(4)),
    case("linear_3d_no_bias", lambda L, x, w: lin(L)(x, w), R(5, 2, 3), R(4, 3)),
    case("linear_4d", lambda L, x, w, b: lin(L)(x, w, b), R(2, 5, 3, 2), R(4, 2), R(4)),
    case("linear_1d", lambda L, x, w, b: lin(L)(x, w, b), R(3), R(4, 3), R(4)),
    case("linear_1d_no_bias", lambda L, x, w: lin(L)(x, w), R(3), R(4, 3)),
    case("linear_vector_weight", lambda L, x, w: lin(L)(x, w), R(2, 3), R(3)),
    case("linear_matrix_bias", lambda L, x, w, b: lin(L)(x, w, b), R(2, 3), R(4, 3), R(2, 4)),
    case("linear_3d_matrix_bias", lambda L, x, w, b: lin(L)(x, w, b), R(5, 2, 3), R(4, 3), R(2, 4)),
    case("linear_scalar_bias", lambda L, x, w, b: lin(L)(x, w, b), R(2, 3), R(4, 3), R()),
    case("linear_3d_scalar_bias", lambda L, x, w, b: lin(L)(x, w, b), R(5, 2, 3), R(4, 3), R()),
    case("linear_strided_2d", lambda L, x, w, b: lin(L)(x.t(), w, b), R(3, 2), R(4, 3), R(4)),
    case("linear_strided_3d", lambda L, x, w, b: lin(L)(x.transpose(1, 2), w, b), R(5, 3, 2),
         R(4, 3), R(4)),
    case("linear_f64", lambda L, x, w, b: lin(L)(x, w, b), R(6, 3, dtype=F64), R(4, 3, dtype=F64),
         R(4, dtype=F64)),
    case("linear_keyword_bias", lambda L, x, w, b: lin(L)(x, w, bias=b), R(2, 3), R(4, 3), R(4)),
    # ---- einsum ----
    case("einsum_mm", lambda L, a, b: L.einsum("ij,jk->ik", a, b), R(2, 3), R(3, 4)),
    case("einsum_bmm", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), R(5, 2, 3), R(5, 3, 4)),
    case("einsum_dot", lambda L, a, b: L.einsum("i,i->", a, b), R(3), R(3)),
    case("einsum_transpose", lambda L, a: L.einsum("ij->ji", a), R(3, 4)),
    case("einsum_diagonal", lambda L, a: L.einsum("ii->i", a), R(3, 3)),
    case("einsum_trace", lambda L, a: L.einsum("ii", a), R(3, 3)),
    case("einsum_sum_all", lambda L, a: L.einsum("ij->", a), R(3, 4)),
    case("einsum_sum_rows", lambda L, a: L.einsum("ij->j", a), R(3, 4)),
    case("einsum_sum_cols", lambda L, a: L.einsum("ij->i", a), R(3, 4)),
    case("einsum_outer", lambda L, a, b: L.einsum("i,j->ij", a, b), R(3), R(4)),
    case("einsum_attention", lambda L, a, b: L.einsum("bhqd,bhkd->bhqk", a, b), R(2, 3, 4, 5),
         R(2, 3, 6, 5)),
    case("einsum_hadamard", lambda L, a, b: L.einsum("ij,ij->ij", a, b), R(2, 3), R(2, 3)),
    case("einsum_frobenius", lambda L, a, b: L.einsum("ij,ij->", a, b), R(2, 3), R(2, 3)),
    case("einsum_implicit", lambda L, a, b: L.einsum("ij,jk", a, b), R(2, 3), R(3, 4)),
    case("einsum_implicit_identity", lambda L, a: L.einsum("ij", a), R(2, 3)),
    case("einsum_implicit_transpose", lambda L, a: L.einsum("ji", a), R(2, 3)),
    case("einsum_mm_bt", lambda L, a, b: L.einsum("ij,kj->ik", a, b), R(2, 3), R(4, 3)),
    case("einsum_mv", lambda L, a, b: L.einsum("ij,j->i", a, b), R(2, 3), R(3)),
    case("einsum_out_transposed", lambda L, a, b: L.einsum("ij,jk->ki", a, b), R(2, 3), R(3, 4)),
    case("einsum_three_operands", lambda L, a, b, c: L.einsum("ij,jk,kl->il", a, b, c), R(2, 3),
         R(3, 4), R(4, 5)),
    case("einsum_sum_then_product", lambda L, a, b: L.einsum("ij,k->ik", a, b), R(2, 3), R(4)),
    case("einsum_list", lambda L, a, b: L.einsum("ij,jk->ik", [a, b]), R(2, 3), R(3, 4)),
    case("einsum_spaces", lambda L, a, b: L.einsum("i j , j k -> i k", a, b), R(2, 3), R(3, 4)),
    case("einsum_broadcast_one", lambda L, a, b: L.einsum("ij,jk->ik", a, b), R(1, 3), R(3, 4)),
    case("einsum_ellipsis", lambda L, a, b: L.einsum("...ij,...jk->...ik", a, b), R(5, 2, 3),
         R(3, 4)),
    case("einsum_ellipsis_implicit", lambda L, a: L.einsum("...ij", a), R(2, 3, 4)),
    case("einsum_ellipsis_summed", lambda L, a: L.einsum("i...->i", a), R(2, 3, 4)),
    case("einsum_uppercase", lambda L, a, b: L.einsum("Ab,bC->AC", a, b), R(2, 3), R(3, 4)),
    case("einsum_strided", lambda L, a, b: L.einsum("ij,jk->ik", a, b), T(R(3, 2)), T(R(4, 3))),
    case("einsum_f64", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), R(2, 2, 3, dtype=F64),
         R(2, 3, 4, dtype=F64)),
    case("einsum_int", lambda L, a, b: L.einsum("ij,jk->ik", a, b), I(2, 3), I(3, 4)),
    case("einsum_batch_diag", lambda L, a: L.einsum("bii->bi", a), R(2, 3, 3)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_op(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_matmul_operator_rejects_non_tensors():
    x = cgrad.ones(3)
    for bad in (2, 2.5, [1.0, 2.0, 3.0]):
        with pytest.raises(TypeError):
            x @ bad
        with pytest.raises(TypeError):
            bad @ x


def test_products_of_transposed_views_copy_nothing_and_match_numpy():
    rng = np.random.default_rng(0)
    for trans_a in (False, True):
        for trans_b in (False, True):
            a = rng.standard_normal((37, 29) if not trans_a else (29, 37)).astype(np.float32)
            b = rng.standard_normal((29, 41) if not trans_b else (41, 29)).astype(np.float32)
            ta, tb = cgrad.tensor(a), cgrad.tensor(b)
            got = (ta.t() if trans_a else ta) @ (tb.t() if trans_b else tb)
            want = (a.T if trans_a else a).astype(F64) @ (b.T if trans_b else b).astype(F64)
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)


# Note [mm gradient layout]: a column-major operand (a transposed matrix, as linear's
# t(weight)) gets its gradient in its own memory order, as torch computes it; hooks on
# the operands see the strides of what the backward node returned.
LAYOUT_CASES = {
    "mm": lambda L, x, w, b: L.mm(x, w),
    "addmm": lambda L, x, w, b: L.addmm(b, x, w),
}


@pytest.mark.parametrize("name", sorted(LAYOUT_CASES))
@pytest.mark.parametrize("x_transposed", [False, True])
@pytest.mark.parametrize("w_transposed", [False, True])
def test_gradients_of_transposed_operands_keep_torchs_strides(name, x_transposed, w_transposed):
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((5, 6) if x_transposed else (6, 5)).astype(np.float32)
    w_np = rng.standard_normal((4, 5) if w_transposed else (5, 4)).astype(np.float32)
    b_np = rng.standard_normal(4).astype(np.float32)
    seen = {}
    for L in (torch, cgrad):
        x, w, b = (L.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
        xo = x.t() if x_transposed else x * 1
        wo = w.t() if w_transposed else w * 1
        strides = []
        for operand in (xo, wo):
            operand.register_hook(lambda g, strides=strides: strides.append((g.stride(), g.numpy().copy())))
        LAYOUT_CASES[name](L, xo, wo, b).sum().backward()
        seen[L] = strides
    assert [s for s, _ in seen[cgrad]] == [s for s, _ in seen[torch]]
    for (_, got), (_, want) in zip(seen[cgrad], seen[torch]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


ERRORS = [
    error_case("matmul_0d", lambda L: L.matmul(L.ones(()), L.ones(3))),
    error_case("matmul_shapes", lambda L: L.ones(2, 3) @ L.ones(4, 5)),
    error_case("matmul_1d_1d_shapes", lambda L: L.ones(3) @ L.ones(4)),
    error_case("matmul_2d_1d_shapes", lambda L: L.ones(2, 3) @ L.ones(4)),
    error_case("matmul_1d_2d_shapes", lambda L: L.ones(4) @ L.ones(3, 4)),
    error_case("matmul_3d_shapes", lambda L: L.ones(5, 2, 3) @ L.ones(5, 4, 4)),
    error_case("matmul_batch_broadcast", lambda L: L.ones(5, 2, 3) @ L.ones(4, 3, 4)),
    error_case("matmul_3d_1d_shapes", lambda L: L.ones(5, 2, 3) @ L.ones(4)),
    error_case("matmul_dtypes", lambda L: L.ones(2, 3) @ L.ones(3, 4, dtype=L.float64)),
    error_case("matmul_int_float", lambda L: L.ones(2, 3, dtype=L.int64) @ L.ones(3, 2)),
    error_case("matmul_batch_dtypes", lambda L: L.ones(5, 2, 3) @ L.ones(5, 3, 4, dtype=L.float64)),
    error_case("matmul_bool", lambda L: L.ones(2, 3, dtype=L.bool) @ L.ones(3, 2, dtype=L.bool)),
    error_case("matmul_bool_batch", lambda L: L.ones(2, 2, 3, dtype=L.bool) @ L.ones(2, 3, 2, dtype=L.bool)),
    error_case("matmul_bool_1d", lambda L: L.ones(3, dtype=L.bool) @ L.ones(3, dtype=L.bool)),
    error_case("mm_vector", lambda L: L.mm(L.ones(2, 3), L.ones(3))),
    error_case("mm_3d", lambda L: L.mm(L.ones(2, 2, 3), L.ones(3, 4))),
    error_case("mm_shapes", lambda L: L.mm(L.ones(2, 3), L.ones(4, 5, dtype=L.float64))),
    error_case("mm_int_dtypes", lambda L: L.mm(L.ones(2, 3, dtype=L.int32), L.ones(3, 5, dtype=L.int64))),
    error_case("bmm_2d", lambda L: L.bmm(L.ones(2, 3), L.ones(3, 4))),
    error_case("bmm_2d_second", lambda L: L.bmm(L.ones(5, 2, 3), L.ones(3, 4))),
    error_case("bmm_batch", lambda L: L.bmm(L.ones(5, 2, 3), L.ones(4, 3, 4))),
    error_case("bmm_inner", lambda L: L.bmm(L.ones(5, 2, 3), L.ones(5, 4, 4))),
    error_case("bmm_dtypes", lambda L: L.bmm(L.ones(5, 2, 3), L.ones(5, 3, 4, dtype=L.float64))),
    error_case("mv_shapes", lambda L: L.mv(L.ones(2, 3), L.ones(4))),
    error_case("mv_ranks", lambda L: L.mv(L.ones(2, 3), L.ones(3, 4))),
    error_case("mv_dtypes", lambda L: L.mv(L.ones(2, 3), L.ones(3, dtype=L.float64))),
    error_case("mv_bool", lambda L: L.mv(L.ones(2, 3, dtype=L.bool), L.ones(3, dtype=L.bool))),
    error_case("dot_shapes", lambda L: L.dot(L.ones(3), L.ones(4))),
    error_case("dot_2d", lambda L: L.dot(L.ones(2, 2), L.ones(2, 2))),
    error_case("dot_dtypes", lambda L: L.dot(L.ones(3), L.ones(3, dtype=L.float64))),
    error_case("outer_2d", lambda L: L.outer(L.ones(2, 3), L.ones(3))),
    error_case("outer_vec2_2d", lambda L: L.outer(L.ones(3), L.ones(3, 2))),
    error_case("addmv_ranks", lambda L: L.addmv(L.ones(3, 1), L.ones(3, 4), L.ones(4))),
    error_case("addmv_shapes", lambda L: L.addmv(L.ones(3), L.ones(3, 4), L.ones(5))),
    error_case("addmv_input_shape", lambda L: L.addmv(L.ones(2), L.ones(3, 4), L.ones(4))),
    error_case("addmv_dtypes", lambda L: L.addmv(L.ones(3, dtype=L.float64), L.ones(3, 4),
                                                 L.ones(4))),
    error_case("addmv_bool", lambda L: L.addmv(L.ones(3, dtype=L.bool), L.ones(3, 4, dtype=L.bool),
                                               L.ones(4, dtype=L.bool))),
    error_case("addr_ranks", lambda L: L.addr(L.ones(3, 4), L.ones(3, 1), L.ones(4))),
    error_case("addr_input_shape", lambda L: L.addr(L.ones(2, 4), L.ones(3), L.ones(4))),
    error_case("addr_int_float_beta", lambda L: L.addr(L.ones(3, 4, dtype=L.int64),
                                                       L.ones(3, dtype=L.int64),
                                                       L.ones(4, dtype=L.int64), beta=0.5)),
    error_case("baddbmm_shapes", lambda L: L.baddbmm(L.ones(2, 3, 5), L.ones(2, 3, 4),
                                                     L.ones(2, 5, 5))),
    error_case("baddbmm_batches", lambda L: L.baddbmm(L.ones(2, 3, 5), L.ones(2, 3, 4),
                                                      L.ones(3, 4, 5))),
    error_case("baddbmm_ranks", lambda L: L.baddbmm(L.ones(2, 3, 5), L.ones(2, 3, 4),
                                                    L.ones(1, 2, 4, 5))),
    error_case("baddbmm_rank_2", lambda L: L.baddbmm(L.ones(3, 5), L.ones(3, 4), L.ones(4, 5))),
    error_case("baddbmm_rank_2_fits", lambda L: L.baddbmm(L.ones(3, 5), L.ones(2, 3, 4),
                                                          L.ones(1, 4, 5))),
    error_case("baddbmm_input_shape", lambda L: L.baddbmm(L.ones(4, 5), L.ones(2, 3, 4),
                                                          L.ones(2, 4, 5))),
    error_case("baddbmm_dtypes", lambda L: L.baddbmm(L.ones(3, 5, dtype=L.float64),
                                                     L.ones(2, 3, 4), L.ones(2, 4, 5))),
    error_case("baddbmm_bool_empty_product_int_beta",
               lambda L: L.baddbmm(L.ones(1, 1, 2, dtype=L.bool), L.zeros(1, 1, 0, dtype=L.bool),
                                   L.zeros(1, 0, 2, dtype=L.bool))),
    error_case("baddbmm_bool", lambda L: L.baddbmm(L.ones(2, 3, 5, dtype=L.bool),
                                                   L.ones(2, 3, 4, dtype=L.bool),
                                                   L.ones(2, 4, 5, dtype=L.bool))),
    # torch checks batch1's dtype (no Bool kernel) before batch2's against it
    *[error_case(f"baddbmm_batch_dtypes_{a}_{b}", lambda L, a=a, b=b: L.baddbmm(
        L.ones(1, 1, 3, dtype=getattr(L, a)), L.ones(1, 1, 2, dtype=getattr(L, a)),
        L.ones(1, 2, 3, dtype=getattr(L, b))))
      for a, b in (("bool", "float32"), ("bool", "int64"), ("int64", "float32"),
                   ("float32", "bool"), ("float16", "float32"))],
    error_case("baddbmm_0d_batch1", lambda L: L.baddbmm(L.ones(2, 2, 2), L.tensor(1.0),
                                                        L.ones(2, 2, 2))),
    error_case("baddbmm_0d_batch2", lambda L: L.baddbmm(L.ones(2, 2, 2), L.ones(2, 2, 2),
                                                        L.tensor(1.0))),
    error_case("addbmm_1d_batch1", lambda L: L.addbmm(L.ones(1, 1), L.ones(1), L.ones(1, 1, 1))),
    error_case("addbmm_bool_empty_batch", lambda L: L.addbmm(
        L.ones(2, 2, dtype=L.bool), L.ones(0, 2, 3, dtype=L.bool), L.ones(0, 3, 2, dtype=L.bool))),
    error_case("addbmm_bool_empty_inner", lambda L: L.addbmm(
        L.ones(1, 1, dtype=L.bool), L.ones(3, 3, 0, dtype=L.bool), L.ones(3, 0, 4, dtype=L.bool))),
    error_case("addbmm_bool", lambda L: L.addbmm(
        L.ones(1, 1, dtype=L.bool), L.ones(3, 3, 2, dtype=L.bool), L.ones(3, 2, 4, dtype=L.bool))),
    # with nothing to multiply torch scales the input in place by a nonzero beta: a float
    # beta (even 1.0) cannot be written into integers, nor a number into bools
    *[error_case(f"{name}_int_float_beta_{beta}", lambda L, make=make, beta=beta: make(L, beta))
      for beta in (0.5, 1.0)
      for name, make in (
          ("addbmm_empty_batch", lambda L, beta: L.addbmm(
              L.ones(2, 1, dtype=L.int32), L.ones(0, 2, 2, dtype=L.int32),
              L.ones(0, 2, 1, dtype=L.int32), beta=beta)),
          ("addbmm_empty_batch_empty_result", lambda L, beta: L.addbmm(
              L.ones(0, 1, dtype=L.int32), L.ones(0, 0, 2, dtype=L.int32),
              L.ones(0, 2, 1, dtype=L.int32), beta=beta)),
          ("addbmm_empty_inner", lambda L, beta: L.addbmm(
              L.ones(2, 1, dtype=L.int64), L.ones(3, 2, 0, dtype=L.int64),
              L.ones(3, 0, 1, dtype=L.int64), beta=beta)),
          ("baddbmm_empty_inner", lambda L, beta: L.baddbmm(
              L.ones(1, 2, 1, dtype=L.int32), L.ones(1, 2, 0, dtype=L.int32),
              L.ones(1, 0, 1, dtype=L.int32), beta=beta)))],
    error_case("addbmm_bool_empty_batch_int_beta", lambda L: L.addbmm(
        L.ones(2, 1, dtype=L.bool), L.ones(0, 2, 2, dtype=L.bool), L.ones(0, 2, 1, dtype=L.bool),
        beta=2)),
    error_case("addmv_0d_input_mismatch", lambda L: L.addmv(L.tensor(2.0), L.ones(1, 1),
                                                            L.ones(4))),
    # the input must fit the product even where beta = 0 leaves it unread
    error_case("addr_beta0_input_shape", lambda L: L.addr(L.ones(1, 2), L.ones(1), L.ones(1),
                                                          beta=0)),
    error_case("addbmm_beta0_input_shape", lambda L: L.addbmm(L.ones(1, 5), L.ones(2, 1, 3),
                                                              L.ones(2, 3, 1), beta=0)),
    error_case("addr_bool_float_beta", lambda L: L.addr(
        L.ones(2, 2, dtype=L.bool), L.ones(2, dtype=L.bool), L.ones(2, dtype=L.bool), beta=1.5)),
    error_case("addr_bool_beta_float", lambda L: L.addr(L.ones(2, 2), L.ones(2), L.ones(2),
                                                        beta=True)),
    error_case("addr_int_bool_alpha", lambda L: L.addr(
        L.ones(2, 2, dtype=L.int64), L.ones(2, dtype=L.int64), L.ones(2, dtype=L.int64),
        alpha=True)),
    error_case("addbmm_batches", lambda L: L.addbmm(L.ones(3, 5), L.ones(2, 3, 4),
                                                    L.ones(3, 4, 5))),
    error_case("addbmm_shapes", lambda L: L.addbmm(L.ones(3, 5), L.ones(2, 3, 4),
                                                   L.ones(2, 5, 5))),
    error_case("addbmm_input_shape", lambda L: L.addbmm(L.ones(4, 5), L.ones(2, 3, 4),
                                                        L.ones(2, 4, 5))),
    error_case("addbmm_dtypes", lambda L: L.addbmm(L.ones(3, 5), L.ones(2, 3, 4, dtype=L.float64),
                                                   L.ones(2, 4, 5))),
    error_case("addbmm_input_dtype", lambda L: L.addbmm(L.ones(3, 5, dtype=L.float64),
                                                        L.ones(2, 3, 4), L.ones(2, 4, 5))),
    error_case("addmm_shapes", lambda L: L.addmm(L.ones(4), L.ones(2, 3), L.ones(4, 4))),
    error_case("addmm_bias_shape", lambda L: L.addmm(L.ones(5), L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_vector", lambda L: L.addmm(L.ones(4), L.ones(3), L.ones(3, 4))),
    error_case("addmm_bias_dtype", lambda L: L.addmm(L.ones(4, dtype=L.float64), L.ones(2, 3), L.ones(3, 4))),
    error_case("addmm_mat_dtypes", lambda L: L.addmm(L.ones(4), L.ones(2, 3, dtype=L.float64), L.ones(3, 4))),
    error_case("linear_shapes", lambda L: L.nn.functional.linear(L.ones(2, 3), L.ones(4, 4))),
    error_case("linear_0d", lambda L: L.nn.functional.linear(L.ones(()), L.ones(4, 3))),
    error_case("linear_vector_weight_bias", lambda L: L.nn.functional.linear(L.ones(2, 3), L.ones(3), L.ones(()))),
    error_case("linear_3d_bias_shape", lambda L: L.nn.functional.linear(L.ones(5, 2, 3), L.ones(4, 3), L.ones(3, 4))),
    error_case("einsum_sizes", lambda L: L.einsum("ij,jk->ik", L.ones(2, 3), L.ones(4, 4))),
    error_case("einsum_fewer_operands", lambda L: L.einsum("ij,jk->ik", L.ones(2, 3))),
    error_case("einsum_more_operands", lambda L: L.einsum("i,i", L.ones(3), L.ones(3), L.ones(3))),
    error_case("einsum_rank", lambda L: L.einsum("ijk->i", L.ones(2, 3))),
    error_case("einsum_unknown_output", lambda L: L.einsum("ij->k", L.ones(2, 3))),
    error_case("einsum_repeated_output", lambda L: L.einsum("ij->ii", L.ones(3, 3))),
    error_case("einsum_bad_subscript", lambda L: L.einsum("i1,i", L.ones(3, 3), L.ones(3))),
    error_case("einsum_bad_arrow", lambda L: L.einsum("i-i", L.ones(3))),
    error_case("einsum_diagonal_sizes", lambda L: L.einsum("ii->i", L.ones(3, 4))),
    error_case("einsum_ellipsis_rank", lambda L: L.einsum("...ijk->i", L.ones(3, 4))),
    error_case("einsum_two_ellipses", lambda L: L.einsum("...i...->i", L.ones(3, 4))),
    error_case("einsum_no_operands", lambda L: L.einsum("i->i")),
    error_case("einsum_broadcast", lambda L: L.einsum("i,i->i", L.ones(3), L.ones(4))),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)
