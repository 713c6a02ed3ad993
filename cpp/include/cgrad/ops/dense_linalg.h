#pragma once
// cgrad.linalg: factorisations, solves and norms over batches of matrices [..., m, n]
// (definitions in cpp/src/ops/dense_linalg.cpp; kernels in kernels/dense_linalg.cpp).
// Node names are torch's (LinalgInvExBackward0, LinalgSvdBackward0, ...); each backward
// formula is written with cgrad's ops, so it differentiates again.
#include <string>
#include <tuple>
#include <utility>

#include "cgrad/tensor.h"

namespace cgrad {

Tensor linalg_inv(const Tensor& a);
// X with A X = B (left) or X A = B; B is [..., n, k] or a batch of vectors [..., n]
// (torch's rule).
Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left = true);
Tensor linalg_det(const Tensor& a);
std::pair<Tensor, Tensor> linalg_slogdet(const Tensor& a);  // (sign, log|det|)
Tensor logdet(const Tensor& a);  // log det(A): nan where det < 0
Tensor linalg_cholesky(const Tensor& a, bool upper);
// mode: "reduced", "complete" or "r" (then Q is an empty tensor).
std::pair<Tensor, Tensor> linalg_qr(const Tensor& a, const std::string& mode);
// (eigenvalues ascending, eigenvectors as columns), from the lower (or upper) triangle.
std::pair<Tensor, Tensor> linalg_eigh(const Tensor& a, bool upper);
Tensor linalg_eigvalsh(const Tensor& a, bool upper);
std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices);
Tensor linalg_svdvals(const Tensor& a);
Tensor linalg_matrix_power(const Tensor& a, int64_t n);
Tensor linalg_cross(const Tensor& a, const Tensor& b, int64_t dim);
// ord: "fro", "nuc", or a number (+-1, +-2, +-inf) passed as `p` with ord_name empty.
Tensor linalg_matrix_norm(const Tensor& a, const std::string& ord_name, double p,
                          int64_t dim0, int64_t dim1, bool keepdim);

}  // namespace cgrad
