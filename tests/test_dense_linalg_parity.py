"""cgrad.linalg's factorisations, solves and norms against PyTorch, one line per case:
values, dtypes, grad_fn names and gradients, on float32 and float64, single matrices and
batches. Where torch leaves a sign free (eigenvectors, singular vectors) the cases
compare what does not depend on it: |V|, reconstructions, projectors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import R, case, check  # noqa: E402

F64 = np.float64
_rng = np.random.default_rng(77)


def WC(*shape, dtype=np.float32):
    """Well-conditioned square matrices: uniform entries plus n on the diagonal."""
    n = shape[-1]
    return np.asarray(_rng.uniform(-1, 1, shape) + n * np.eye(n), dtype=dtype)


def SPD(*shape, dtype=np.float32):
    """Symmetric positive-definite matrices, well conditioned."""
    a = _rng.uniform(-1, 1, shape)
    n = shape[-1]
    return np.asarray(a @ np.swapaxes(a, -1, -2) + n * np.eye(n), dtype=dtype)


def SYM(*shape, dtype=np.float32):
    """Symmetric matrices with well-separated eigenvalues."""
    a = _rng.uniform(-1, 1, shape)
    n = shape[-1]
    return np.asarray(a + np.swapaxes(a, -1, -2) + np.diag(np.arange(n) * 2.0), dtype=dtype)


def SINGULAR(n, rank, dtype=F64):
    """An n x n matrix of the given rank."""
    return np.asarray(_rng.uniform(-1, 1, (n, rank)) @ _rng.uniform(-1, 1, (rank, n)), dtype=dtype)


CASES = [
    # ---- inverse ----
    case("inv", lambda L, a: L.linalg.inv(a), WC(3, 3)),
    case("inv_f64", lambda L, a: L.linalg.inv(a), WC(4, 4, dtype=F64)),
    case("inv_batch", lambda L, a: L.linalg.inv(a), WC(2, 3, 4, 4)),
    case("inv_1x1", lambda L, a: L.linalg.inv(a), WC(1, 1)),
    case("inv_transposed", lambda L, a: L.linalg.inv(a.mT), WC(5, 5, dtype=F64)),
    case("inverse_fn", lambda L, a: L.inverse(a), WC(3, 3)),
    case("inverse_method", lambda L, a: a.inverse(), WC(2, 3, 3, dtype=F64)),
    case("inv_empty", lambda L, a: L.linalg.inv(a), np.zeros((2, 0, 0), np.float32)),
    # ---- solve ----
    case("solve", lambda L, a, b: L.linalg.solve(a, b), WC(3, 3), R(3, 2)),
    case("solve_f64", lambda L, a, b: L.linalg.solve(a, b), WC(4, 4, dtype=F64), R(4, 3, dtype=F64)),
    case("solve_vector", lambda L, a, b: L.linalg.solve(a, b), WC(3, 3), R(3)),
    case("solve_batch_vectors", lambda L, a, b: L.linalg.solve(a, b), WC(2, 3, 3), R(2, 3)),
    case("solve_broadcast_a", lambda L, a, b: L.linalg.solve(a, b), WC(3, 3, dtype=F64),
         R(2, 3, 2, dtype=F64)),
    case("solve_broadcast_b", lambda L, a, b: L.linalg.solve(a, b), WC(2, 3, 3), R(3, 4)),
    case("solve_vector_broadcast", lambda L, a, b: L.linalg.solve(a, b), WC(2, 3, 3), R(3)),
    case("solve_left_false", lambda L, a, b: L.linalg.solve(a, b, left=False), WC(3, 3), R(4, 3)),
    case("solve_left_false_batch", lambda L, a, b: L.linalg.solve(a, b, left=False),
         WC(2, 3, 3, dtype=F64), R(2, 5, 3, dtype=F64)),
    # ---- determinants ----
    case("det", lambda L, a: L.linalg.det(a), WC(3, 3)),
    case("det_f64_batch", lambda L, a: L.linalg.det(a), WC(2, 4, 4, dtype=F64)),
    case("det_negative", lambda L, a: L.linalg.det(-a), WC(3, 3, dtype=F64)),
    case("det_fn", lambda L, a: L.det(a), R(3, 3, dtype=F64)),
    case("det_method", lambda L, a: a.det(), R(2, 2, 2)),
    # Values only: the gradient at a singular matrix is test_det_gradient_at_singular's.
    case("det_singular_rank2", lambda L, a: L.linalg.det(a), SINGULAR(3, 2), grad=False),
    case("det_zero_matrix", lambda L, a: L.linalg.det(a), np.zeros((3, 3))),
    case("det_singular_batch", lambda L, a: L.linalg.det(a),
         np.stack([SINGULAR(3, 2), WC(3, 3, dtype=F64)]), grad=False),
    case("det_empty", lambda L, a: L.linalg.det(a), np.zeros((2, 0, 0), np.float32)),
    case("slogdet", lambda L, a: L.linalg.slogdet(a), R(3, 3)),
    case("slogdet_batch_f64", lambda L, a: L.linalg.slogdet(a), R(2, 4, 4, dtype=F64)),
    case("slogdet_fn", lambda L, a: L.slogdet(a), R(3, 3, dtype=F64)),
    case("slogdet_method", lambda L, a: a.slogdet(), R(3, 3, dtype=F64)),
    case("logdet", lambda L, a: L.logdet(a), SPD(3, 3)),
    case("logdet_batch_signs", lambda L, a: L.logdet(a),
         np.stack([WC(3, 3, dtype=F64), -WC(3, 3, dtype=F64)])),
    case("logdet_method", lambda L, a: a.logdet(), SPD(2, 3, 3, dtype=F64)),
    # ---- Cholesky ----
    case("cholesky", lambda L, a: L.linalg.cholesky(a), SPD(3, 3)),
    case("cholesky_f64_batch", lambda L, a: L.linalg.cholesky(a), SPD(2, 4, 4, dtype=F64)),
    case("cholesky_upper", lambda L, a: L.linalg.cholesky(a, upper=True), SPD(4, 4)),
    case("cholesky_upper_batch", lambda L, a: L.linalg.cholesky(a, upper=True),
         SPD(3, 3, 3, dtype=F64)),
    case("cholesky_reads_lower", lambda L, a: L.linalg.cholesky(a.tril()), SPD(3, 3, dtype=F64)),
    # ---- QR (LAPACK's sign convention: R's diagonal opposite to the pivot's sign) ----
    case("qr_square", lambda L, a: L.linalg.qr(a), R(3, 3)),
    case("qr_tall", lambda L, a: L.linalg.qr(a), R(5, 3, dtype=F64)),
    case("qr_wide", lambda L, a: L.linalg.qr(a), R(3, 5, dtype=F64)),
    case("qr_batch", lambda L, a: L.linalg.qr(a), R(2, 4, 3)),
    case("qr_complete_wide", lambda L, a: L.linalg.qr(a, mode="complete"), R(2, 4, dtype=F64)),
    case("qr_complete_tall", lambda L, a: L.linalg.qr(a, mode="complete"), R(4, 2, dtype=F64),
         grad=False),
    case("qr_r", lambda L, a: L.linalg.qr(a, mode="r"), R(4, 3), grad=False),
    case("qr_zero_column", lambda L, a: L.linalg.qr(a), np.array([[0.0, 1], [0, 2], [0, 3]]),
         grad=False),
    # ---- symmetric eigen-decomposition ----
    case("eigvalsh", lambda L, a: L.linalg.eigvalsh(a), SYM(4, 4)),
    case("eigvalsh_upper", lambda L, a: L.linalg.eigvalsh(a, UPLO="U"), SYM(3, 3, dtype=F64)),
    case("eigvalsh_batch", lambda L, a: L.linalg.eigvalsh(a), SYM(2, 5, 5, dtype=F64)),
    case("eigh_values", lambda L, a: L.linalg.eigh(a)[0], SYM(4, 4, dtype=F64)),
    case("eigh_vectors_abs", lambda L, a: L.linalg.eigh(a)[1].abs(), SYM(4, 4, dtype=F64)),
    case("eigh_vectors_abs_f32", lambda L, a: L.linalg.eigh(a)[1].abs(), SYM(3, 3)),
    case("eigh_batch_both", lambda L, a: [x.abs() for x in L.linalg.eigh(a)], SYM(2, 3, 3, dtype=F64)),
    case("eigh_upper", lambda L, a: L.linalg.eigh(a, UPLO="U")[1].abs(), SYM(3, 3, dtype=F64)),
    case("eigh_reconstruct", lambda L, a: (lambda w, v: (v * w.unsqueeze(-2)) @ v.mT)(*L.linalg.eigh(a)),
         SYM(4, 4, dtype=F64)),
    case("eigh_diagonal", lambda L, a: L.linalg.eigh(a)[0], np.diag([3.0, -1.0, 2.0]), grad=False),
    # ---- SVD ----
    case("svdvals", lambda L, a: L.linalg.svdvals(a), R(4, 3)),
    case("svdvals_wide_f64", lambda L, a: L.linalg.svdvals(a), R(2, 3, 5, dtype=F64)),
    case("svd_values", lambda L, a: L.linalg.svd(a)[1], R(3, 3, dtype=F64)),
    case("svd_reduced_tall_abs", lambda L, a: [x.abs() for x in L.linalg.svd(a, full_matrices=False)],
         R(5, 3, dtype=F64)),
    case("svd_reduced_wide_abs", lambda L, a: [x.abs() for x in L.linalg.svd(a, full_matrices=False)],
         R(3, 5, dtype=F64)),
    case("svd_reduced_batch_f32", lambda L, a: [x.abs() for x in L.linalg.svd(a, full_matrices=False)],
         R(2, 4, 3)),
    case("svd_full_reconstruct", lambda L, a: (lambda u, s, vh: (u[..., :3] * s.unsqueeze(-2)) @ vh)(
        *L.linalg.svd(a)), R(5, 3, dtype=F64)),
    case("svd_full_projectors", lambda L, a: [m @ m.mT for m in L.linalg.svd(a)[::2]], R(5, 3, dtype=F64),
         grad=False),
    case("svd_rank_deficient_values", lambda L, a: L.linalg.svdvals(a), SINGULAR(4, 2), grad=False),
    # ---- matrix_power, cross ----
    case("matrix_power_3", lambda L, a: L.linalg.matrix_power(a, 3), R(3, 3)),
    case("matrix_power_5_batch", lambda L, a: L.linalg.matrix_power(a, 5), R(2, 3, 3, dtype=F64)),
    case("matrix_power_0", lambda L, a: L.linalg.matrix_power(a, 0), R(3, 3)),
    case("matrix_power_1", lambda L, a: L.linalg.matrix_power(a, 1), R(3, 3)),
    case("matrix_power_neg", lambda L, a: L.linalg.matrix_power(a, -2), WC(3, 3, dtype=F64)),
    case("matrix_power_fn", lambda L, a: L.matrix_power(a, 2), R(3, 3)),
    case("matrix_power_method", lambda L, a: a.matrix_power(4), R(3, 3, dtype=F64)),
    case("cross", lambda L, a, b: L.linalg.cross(a, b), R(4, 3), R(4, 3)),
    case("cross_dim0_broadcast", lambda L, a, b: L.linalg.cross(a, b, dim=0), R(3, 4, dtype=F64),
         R(3, 1, dtype=F64)),
    # ---- norms ----
    case("norm_default", lambda L, a: L.linalg.norm(a), R(3, 4)),
    case("norm_vector_ord", lambda L, a: L.linalg.norm(a, 3), R(5)),
    case("norm_dim", lambda L, a: L.linalg.norm(a, dim=1, keepdim=True), R(3, 4)),
    case("norm_matrix_dims", lambda L, a: L.linalg.norm(a, dim=(0, 2)), R(3, 4, 2)),
    case("norm_matrix_ord1", lambda L, a: L.linalg.norm(a, 1), R(3, 4)),
    case("norm_matrix_nuc", lambda L, a: L.linalg.norm(a, "nuc"), R(3, 4, dtype=F64)),
    case("vector_norm", lambda L, a: L.linalg.vector_norm(a), R(2, 3, 4)),
    case("vector_norm_inf_dim", lambda L, a: L.linalg.vector_norm(a, float("inf"), dim=(0, 2)),
         R(2, 3, 4)),
    case("vector_norm_dtype", lambda L, a: L.linalg.vector_norm(a, 1, dtype=L.float64), R(5)),
    case("matrix_norm_fro", lambda L, a: L.linalg.matrix_norm(a), R(2, 3, 4)),
    case("matrix_norm_1", lambda L, a: L.linalg.matrix_norm(a, 1), R(2, 3, 4)),
    case("matrix_norm_neg1_keepdim", lambda L, a: L.linalg.matrix_norm(a, -1, keepdim=True), R(2, 3, 4)),
    case("matrix_norm_inf", lambda L, a: L.linalg.matrix_norm(a, float("inf")), R(2, 3, 4)),
    case("matrix_norm_neginf_dims", lambda L, a: L.linalg.matrix_norm(a, -float("inf"), dim=(2, 0)),
         R(3, 2, 4)),
    case("matrix_norm_2", lambda L, a: L.linalg.matrix_norm(a, 2), R(2, 3, 4, dtype=F64)),
    case("matrix_norm_neg2", lambda L, a: L.linalg.matrix_norm(a, -2), R(3, 4, dtype=F64)),
    case("matrix_norm_nuc_keepdim", lambda L, a: L.linalg.matrix_norm(a, "nuc", keepdim=True),
         R(2, 3, 4, dtype=F64)),
    case("norm_nuc_top_level", lambda L, a: L.norm(a, p="nuc"), R(3, 4, dtype=F64)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_dense_linalg_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


# Exactly singular in floating point: dyadic entries, rank 2 (third row = first + second)
# and rank 1, so every LU rounds to an exact zero pivot in both libraries.
EXACTLY_SINGULAR = np.array([
    [[0.5, -0.25, 1.0], [0.75, 0.5, -0.5], [1.25, 0.25, 0.5]],
    [[0.5, -0.25, 1.0], [1.0, -0.5, 2.0], [-0.25, 0.125, -0.5]],
])


def _cofactors(a):
    n = a.shape[-1]
    out = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, -2), j, -1)
            out[..., i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


def test_det_gradient_at_singular_is_the_cofactor_matrix():
    # Note [Determinant gradient]: cgrad's gradient of det is the cofactor matrix at every
    # A. torch 2.13 gives it only when the backward is recorded (create_graph, its SVD
    # formula); its first-order path returns det(A) * A^-T, all zeros at an exactly
    # singular A. cgrad matches the recorded path, the true derivative, in both modes.
    expected = _cofactors(EXACTLY_SINGULAR)
    assert np.abs(expected).max() > 0.1  # rank n-1 and n-2 mixed: not all zero
    t = torch.tensor(EXACTLY_SINGULAR, requires_grad=True)
    (torch_recorded,) = torch.autograd.grad(torch.linalg.det(t).sum(), t, create_graph=True)
    np.testing.assert_allclose(torch_recorded.detach().numpy(), expected, atol=1e-12)
    for create_graph in (False, True):
        x = cgrad.tensor(EXACTLY_SINGULAR, requires_grad=True)
        det = cgrad.linalg.det(x)
        assert det.tolist() == [0.0, 0.0]
        (g,) = cgrad.autograd.grad(det.sum(), x, create_graph=create_graph)
        np.testing.assert_allclose(g.detach().numpy(), expected, atol=1e-12)


LAYOUT_CASES = [
    ("inv", lambda L, a: L.linalg.inv(a), WC(3, 3)),
    ("inv_batch", lambda L, a: L.linalg.inv(a), WC(2, 3, 3)),
    ("inverse", lambda L, a: L.inverse(a), WC(3, 3)),
    ("matrix_power_-1", lambda L, a: L.linalg.matrix_power(a, -1), WC(3, 3)),
    ("matrix_power_-2", lambda L, a: L.linalg.matrix_power(a, -2), WC(3, 3)),
    ("solve", lambda L, a: L.linalg.solve(a, a[..., :2]), WC(2, 3, 3)),
    ("solve_vector", lambda L, a: L.linalg.solve(a, a[0]), WC(3, 3)),
    ("solve_right", lambda L, a: L.linalg.solve(a, a[:2], left=False), WC(3, 3)),
    ("cholesky", lambda L, a: L.linalg.cholesky(a), SPD(2, 3, 3)),
    ("cholesky_upper", lambda L, a: L.linalg.cholesky(a, upper=True), SPD(3, 3)),
    ("qr_tall", lambda L, a: L.linalg.qr(a), WC(4, 4)[:, :2].copy()),
    ("qr_complete", lambda L, a: L.linalg.qr(a, mode="complete"), WC(4, 4)[:, :2].copy()),
    ("qr_wide_batch", lambda L, a: L.linalg.qr(a), WC(2, 3, 3)[..., :2, :]),
    ("eigh", lambda L, a: L.linalg.eigh(a), SYM(2, 3, 3)),
    ("svd", lambda L, a: L.linalg.svd(a), WC(4, 4)[:, :3].copy()),
    ("svd_reduced_wide", lambda L, a: L.linalg.svd(a, full_matrices=False),
     WC(4, 4)[:2].copy()),
]


@pytest.mark.parametrize("name,fn,a", LAYOUT_CASES, ids=[c[0] for c in LAYOUT_CASES])
def test_results_are_laid_out_as_torchs(name, fn, a):
    # Note [Linalg results in LAPACK's layout]: strides decide .view, .is_contiguous and
    # the layout of everything computed from a result.
    def strides(r):
        return [x.stride() for x in r] if isinstance(r, tuple) else [r.stride()]
    t = fn(torch, torch.tensor(np.ascontiguousarray(a)))
    c = fn(cgrad, cgrad.tensor(np.ascontiguousarray(a)))
    assert strides(c) == strides(t)


def test_return_types_print_and_unpack_as_torch():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    for name, fn in [("linalg_slogdet", lambda L, x: L.linalg.slogdet(x)),
                     ("slogdet", lambda L, x: L.slogdet(x)),
                     ("linalg_eigh", lambda L, x: L.linalg.eigh(x)),
                     ("linalg_qr", lambda L, x: L.linalg.qr(x)),
                     ("linalg_svd", lambda L, x: L.linalg.svd(x))]:
        t, c = fn(torch, torch.tensor(a)), fn(cgrad, cgrad.tensor(a))
        assert type(c).__name__ == type(t).__name__ == name
        assert c._fields == t._fields if hasattr(t, "_fields") else len(c) == len(t)
        assert repr(c).split("(")[0] == repr(t).split("(")[0].replace("torch", "cgrad")


def test_lin_alg_error_is_torchs_runtime_error_subclass():
    assert cgrad.linalg.LinAlgError is cgrad._C._LinAlgError
    assert issubclass(cgrad.linalg.LinAlgError, RuntimeError)
    assert cgrad.linalg.LinAlgError.__name__ == torch.linalg.LinAlgError.__name__
    with pytest.raises(cgrad.linalg.LinAlgError):
        cgrad.linalg.inv(cgrad.zeros(2, 2))


def _errors(fn):
    """fn(lib) raises in both libraries: the same type name, the same message."""
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(cgrad)
    assert got.type.__name__ == expected.type.__name__, (got.value, expected.value)
    assert issubclass(got.type, RuntimeError) == issubclass(expected.type, RuntimeError)
    assert str(got.value) == str(expected.value)


def _batch_with_singular(L):
    z = L.zeros(2, 3, 3)
    z[0] = L.eye(3)
    return z


def _not_pd(L):
    return L.tensor([[1.0, 2.0], [2.0, 1.0]])


ERRORS = {
    "inv_singular": lambda L: L.linalg.inv(L.zeros(3, 3)),
    "inv_singular_batch": lambda L: L.linalg.inv(_batch_with_singular(L)),
    "inv_not_square": lambda L: L.linalg.inv(L.ones(2, 3)),
    "inv_1d": lambda L: L.linalg.inv(L.ones(3)),
    "inv_int": lambda L: L.linalg.inv(L.ones(3, 3, dtype=L.int64)),
    "det_not_square": lambda L: L.linalg.det(L.ones(2, 3)),
    "det_int": lambda L: L.det(L.ones(3, 3, dtype=L.int64)),
    "logdet_not_square": lambda L: L.logdet(L.ones(2, 3)),
    "slogdet_1d": lambda L: L.linalg.slogdet(L.ones(3)),
    "solve_singular": lambda L: L.linalg.solve(L.zeros(3, 3), L.ones(3)),
    "solve_singular_batch": lambda L: L.linalg.solve(_batch_with_singular(L), L.ones(2, 3, 1)),
    "solve_shapes": lambda L: L.linalg.solve(L.eye(3), L.ones(4, 2)),
    "solve_shapes_left_false": lambda L: L.linalg.solve(L.eye(3), L.ones(2, 4), left=False),
    "solve_dtypes": lambda L: L.linalg.solve(L.eye(3), L.ones(3, dtype=L.float64)),
    "solve_int": lambda L: L.linalg.solve(L.eye(3), L.ones(3, dtype=L.int64)),
    "cholesky_not_pd": lambda L: L.linalg.cholesky(_not_pd(L)),
    "cholesky_not_pd_batch": lambda L: L.linalg.cholesky(L.stack([L.eye(2), _not_pd(L)])),
    "cholesky_not_square": lambda L: L.linalg.cholesky(L.ones(2, 3)),
    "qr_mode": lambda L: L.linalg.qr(L.ones(2, 3), mode="x"),
    "qr_1d": lambda L: L.linalg.qr(L.ones(3)),
    "qr_r_backward": lambda L: L.linalg.qr(L.ones(3, 2, requires_grad=True), mode="r")[1].sum().backward(),
    "qr_complete_tall_backward": lambda L: L.linalg.qr(
        L.ones(4, 2, requires_grad=True), mode="complete")[0].sum().backward(),
    "eigh_uplo": lambda L: L.linalg.eigh(L.eye(3), UPLO="x"),
    "eigh_not_square": lambda L: L.linalg.eigh(L.ones(2, 3)),
    "eigh_nan": lambda L: L.linalg.eigh(L.full((3, 3), float("nan"))),
    "svd_nan": lambda L: L.linalg.svd(L.full((3, 3), float("nan"))),
    "svd_1d": lambda L: L.linalg.svd(L.ones(3)),
    "svdvals_int": lambda L: L.linalg.svdvals(L.ones(3, 3, dtype=L.int64)),
    "matrix_power_not_square": lambda L: L.linalg.matrix_power(L.ones(2, 3), 2),
    "matrix_power_singular_inverse": lambda L: L.linalg.matrix_power(L.zeros(3, 3), -1),
    "cross_not_3": lambda L: L.linalg.cross(L.ones(2, 4), L.ones(2, 4)),
    "matrix_norm_order": lambda L: L.linalg.matrix_norm(L.ones(2, 3), 3),
    "norm_ord_3d": lambda L: L.linalg.norm(L.ones(2, 2, 2), 2),
}
# torch's LAPACK paths refuse float16/bfloat16: by the op's own check or its kernel's
for _dtype in ("float16", "bfloat16"):
    for _name, _call in {
            "inv": lambda L, A: L.linalg.inv(A), "inverse": lambda L, A: L.inverse(A),
            "det": lambda L, A: L.linalg.det(A), "torch_det": lambda L, A: L.det(A),
            "slogdet": lambda L, A: L.linalg.slogdet(A), "logdet": lambda L, A: L.logdet(A),
            "solve": lambda L, A: L.linalg.solve(A, A), "cholesky": lambda L, A: L.linalg.cholesky(A),
            "qr": lambda L, A: L.linalg.qr(A), "eigh": lambda L, A: L.linalg.eigh(A),
            "eigvalsh": lambda L, A: L.linalg.eigvalsh(A), "svd": lambda L, A: L.linalg.svd(A),
            "svdvals": lambda L, A: L.linalg.svdvals(A)}.items():
        ERRORS[f"{_name}_{_dtype}"] = (lambda call, dtype: lambda L: call(
            L, L.eye(3, dtype=getattr(L, dtype))))(_call, _dtype)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_dense_linalg_errors_match_torch(name):
    _errors(ERRORS[name])
