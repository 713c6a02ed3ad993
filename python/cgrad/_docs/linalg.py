"""Docstrings of cgrad.linalg's functions bound in C++ (cgrad._C._linalg), and of the
top-level names torch gives some of them (cgrad.det, cgrad.inverse, ...).

Same format as torch_functions (Note [Docstrings]). Every function takes batches of
matrices [..., m, n]; cgrad.linalg.norm is written in Python and carries its own.
"""

DOCS = r"""
LinAlgError()
    Raised when a factorisation cannot finish: a singular matrix for inv or solve, one
    that is not positive-definite for cholesky. A RuntimeError, as torch's.

cholesky(A, *, upper=False, out=None) -> Tensor
    The lower-triangular L with A = L @ L.mH of each symmetric positive-definite matrix
    (upper=True: the upper factor U, A = U.mH @ U).

cross(input, other, *, dim=-1, out=None) -> Tensor
    Cross product of 3-vectors along dim; the other dims broadcast.

det(A, *, out=None) -> Tensor
    Determinant of each square matrix.

eigh(A, UPLO='L', *, out=None) -> tuple[Tensor, Tensor]
    Eigenvalues (ascending) and eigenvectors of each symmetric matrix, as an
    (eigenvalues, eigenvectors) named tuple; only the UPLO triangle is read. The
    eigenvectors' signs are whatever the algorithm gives, as in torch.

eigvalsh(A, UPLO='L', *, out=None) -> Tensor
    Eigenvalues (ascending) of each symmetric matrix.

inv(A, *, out=None) -> Tensor
    Inverse of each square matrix; LinAlgError when one is singular.

matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None, out=None) -> Tensor
    Matrix norm over the two dims: 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2.

matrix_power(A, n, *, out=None) -> Tensor
    A multiplied by itself n times (the identity for 0, powers of the inverse for n < 0).

qr(A, mode='reduced', *, out=None) -> tuple[Tensor, Tensor]
    Q with orthonormal columns and upper-triangular R with A = Q @ R, as a (Q, R) named
    tuple; mode 'reduced', 'complete' or 'r' (R only, Q empty).

slogdet(A, *, out=None) -> tuple[Tensor, Tensor]
    Sign and log of the absolute value of each determinant, as a (sign, logabsdet) named
    tuple: stable where det would overflow.

solve(A, B, *, left=True, out=None) -> Tensor
    X with A @ X = B (left=False: X @ A = B) for square A; batches broadcast.

svd(A, full_matrices=True, *, out=None) -> tuple[Tensor, Tensor, Tensor]
    Singular value decomposition A = U @ diag(S) @ Vh, as a (U, S, Vh) named tuple, S
    descending. The singular vectors' signs are whatever the algorithm gives, as in torch.

svdvals(A, *, out=None) -> Tensor
    Singular values of each matrix, descending.

vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor
    The ord-norm of x's elements (all of them, or along dim): sum(|x|**ord)**(1/ord), with
    inf, -inf and 0 as torch defines them.
"""

# torch's top-level names for some of them; the Tensor methods follow from these.
TOP_LEVEL = r"""
det(input) -> Tensor
    Alias of cgrad.linalg.det.

inverse(input, *, out=None) -> Tensor
    Alias of cgrad.linalg.inv.

logdet(input) -> Tensor
    Log of the determinant of each square matrix (NaN where it is negative, -inf where
    zero).

matrix_power(input, n, *, out=None) -> Tensor
    Alias of cgrad.linalg.matrix_power.

slogdet(input, *, out=None) -> tuple[Tensor, Tensor]
    Alias of cgrad.linalg.slogdet.
"""
