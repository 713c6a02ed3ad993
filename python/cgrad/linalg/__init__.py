"""cgrad.linalg: torch.linalg's functions over batches of matrices [..., m, n].

The factorisations run in C++ (cgrad._C._linalg); this module adds `norm`, which picks
vector_norm or matrix_norm from its arguments as torch.linalg.norm does.
"""
from .._C import _LinAlgError as LinAlgError
from .._C import _linalg as _impl

inv = _impl.inv
solve = _impl.solve
det = _impl.det
slogdet = _impl.slogdet
cholesky = _impl.cholesky
qr = _impl.qr
eigh = _impl.eigh
eigvalsh = _impl.eigvalsh
svd = _impl.svd
svdvals = _impl.svdvals
matrix_power = _impl.matrix_power
cross = _impl.cross
vector_norm = _impl.vector_norm
matrix_norm = _impl.matrix_norm

__all__ = ["LinAlgError", "inv", "solve", "det", "slogdet", "cholesky", "qr", "eigh",
           "eigvalsh", "svd", "svdvals", "matrix_power", "cross", "vector_norm",
           "matrix_norm", "norm"]


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """A vector or matrix norm, as torch.linalg.norm: with neither `ord` nor `dim` the
    2-norm of all elements; an int `dim` (or one-element tuple) asks for a vector norm,
    a pair of dims for a matrix norm; `ord` without `dim` needs a 1-D or 2-D input.
    `out` is passed on to the norm chosen."""
    written = {} if out is None else {"out": out}
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, **written)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, **written)
    if dim is None:
        if A.dim() not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {A.dim()}D.")
        dim = (0,) if A.dim() == 1 else (-2, -1)
    if len(dim) == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.norm: Order {ord} not supported.")
        return vector_norm(A, ord, dim, keepdim, dtype=dtype, **written)
    return matrix_norm(A, ord, dim, keepdim, dtype=dtype, **written)
