// kernels::dense against their defining identities: P A = L U, A = L L^T, A = Q R with
// Q^T Q = I, A V = V diag(w), A = U diag(s) Vh with orthonormal U and V, on random,
// structured, rank-deficient and non-finite matrices.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/dense_linalg.h"

namespace cgrad {
namespace {

using Matrix = std::vector<double>;

Matrix random_matrix(int64_t m, int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Matrix a(m * n);
  for (double& x : a) x = dist(gen);
  return a;
}

// a (m x k) @ b (k x n).
Matrix product(const Matrix& a, const Matrix& b, int64_t m, int64_t k, int64_t n) {
  Matrix c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

Matrix transposed(const Matrix& a, int64_t m, int64_t n) {
  Matrix t(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) t[j * m + i] = a[i * n + j];
  return t;
}

void expect_near(const Matrix& a, const Matrix& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << "element " << i;
}

// Columns of the m x n `q` are orthonormal.
void expect_orthonormal_columns(const Matrix& q, int64_t m, int64_t n) {
  Matrix gram = product(transposed(q, m, n), q, n, m, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) EXPECT_NEAR(gram[i * n + j], i == j ? 1.0 : 0.0, 1e-12);
}

Matrix symmetric(int64_t n, unsigned seed) {
  Matrix a = random_matrix(n, n, seed);
  Matrix s(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) s[i * n + j] = a[i * n + j] + a[j * n + i];
  return s;
}

TEST(DenseLinalg, LuSolvesRandomSystems) {
  for (int64_t n : {1, 2, 5, 17}) {
    Matrix a = random_matrix(n, n, 7 + n), lu = a, b = random_matrix(n, 3, 11 + n), x = b;
    std::vector<int64_t> pivots(n);
    ASSERT_EQ(kernels::dense::lu_factor(lu.data(), n, pivots.data()), 0);
    kernels::dense::lu_solve(lu.data(), pivots.data(), n, x.data(), 3);
    expect_near(product(a, x, n, n, 3), b, 1e-11);
  }
}

TEST(DenseLinalg, LuReportsTheFirstZeroPivot) {
  std::vector<int64_t> pivots(3);
  Matrix zeros(9, 0.0);
  EXPECT_EQ(kernels::dense::lu_factor(zeros.data(), 3, pivots.data()), 1);
  Matrix rank_one = {1, 2, 2, 4};  // U[1][1] is exactly 0
  EXPECT_EQ(kernels::dense::lu_factor(rank_one.data(), 2, pivots.data()), 2);
}

TEST(DenseLinalg, CholeskyReconstructsAndRejectsIndefinite) {
  const int64_t n = 6;
  Matrix r = random_matrix(n, n, 3);
  Matrix a = product(r, transposed(r, n, n), n, n, n);
  for (int64_t i = 0; i < n; ++i) a[i * n + i] += n;
  Matrix l = a;
  ASSERT_EQ(kernels::dense::cholesky(l.data(), n), 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) EXPECT_EQ(l[i * n + j], 0.0);
  expect_near(product(l, transposed(l, n, n), n, n, n), a, 1e-12);
  Matrix indefinite = {1, 0, 0, 0, -1, 0, 0, 0, 1};
  EXPECT_EQ(kernels::dense::cholesky(indefinite.data(), 3), 2);
  Matrix nan = {std::nan(""), 0, 0, 1};
  EXPECT_EQ(kernels::dense::cholesky(nan.data(), 2), 1);
}

TEST(DenseLinalg, QrReducedAndComplete) {
  for (auto [m, n] : {std::pair<int64_t, int64_t>{5, 3}, {3, 5}, {4, 4}, {6, 1}}) {
    const int64_t k = std::min(m, n);
    Matrix a = random_matrix(m, n, 5 * m + n);
    for (int64_t cols : {k, m}) {
      Matrix q(m * cols), r(cols * n);
      kernels::dense::qr(a.data(), m, n, cols, q.data(), r.data());
      expect_orthonormal_columns(q, m, cols);
      expect_near(product(q, r, m, cols, n), a, 1e-12);
      for (int64_t i = 0; i < cols; ++i)
        for (int64_t j = 0; j < std::min(i, n); ++j) EXPECT_EQ(r[i * n + j], 0.0);
    }
  }
}

TEST(DenseLinalg, QrFollowsLapackSigns) {
  // The first reflector maps (3, 4) to -5 e1: R[0][0] = -5 (sign opposite to 3).
  Matrix a = {3, 1, 4, 2}, q(4), r(4);
  kernels::dense::qr(a.data(), 2, 2, 2, q.data(), r.data());
  EXPECT_NEAR(r[0], -5.0, 1e-15);
  // An upper-triangular input is left as it is (no reflection).
  Matrix u = {2, 1, 0, -3};
  kernels::dense::qr(u.data(), 2, 2, 2, q.data(), r.data());
  expect_near(r, u, 0.0);
}

TEST(DenseLinalg, EighDiagonalisesSymmetricMatrices) {
  for (int64_t n : {1, 2, 7, 20}) {
    Matrix a = symmetric(n, 13 + n), w(n), v(n * n);
    Matrix lower = a;  // only the lower triangle is read
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) lower[i * n + j] = 99.0;
    ASSERT_TRUE(kernels::dense::eigh(lower.data(), n, w.data(), v.data()));
    for (int64_t i = 1; i < n; ++i) EXPECT_LE(w[i - 1], w[i]);
    expect_orthonormal_columns(v, n, n);
    Matrix vw(n * n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) vw[i * n + j] = v[i * n + j] * w[j];
    expect_near(product(a, v, n, n, n), vw, 1e-11);
  }
}

TEST(DenseLinalg, EighRepeatedEigenvaluesAndNonFinite) {
  Matrix identity = {1, 0, 0, 0, 1, 0, 0, 0, 1}, w(3), v(9);
  ASSERT_TRUE(kernels::dense::eigh(identity.data(), 3, w.data(), v.data()));
  expect_near(w, {1, 1, 1}, 0.0);
  Matrix bad = {1, 0, std::numeric_limits<double>::infinity(), 1};
  EXPECT_FALSE(kernels::dense::eigh(bad.data(), 2, w.data(), v.data()));
}

TEST(DenseLinalg, SvdReconstructsTallWideAndRankDeficient) {
  for (auto [m, n] : {std::pair<int64_t, int64_t>{6, 4}, {4, 6}, {5, 5}, {1, 3}}) {
    const int64_t k = std::min(m, n);
    Matrix a = random_matrix(m, n, 19 * m + n);
    if (m == 5) a[4 * n + 0] = a[4 * n + 1] = a[4 * n + 2] = a[4 * n + 3] = a[4 * n + 4] = 0.0;
    for (bool full : {false, true}) {
      const int64_t uc = full ? m : k, vr = full ? n : k;
      Matrix u(m * uc), s(k), vh(vr * n);
      ASSERT_TRUE(kernels::dense::svd(a.data(), m, n, u.data(), uc, s.data(), vh.data(), vr));
      for (int64_t i = 1; i < k; ++i) EXPECT_GE(s[i - 1], s[i]);
      expect_orthonormal_columns(u, m, uc);
      expect_orthonormal_columns(transposed(vh, vr, n), n, vr);
      Matrix us(m * k, 0.0);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < k; ++j) us[i * k + j] = u[i * uc + j] * s[j];
      expect_near(product(us, Matrix(vh.begin(), vh.begin() + k * n), m, k, n), a, 1e-12);
    }
  }
}

TEST(DenseLinalg, SvdOfZeroAndNonFinite) {
  Matrix zero(6, 0.0), u(4), s(2), vh(9);
  ASSERT_TRUE(kernels::dense::svd(zero.data(), 2, 3, u.data(), 2, s.data(), vh.data(), 3));
  expect_near(s, {0, 0}, 0.0);
  expect_orthonormal_columns(u, 2, 2);
  expect_orthonormal_columns(transposed(vh, 3, 3), 3, 3);
  Matrix bad = {std::nan(""), 1, 2, 3, 4, 5};
  EXPECT_FALSE(kernels::dense::svd(bad.data(), 2, 3, u.data(), 2, s.data(), vh.data(), 3));
}

}  // namespace
}  // namespace cgrad
