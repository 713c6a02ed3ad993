// LU, Cholesky, Householder QR, Jacobi eigh and one-sided Jacobi SVD in float64.
//
// Note [Dense factorisations in float64]: every routine computes in double whatever the
// tensor's dtype, and the op layer rounds the results back. The Jacobi methods were
// chosen over tridiagonalisation + QR iteration for being short and accurate to working
// precision (including small singular values); they cost O(n^3) per sweep and take
// ~6-10 sweeps, which suits the small and medium matrices autograd code factorises.
#include "kernels/dense_linalg.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace cgrad::kernels::dense {

namespace {
constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr int kMaxSweeps = 80;

bool all_finite(const double* a, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(a[i])) return false;
  return true;
}

// The rotation (c, s) with t = s / c that zeroes the off-diagonal entry `apq` of the
// symmetric 2x2 [[app, apq], [apq, aqq]] (also the Gram matrix of two columns).
void jacobi_rotation(double app, double aqq, double apq, double& c, double& s) {
  const double theta = (aqq - app) / (2.0 * apq);
  const double t = std::isinf(theta * theta)
                       ? 0.5 / theta
                       : std::copysign(1.0, theta) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
  c = 1.0 / std::sqrt(t * t + 1.0);
  s = t * c;
}

// Rotates columns p and q of the rows x cols row-major `a`: (a_p, a_q) <- (c a_p - s a_q,
// s a_p + c a_q).
void rotate_columns(double* a, int64_t rows, int64_t cols, int64_t p, int64_t q, double c,
                    double s) {
  for (int64_t k = 0; k < rows; ++k) {
    double* row = a + k * cols;
    const double x = row[p], y = row[q];
    row[p] = c * x - s * y;
    row[q] = s * x + c * y;
  }
}

// Appends unit vectors orthogonal to the first `have` columns of the rows x cols `u`
// until it has `want` columns, taking the standard basis vectors in order and keeping
// those with a clear component outside the span (Gram-Schmidt, twice for stability).
void complete_basis(double* u, int64_t rows, int64_t cols, int64_t have, int64_t want) {
  std::vector<double> x(rows);
  for (int64_t e = 0; e < rows && have < want; ++e) {
    std::fill(x.begin(), x.end(), 0.0);
    x[e] = 1.0;
    for (int pass = 0; pass < 2; ++pass)
      for (int64_t j = 0; j < have; ++j) {
        double dot = 0;
        for (int64_t k = 0; k < rows; ++k) dot += u[k * cols + j] * x[k];
        for (int64_t k = 0; k < rows; ++k) x[k] -= dot * u[k * cols + j];
      }
    double norm = 0;
    for (double v : x) norm += v * v;
    norm = std::sqrt(norm);
    if (norm < 0.5) continue;  // e lies (nearly) in the span: the next one will not
    for (int64_t k = 0; k < rows; ++k) u[k * cols + have] = x[k] / norm;
    ++have;
  }
}
}  // namespace

// ---- LU ----

int64_t lu_factor(double* a, int64_t n, int64_t* pivots) {
  int64_t info = 0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t p = k;  // the first row of largest magnitude, as LAPACK's idamax
    for (int64_t i = k + 1; i < n; ++i)
      if (std::fabs(a[i * n + k]) > std::fabs(a[p * n + k])) p = i;
    pivots[k] = p;
    if (a[p * n + k] == 0.0) {
      if (info == 0) info = k + 1;
      continue;
    }
    if (p != k)
      for (int64_t j = 0; j < n; ++j) std::swap(a[k * n + j], a[p * n + j]);
    const double inv = 1.0 / a[k * n + k];
    for (int64_t i = k + 1; i < n; ++i) {
      double& l = a[i * n + k];
      l *= inv;
      if (l == 0.0) continue;
      for (int64_t j = k + 1; j < n; ++j) a[i * n + j] -= l * a[k * n + j];
    }
  }
  return info;
}

void lu_solve(const double* lu, const int64_t* pivots, int64_t n, double* b, int64_t nrhs) {
  for (int64_t k = 0; k < n; ++k)
    if (pivots[k] != k)
      for (int64_t j = 0; j < nrhs; ++j) std::swap(b[k * nrhs + j], b[pivots[k] * nrhs + j]);
  for (int64_t i = 0; i < n; ++i)  // L y = P b, L unit lower
    for (int64_t k = 0; k < i; ++k) {
      const double l = lu[i * n + k];
      if (l != 0.0)
        for (int64_t j = 0; j < nrhs; ++j) b[i * nrhs + j] -= l * b[k * nrhs + j];
    }
  for (int64_t i = n - 1; i >= 0; --i) {  // U x = y
    for (int64_t k = i + 1; k < n; ++k) {
      const double u = lu[i * n + k];
      if (u != 0.0)
        for (int64_t j = 0; j < nrhs; ++j) b[i * nrhs + j] -= u * b[k * nrhs + j];
    }
    const double inv = 1.0 / lu[i * n + i];
    for (int64_t j = 0; j < nrhs; ++j) b[i * nrhs + j] *= inv;
  }
}

// ---- Cholesky ----

int64_t cholesky(double* a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (int64_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0.0)) return j + 1;  // also NaN
    const double ljj = std::sqrt(d);
    a[j * n + j] = ljj;
    for (int64_t i = j + 1; i < n; ++i) {
      double x = a[i * n + j];
      for (int64_t k = 0; k < j; ++k) x -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = x / ljj;
    }
    for (int64_t k = j + 1; k < n; ++k) a[j * n + k] = 0.0;
  }
  return 0;
}

// ---- QR ----

void qr(const double* a, int64_t m, int64_t n, int64_t q_cols, double* q, double* r) {
  const int64_t k = std::min(m, n);
  std::vector<double> w(a, a + m * n);  // becomes R above the diagonal
  std::vector<double> reflectors(static_cast<size_t>(m * k), 0.0), taus(k, 0.0);
  for (int64_t j = 0; j < k; ++j) {
    double* v = reflectors.data() + j * m;  // v[j..m) with v[j] = 1
    const double alpha = w[j * n + j];
    double tail = 0;
    for (int64_t i = j + 1; i < m; ++i) tail = std::hypot(tail, w[i * n + j]);
    if (tail == 0.0) continue;  // H = I, R's diagonal keeps alpha (LAPACK dlarfg)
    const double beta = -std::copysign(std::hypot(alpha, tail), alpha);
    taus[j] = (beta - alpha) / beta;
    v[j] = 1.0;
    for (int64_t i = j + 1; i < m; ++i) v[i] = w[i * n + j] / (alpha - beta);
    w[j * n + j] = beta;
    for (int64_t i = j + 1; i < m; ++i) w[i * n + j] = 0.0;
    for (int64_t c = j + 1; c < n; ++c) {  // the remaining columns <- H w
      double dot = 0;
      for (int64_t i = j; i < m; ++i) dot += v[i] * w[i * n + c];
      dot *= taus[j];
      for (int64_t i = j; i < m; ++i) w[i * n + c] -= dot * v[i];
    }
  }
  const int64_t r_rows = q_cols;
  for (int64_t i = 0; i < r_rows; ++i)
    for (int64_t c = 0; c < n; ++c) r[i * n + c] = (i < m && c >= i) ? w[i * n + c] : 0.0;
  if (!q) return;
  // Q = H_0 H_1 ... H_{k-1} I[:, :q_cols], applied from the last reflector back.
  for (int64_t i = 0; i < m; ++i)
    for (int64_t c = 0; c < q_cols; ++c) q[i * q_cols + c] = i == c ? 1.0 : 0.0;
  for (int64_t j = k - 1; j >= 0; --j) {
    if (taus[j] == 0.0) continue;
    const double* v = reflectors.data() + j * m;
    for (int64_t c = 0; c < q_cols; ++c) {
      double dot = 0;
      for (int64_t i = j; i < m; ++i) dot += v[i] * q[i * q_cols + c];
      dot *= taus[j];
      for (int64_t i = j; i < m; ++i) q[i * q_cols + c] -= dot * v[i];
    }
  }
}

// ---- symmetric eigen-decomposition ----

bool eigh(const double* a_in, int64_t n, double* w, double* v_out) {
  if (!all_finite(a_in, n * n)) return false;
  std::vector<double> a(n * n), v(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    v[i * n + i] = 1.0;
    for (int64_t j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = a_in[i * n + j];
  }
  double scale = 0;
  for (double x : a) scale += x * x;
  bool converged = false;
  for (int sweep = 0; sweep < kMaxSweeps && !converged; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (off <= kEps * kEps * scale * 1e-4 || off == 0.0) {
      converged = true;
      break;
    }
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0.0) continue;
        double c, s;
        jacobi_rotation(a[p * n + p], a[q * n + q], apq, c, s);
        rotate_columns(a.data(), n, n, p, q, c, s);  // A J
        for (int64_t k = 0; k < n; ++k) {            // J^T (A J)
          const double x = a[p * n + k], y = a[q * n + k];
          a[p * n + k] = c * x - s * y;
          a[q * n + k] = s * x + c * y;
        }
        a[p * n + q] = a[q * n + p] = 0.0;
        rotate_columns(v.data(), n, n, p, q, c, s);
      }
  }
  if (!converged) return false;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return a[x * n + x] < a[y * n + y]; });
  for (int64_t j = 0; j < n; ++j) {
    w[j] = a[order[j] * n + order[j]];
    if (v_out)
      for (int64_t i = 0; i < n; ++i) v_out[i * n + j] = v[i * n + order[j]];
  }
  return true;
}

// ---- SVD ----

bool svd(const double* a, int64_t m, int64_t n, double* u, int64_t u_cols, double* s,
         double* vh, int64_t vh_rows) {
  if (!all_finite(a, m * n)) return false;
  // One-sided Jacobi orthogonalises the columns of a tall matrix: work on A or A^T so
  // that rows >= cols, and swap the roles of U and V back at the end.
  const bool wide = m < n;
  const int64_t rows = wide ? n : m, cols = wide ? m : n;
  std::vector<double> w(rows * cols), v(cols * cols, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) (wide ? w[j * cols + i] : w[i * cols + j]) = a[i * n + j];
  for (int64_t i = 0; i < cols; ++i) v[i * cols + i] = 1.0;
  // Below this, two columns' overlap is rounding noise of A's size: a rank-deficient A
  // leaves columns of that size, which rotations would keep stirring.
  double frob2 = 0;
  for (double x : w) frob2 += x * x;
  const double negligible = kEps * kEps * frob2;
  bool converged = false;
  for (int sweep = 0; sweep < kMaxSweeps && !converged; ++sweep) {
    converged = true;
    for (int64_t p = 0; p < cols; ++p)
      for (int64_t q = p + 1; q < cols; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (int64_t k = 0; k < rows; ++k) {
          const double x = w[k * cols + p], y = w[k * cols + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (std::fabs(gamma) <= std::max(kEps * std::sqrt(alpha * beta), negligible)) continue;
        converged = false;
        double c, sn;
        jacobi_rotation(alpha, beta, gamma, c, sn);
        rotate_columns(w.data(), rows, cols, p, q, c, sn);
        rotate_columns(v.data(), cols, cols, p, q, c, sn);
      }
  }
  if (!converged) return false;
  std::vector<double> norms(cols);
  for (int64_t j = 0; j < cols; ++j) {
    double sq = 0;
    for (int64_t k = 0; k < rows; ++k) sq += w[k * cols + j] * w[k * cols + j];
    norms[j] = std::sqrt(sq);
  }
  std::vector<int64_t> order(cols);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return norms[x] > norms[y]; });
  for (int64_t j = 0; j < cols; ++j) s[j] = norms[order[j]];
  // Left vectors of the tall problem: normalised columns (rows x want_left), completed
  // where a singular value is zero or more columns are asked for.
  const int64_t want_left = wide ? vh_rows : u_cols;
  const int64_t want_right = wide ? u_cols : vh_rows;  // == cols
  double* left_out = wide ? vh : u;
  double* right_out = wide ? u : vh;
  if (left_out) {
    std::vector<double> left(rows * want_left, 0.0);
    int64_t have = 0;
    const double tiny = s[0] * kEps * static_cast<double>(rows);
    for (; have < cols && s[have] > tiny && s[have] > 0; ++have)
      for (int64_t k = 0; k < rows; ++k)
        left[k * want_left + have] = w[k * cols + order[have]] / s[have];
    complete_basis(left.data(), rows, want_left, have, want_left);
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t j = 0; j < want_left; ++j)  // U (m x cols) or, wide, Vh = left^T
        (wide ? left_out[j * n + k] : left_out[k * u_cols + j]) = left[k * want_left + j];
  }
  if (right_out) {
    (void)want_right;
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)  // Vh = V^T or, wide, U = V
        (wide ? right_out[i * u_cols + j] : right_out[j * n + i]) = v[i * cols + order[j]];
  }
  return true;
}

}  // namespace cgrad::kernels::dense
