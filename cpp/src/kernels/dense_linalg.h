#pragma once
// Dense matrix factorisations on one row-major float64 matrix at a time; the op layer
// (cpp/src/ops/dense_linalg.cpp) casts, lays out and loops over batches. No autograd,
// no Python: each routine is tested from C++ alone (cpp/tests/test_dense_linalg.cpp).
#include <cstdint>

namespace cgrad::kernels::dense {

// LU with partial pivoting, in place on the n x n `a` (unit-lower L below the diagonal,
// U on and above). pivots[k] is the row swapped with row k at step k. Returns 0, or
// k + 1 for the first U[k][k] that is exactly zero (LAPACK getrf's info); the
// factorisation still runs to the end, as getrf's does.
int64_t lu_factor(double* a, int64_t n, int64_t* pivots);
// Overwrites the n x nrhs `b` with the solution of A X = B, from lu_factor's output.
void lu_solve(const double* lu, const int64_t* pivots, int64_t n, double* b, int64_t nrhs);

// Cholesky A = L L^T from the lower triangle of the n x n `a`, in place: L below and on
// the diagonal, zeros above. Returns 0, or k + 1 when the leading minor of order k + 1
// is not positive definite (LAPACK potrf's info).
int64_t cholesky(double* a, int64_t n);

// Householder QR of the m x n `a` with LAPACK's reflector convention (the diagonal of R
// takes the sign opposite to the pivot element's, a column already zero below the
// diagonal is left as it is). k = min(m, n); q_cols is k (reduced) or m (complete) and
// r_rows the same. q may be null (only R wanted).
void qr(const double* a, int64_t m, int64_t n, int64_t q_cols, double* q, double* r);

// Eigen-decomposition of the symmetric n x n matrix read from the lower triangle of
// `a` (cyclic Jacobi): eigenvalues ascending in w, orthonormal eigenvectors as the
// columns of the n x n `v` (may be null). False if `a` holds a non-finite value or the
// sweeps do not converge.
bool eigh(const double* a, int64_t n, double* w, double* v);

// Singular values of the m x n `a` (one-sided Jacobi) in descending order in s
// (min(m, n) of them); u (m x u_cols) and vh (vh_rows x n) may be null. u_cols/vh_rows
// are min(m, n), or m and n for full matrices (the extra columns complete the basis).
// False if `a` holds a non-finite value or the sweeps do not converge.
bool svd(const double* a, int64_t m, int64_t n, double* u, int64_t u_cols, double* s,
         double* vh, int64_t vh_rows);

}  // namespace cgrad::kernels::dense
