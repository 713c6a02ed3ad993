// cgrad.linalg: inv, solve, det, slogdet, cholesky, qr, eigh/eigvalsh, svd/svdvals,
// matrix_power, cross and matrix_norm. Each forward checks its input as torch does, runs
// a float64 kernel per matrix of the batch (Note [Dense factorisations in float64]) and
// records torch's node; the backward formulas are products of cgrad ops.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cgrad/autograd/grad_mode.h"
#include "kernels/dense_linalg.h"
#include "cgrad/ops/search.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

std::string dims_str(const Tensor& a) {
  return std::to_string(a->sizes[a->dim() - 2]) + " by " + std::to_string(a->sizes[a->dim() - 1]);
}

// torch's checks on A: at least 2-D, floating, square when `square`.
void check_matrix(const char* op, const Tensor& a, bool square) {
  if (a->dim() < 2)
    throw std::runtime_error(std::string(op) +
                             ": The input tensor A must have at least 2 dimensions.");
  if (square && a->sizes[a->dim() - 1] != a->sizes[a->dim() - 2])
    throw std::runtime_error(std::string(op) +
                             ": A must be batches of square matrices, but they are " +
                             dims_str(a) + " matrices");
  if (!is_floating(a->dtype))
    throw std::runtime_error(std::string(op) +
                             ": Expected a floating point or complex tensor as input. Got " +
                             dtype_torch_name(a->dtype));
}

// torch's LAPACK paths take float32 and float64 only: a float16/bfloat16 A is refused by
// the op's own "Low precision" check (kernel null) or by its kernel's dtype dispatch.
void check_lapack_dtype(const char* op, const Tensor& a, const char* kernel) {
  if (!is_reduced_float(a->dtype)) return;
  if (kernel) throw detail::not_implemented_for(kernel, a->dtype);
  throw std::runtime_error(std::string(op) + ": Low precision dtypes not supported. Got " +
                           dtype_torch_name(a->dtype));
}

// The matrices of `a` as one contiguous float64 buffer [batch, rows, cols].
struct Batches {
  Tensor data;
  int64_t count, rows, cols;
  double* matrix(int64_t i) { return data->data<double>() + i * rows * cols; }
};
Batches batches_of(const Tensor& a) {
  GradModeGuard no_grad(false);
  Tensor d = contiguous(detail::cast(a, DType::Float64));
  if (d.get() == a.get()) d = clone(d);  // kernels work in place
  const int64_t rows = a->sizes[a->dim() - 2], cols = a->sizes[a->dim() - 1];
  int64_t count = 1;  // the batch's size, also when the matrices are empty
  for (int64_t k = 0; k + 2 < a->dim(); ++k) count *= a->sizes[k];
  return {d, count, rows, cols};
}

// A fresh float64 buffer of `sizes` for kernel output.
Tensor buffer(const Shape& sizes) { return empty(sizes, DType::Float64); }
Tensor rounded(const Tensor& t, DType dtype) {
  GradModeGuard no_grad(false);
  return detail::cast(t, dtype);
}

// Note [Linalg results in LAPACK's layout]: torch's factorisations and solves run in
// LAPACK, which stores each matrix column by column, and torch hands those buffers out:
// inv, solve (A X = B), cholesky, qr's Q and R, eigh's eigenvectors and svd's U and Vh
// have strides [..., 1, rows] (each matrix column-major, the batch in order). cgrad's
// kernels write row by row; their float64 result is rounded into torch's layout in the
// one copy the rounding makes anyway, so .stride(), .is_contiguous(), .view and the
// layout of everything computed from the results agree with torch's.
Tensor rounded_column_major(const Tensor& t, DType dtype) {
  Shape strides = contiguous_strides(t->sizes);
  const size_t d = t->dim();
  strides[d - 2] = 1;
  strides[d - 1] = std::max<int64_t>(t->sizes[d - 2], 1);
  Tensor out = empty(t->sizes, dtype);
  out->strides = std::move(strides);
  kernels::copy(*t, *out);
  return out;
}

Shape batch_shape(const Tensor& a) { return Shape(a->sizes.begin(), a->sizes.end() - 2); }
Shape with(Shape s, std::initializer_list<int64_t> tail) {
  s.insert(s.end(), tail.begin(), tail.end());
  return s;
}

// "(Batch element 3): " inside torch's message for a batched input.
std::string batch_prefix(const Tensor& a, int64_t i) {
  return a->dim() > 2 ? "(Batch element " + std::to_string(i) + "): " : "";
}

Tensor mT(const Tensor& x) { return transpose(x, -2, -1); }

// diag_embed / diagonal / triangles of the last two dims, made of products with 0/1
// matrices so that they differentiate like any product.
Tensor pattern(int64_t n, DType dtype, int (*keep)(int64_t, int64_t)) {
  Tensor m = buffer({n, n});
  double* p = m->data<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) p[i * n + j] = keep(i, j);
  return detail::cast(m, dtype);
}
Tensor identity(int64_t n, DType dtype) {
  return pattern(n, dtype, [](int64_t i, int64_t j) { return int(i == j); });
}
Tensor diag_embed_last(const Tensor& v) {  // [..., n] -> [..., n, n]
  return mul(unsqueeze(v, -1), identity(v->sizes.back(), v->dtype));
}
Tensor diagonal_last(const Tensor& x) {  // [..., n, n] -> [..., n]
  return sum(mul(x, identity(x->sizes.back(), x->dtype)), DimList{-1});
}
Tensor tril_last(const Tensor& x) {
  return mul(x, pattern(x->sizes.back(), x->dtype, [](int64_t i, int64_t j) { return int(j <= i); }));
}
Tensor strict_tril_last(const Tensor& x) {
  return mul(x, pattern(x->sizes.back(), x->dtype, [](int64_t i, int64_t j) { return int(j < i); }));
}

// 1 / (s_j - s_i) off the diagonal (0 on it) of a [..., k] tensor: the eigen- and
// singular-vector derivatives divide by these gaps.
Tensor inverse_gaps(const Tensor& s) {
  Tensor gaps = sub(unsqueeze(s, -2), unsqueeze(s, -1));  // [i][j] = s_j - s_i
  Tensor eye = identity(s->sizes.back(), s->dtype);
  return mul(reciprocal(add(gaps, eye)), sub(constant(1.0), eye));
}

// torch's backward for a linear-algebra node: undefined gradients mean zero.
bool defined(const Tensor& t) { return static_cast<bool>(t); }

}  // namespace

// ---- inverse, solve, determinants ----

Tensor linalg_inv(const Tensor& a) {
  check_matrix("linalg.inv", a, true);
  check_lapack_dtype("linalg.inv", a, nullptr);
  Batches in = batches_of(a);
  const int64_t n = in.rows;
  Tensor out = buffer(a->sizes);
  std::vector<int64_t> pivots(n);
  for (int64_t i = 0; i < in.count; ++i) {
    const int64_t info = kernels::dense::lu_factor(in.matrix(i), n, pivots.data());
    if (info)
      throw LinAlgError("linalg.inv: " + batch_prefix(a, i) + "The diagonal element " +
                        std::to_string(info) +
                        " is zero, the inversion could not be completed because the input "
                        "matrix is singular.");
    double* x = out->data<double>() + i * n * n;
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < n; ++c) x[r * n + c] = r == c;
    kernels::dense::lu_solve(in.matrix(i), pivots.data(), n, x, n);
  }
  out = rounded_column_major(out, a->dtype);
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgInvExBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      Tensor x_t = mT(n.saved(saved::inverse));  // d inv(A) = -inv(A) dA inv(A)
      return {neg(matmul(matmul(x_t, g[0]), x_t))};
    });
    record(node, {out}, {{saved::inverse, out}});
  }
  return out;
}

Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left) {
  check_matrix("linalg.solve", a, true);
  check_lapack_dtype("linalg.solve", a, "lu_cpu");
  const bool vector = b->dim() == 1 ||
                      (b->dim() == a->dim() - 1 &&
                       Shape(b->sizes) == Shape(a->sizes.begin(), a->sizes.end() - 1));
  const int64_t n = a->sizes.back();
  const Tensor bm = vector ? unsqueeze(detach(b), -1) : detach(b);
  // B's rows meet A in A X = B, its columns in X A = B.
  if (bm->dim() < 2 || bm->sizes[bm->dim() - (left ? 2 : 1)] != n)
    throw std::runtime_error(std::string("linalg.solve: Incompatible shapes of A and B for the equation ") +
                             (left ? "AX = B (" : "XA = B (") + std::to_string(n) + "x" +
                             std::to_string(n) + " and " +
                             std::to_string(bm->dim() < 2 ? bm->sizes[0] : bm->sizes[bm->dim() - 2]) +
                             "x" + std::to_string(bm->sizes.back()) + ")");
  if (!is_floating(b->dtype) || a->dtype != b->dtype)
    throw std::runtime_error(std::string("linalg.solve: Expected A and B to have the same dtype, but found A of type ") +
                             dtype_torch_name(a->dtype) + " and B of type " + dtype_torch_name(b->dtype) + " instead");
  // X A = B is A^T X^T = B^T: both run as a left solve on (A or A^T, B or B^T).
  const Tensor a_left = left ? detach(a) : mT(detach(a)), b_left = left ? bm : mT(bm);
  const int64_t k = b_left->sizes.back();
  Shape batch = broadcast_shapes(batch_shape(a), batch_shape(bm));
  Tensor ab = expand(a_left, with(batch, {n, n})), bb = expand(b_left, with(batch, {n, k}));
  Batches lu = batches_of(ab), rhs = batches_of(bb);
  std::vector<int64_t> pivots(n);
  for (int64_t i = 0; i < lu.count; ++i) {
    if (kernels::dense::lu_factor(lu.matrix(i), n, pivots.data()))
      throw LinAlgError("torch.linalg.solve: " + batch_prefix(ab, i) +
                        "The solver failed because the input matrix is singular.");
    kernels::dense::lu_solve(lu.matrix(i), pivots.data(), n, rhs.matrix(i), k);
  }
  // X A = B comes back row-major (the transpose of a column-major left solve), as torch's.
  Tensor out = vector ? rounded(rhs.data, a->dtype)
               : left ? rounded_column_major(rhs.data, a->dtype)
                      : contiguous(mT(rounded(rhs.data, a->dtype)));
  if (vector) out = make_view(out, with(batch, {n}), contiguous_strides(with(batch, {n})), out->offset);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("LinalgSolveExBackward0", {a, b}, [vector, left](Node& n, TensorList& g) -> TensorList {
      // A X = B: gB = A^-T G, gA = -gB X^T. X A = B: gB = G A^-T, gA = -X^T gB.
      Tensor A = n.saved(saved::A), X = n.saved(saved::result);
      Tensor G = vector ? unsqueeze(g[0], -1) : g[0];
      Tensor Xm = vector ? unsqueeze(X, -1) : X;
      Tensor gB = linalg_solve(mT(A), G, left);
      Tensor gA;
      if (n.needs_input_grad(0))
        gA = sum_to(neg(left ? matmul(gB, mT(Xm)) : matmul(mT(Xm), gB)), n.input_meta()[0].sizes);
      Tensor gb = n.needs_input_grad(1) ? sum_to(vector ? squeeze(gB, {-1}, true) : gB, n.input_meta()[1].sizes) : Tensor();
      return {gA, gb};
    });
    record(node, {out}, {{saved::A, a}, {saved::result, out}});
  }
  return out;
}

namespace {
// (sign, log|det|) of every matrix from its LU factors.
std::pair<Tensor, Tensor> lu_determinants(const char* op, const Tensor& a) {
  check_matrix(op, a, true);
  check_lapack_dtype(op, a, std::strcmp(op, "linalg.det") == 0 ? "lu_cpu" : nullptr);
  Batches lu = batches_of(a);
  const int64_t n = lu.rows;
  Tensor sign = buffer(batch_shape(a)), logabs = buffer(batch_shape(a));
  std::vector<int64_t> pivots(n);
  for (int64_t i = 0; i < lu.count; ++i) {
    double* m = lu.matrix(i);
    kernels::dense::lu_factor(m, n, pivots.data());
    double s = 1.0, l = 0.0;
    for (int64_t k = 0; k < n; ++k) {
      const double d = m[k * n + k];
      if (pivots[k] != k) s = -s;
      if (d < 0) s = -s;
      l += std::log(std::fabs(d));
      if (d == 0.0) s = 0.0;
      if (std::isnan(d)) s = d;
    }
    sign->data<double>()[i] = s;
    logabs->data<double>()[i] = l;
  }
  return {sign, logabs};
}
}  // namespace

namespace {
// Note [Determinant gradient]: the gradient of det is the cofactor matrix, det(A) A^-T
// where A is invertible. The form that holds for every A, with A = U S Vh,
// cofactor(A) = det(U) det(Vh) U diag(prod_{j!=i} s_j) Vh, serves where some det is 0
// and whenever the backward is itself recorded (create_graph): near a singular A,
// det(A) A^-T is right in value but its derivative cancels catastrophically. torch 2.13
// takes the SVD form only under create_graph; its first-order path returns det(A) A^-T,
// zeros at an exactly singular A, which is not the derivative: cgrad keeps the cofactors.
Tensor det_backward(const Tensor& a, const Tensor& det, const Tensor& g) {
  bool singular = GradMode::is_enabled();
  if (!singular) {
    Tensor d = contiguous(detail::cast(det, DType::Float64));
    for (int64_t i = 0; i < d->numel(); ++i) singular |= d->data<double>()[i] == 0.0;
  }
  if (!singular) return mul(unsqueeze(unsqueeze(mul(g, det), -1), -1), mT(linalg_inv(a)));
  auto [U, S, Vh] = linalg_svd(a, /*full_matrices=*/false);
  const Tensor eye = identity(S->sizes.back(), S->dtype);
  // [i][j] = s_j off the diagonal, 1 on it: its row products leave s_i out.
  Tensor others = prod(add(mul(unsqueeze(S, -2), sub(constant(1.0), eye)), eye), -1);
  Tensor alpha = mul(linalg_det(U), linalg_det(Vh));
  Tensor scaled = mul(unsqueeze(mul(g, alpha), -1), others);
  return matmul(mul(U, unsqueeze(scaled, -2)), Vh);
}

std::pair<Tensor, Tensor> slogdet_of(const char* op, const Tensor& a) {
  auto [sign, logabs] = lu_determinants(op, a);
  sign = rounded(sign, a->dtype);
  logabs = rounded(logabs, a->dtype);
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgSlogdetBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      if (!defined(g[1])) return {Tensor()};  // the sign is piecewise constant
      return {mul(unsqueeze(unsqueeze(g[1], -1), -1), mT(linalg_inv(n.saved(saved::A))))};
    });
    record(node, {sign, logabs}, {{saved::A, a}});
  }
  return {sign, logabs};
}
}  // namespace

Tensor linalg_det(const Tensor& a) {
  auto [sign, logabs] = lu_determinants("linalg.det", a);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = detail::cast(mul(sign, exp(logabs)), a->dtype);
  }
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgDetBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {det_backward(n.saved(saved::A), n.saved(saved::result), g[0])};
    });
    record(node, {out}, {{saved::A, a}, {saved::result, out}});
  }
  return out;
}

std::pair<Tensor, Tensor> linalg_slogdet(const Tensor& a) { return slogdet_of("linalg.slogdet", a); }

Tensor logdet(const Tensor& a) {
  // As torch composes it: log|det| where the sign is not -1 (so -inf for a singular A).
  auto [sign, logabs] = slogdet_of("logdet", a);
  return where(eq(sign, constant(-1.0)), full({}, std::nan(""), a->dtype), logabs);
}

// ---- Cholesky ----

Tensor linalg_cholesky(const Tensor& a, bool upper) {
  check_matrix("linalg.cholesky", a, true);
  check_lapack_dtype("linalg.cholesky", a, "cholesky_cpu");
  Batches m = batches_of(a);
  for (int64_t i = 0; i < m.count; ++i) {
    const int64_t info = kernels::dense::cholesky(m.matrix(i), m.rows);
    if (info)
      throw LinAlgError("linalg.cholesky: " + batch_prefix(a, i) +
                        "The factorization could not be completed because the input is not "
                        "positive-definite (the leading minor of order " + std::to_string(info) +
                        " is not positive-definite).");
  }
  Tensor out = rounded_column_major(upper ? mT(m.data) : m.data, a->dtype);
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgCholeskyExBackward0", {a}, [upper](Node& n, TensorList& g) -> TensorList {
      // A = L L^T: gA = L^-T S L^-1 with S = sym(tril(L^T gL)), its strict lower part
      // mirrored and its diagonal halved.
      Tensor L = upper ? mT(n.saved(saved::L)) : n.saved(saved::L);
      Tensor gL = upper ? mT(g[0]) : g[0];
      Tensor t = tril_last(matmul(mT(L), gL));
      Tensor s = mul(add(t, mT(strict_tril_last(t))), constant(0.5));
      Tensor l_inv = linalg_inv(L);
      return {matmul(matmul(mT(l_inv), s), l_inv)};
    });
    record(node, {out}, {{saved::L, out}});
  }
  return out;
}

// ---- QR ----

namespace {
// The QR backward for m >= n (Walter & Lehmann): with M = R gR^T - gQ^T Q,
// gA = (gQ + Q copyltu(M)) R^-T, copyltu(M) = tril(M, -1) + tril(M, -1)^T + diag(M).
// gQ or gR may be undefined (zero); undefined when both are.
Tensor qr_backward_tall(const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  Tensor M;
  if (defined(gR)) M = matmul(R, mT(gR));
  if (defined(gQ)) {
    Tensor qg = matmul(mT(gQ), Q);
    M = M ? sub(M, qg) : neg(qg);
  }
  if (!M) return Tensor();
  Tensor lower = strict_tril_last(M);
  Tensor copyltu = add(add(lower, mT(lower)), diag_embed_last(diagonal_last(M)));
  Tensor b = matmul(Q, copyltu);
  if (defined(gQ)) b = add(b, gQ);
  return matmul(b, mT(linalg_inv(R)));
}
}  // namespace

// Note [QR of a wide matrix]: for m < n, A = [X | Y] with X square: X = Q U is the QR of
// X alone and Y = Q V, so X's gradient is the square case's with gQ + Y gV^T in place of
// gQ, and Y's is Q gV (torch's derivation).
std::pair<Tensor, Tensor> linalg_qr(const Tensor& a, const std::string& mode) {
  if (mode != "reduced" && mode != "complete" && mode != "r")
    throw std::runtime_error("qr received unrecognized mode '" + mode +
                             "' but expected one of 'reduced' (default), 'r', or 'complete'");
  check_matrix("linalg.qr", a, false);
  check_lapack_dtype("linalg.qr", a, "geqrf_cpu");
  Batches in = batches_of(a);
  const int64_t m = in.rows, n = in.cols, k = std::min(m, n);
  const int64_t q_cols = mode == "complete" ? m : k;
  const bool want_q = mode != "r";
  Shape batch = batch_shape(a);
  Tensor q = buffer(with(batch, {m, q_cols})), r = buffer(with(batch, {q_cols, n}));
  for (int64_t i = 0; i < in.count; ++i)
    kernels::dense::qr(in.matrix(i), m, n, q_cols, q->data<double>() + i * m * q_cols,
                       r->data<double>() + i * q_cols * n);
  Tensor Q = want_q ? rounded_column_major(q, a->dtype) : empty({0}, a->dtype);
  Tensor R = rounded_column_major(r, a->dtype);
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgQrBackward0", {a}, [mode, m, n](Node& node, TensorList& g) -> TensorList {
      if (mode == "r")
        throw std::runtime_error(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
            "through linalg.qr.");
      if (mode == "complete" && m > n)
        throw std::runtime_error(
            "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
      Tensor Q = node.saved(saved::Q), R = node.saved(saved::R);
      if (m >= n) return {qr_backward_tall(Q, R, g[0], g[1])};
      // Wide (Note [QR of a wide matrix]): A = [X | Y], R = [U | V], X = Q U, Y = Q V.
      Tensor U = narrow(R, -1, 0, m), V = narrow(R, -1, m, n - m);
      Tensor gU = defined(g[1]) ? narrow(g[1], -1, 0, m) : Tensor();
      Tensor gV = defined(g[1]) ? narrow(g[1], -1, m, n - m) : Tensor();
      Tensor gQ = g[0];
      if (defined(gV)) {  // Y's gradient Q gV, and Y = Q V feeds into X's through Q
        Tensor through_y = matmul(matmul(Q, V), mT(gV));
        gQ = defined(gQ) ? add(gQ, through_y) : through_y;
      }
      Tensor gX = qr_backward_tall(Q, U, gQ, gU);
      Tensor gY = defined(gV) ? matmul(Q, gV) : full(V->sizes, 0.0, V->dtype);
      if (!defined(gX)) gX = full(U->sizes, 0.0, U->dtype);
      return {cat({gX, gY}, -1)};
    });
    record(node, {Q, R}, {{saved::Q, Q}, {saved::R, R}});
  }
  return {Q, R};
}

// ---- symmetric eigen-decomposition ----

namespace {
std::pair<Tensor, Tensor> eigh_forward(const char* op, const Tensor& a, bool upper) {
  check_matrix(op, a, true);
  check_lapack_dtype(op, a, "linalg_eigh_cpu");
  // The upper triangle of A is the lower triangle of A^T.
  Batches in = batches_of(upper ? mT(detach(a)) : a);
  const int64_t n = in.rows;
  Shape batch = batch_shape(a);
  Tensor w = buffer(with(batch, {n})), v = buffer(a->sizes);
  for (int64_t i = 0; i < in.count; ++i)
    if (!kernels::dense::eigh(in.matrix(i), n, w->data<double>() + i * n, v->data<double>() + i * n * n))
      throw LinAlgError(std::string(op) + ": " + batch_prefix(a, i) +
                        "The algorithm failed to converge because the input matrix is "
                        "ill-conditioned or has too many repeated eigenvalues (error code: " +
                        std::to_string(std::max<int64_t>(n - 1, 1)) + ").");
  return {rounded(w, a->dtype), rounded_column_major(v, a->dtype)};
}

// gA = V (diag(gL) + skew(V^T gV) / gaps) V^T, skew(X) = (X - X^T) / 2.
Tensor eigh_backward(const Tensor& L, const Tensor& V, const Tensor& gL, const Tensor& gV) {
  Tensor inner;
  if (defined(gV)) {
    Tensor vg = matmul(mT(V), gV);
    inner = mul(mul(sub(vg, mT(vg)), constant(0.5)), inverse_gaps(L));
  }
  if (defined(gL)) inner = inner ? add(inner, diag_embed_last(gL)) : diag_embed_last(gL);
  if (!inner) return Tensor();
  return matmul(V, matmul(inner, mT(V)));
}
}  // namespace

std::pair<Tensor, Tensor> linalg_eigh(const Tensor& a, bool upper) {
  auto [L, V] = eigh_forward("linalg.eigh", a, upper);
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgEighBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {eigh_backward(n.saved(saved::eigenvalues), n.saved(saved::eigenvectors), g[0],
                            g[1])};
    });
    record(node, {L, V}, {{saved::eigenvalues, L}, {saved::eigenvectors, V}});
  }
  return {L, V};
}

Tensor linalg_eigvalsh(const Tensor& a, bool upper) {
  auto [L, V] = eigh_forward("linalg.eigvalsh", a, upper);
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgEighBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {eigh_backward(n.saved(saved::eigenvalues), n.saved(saved::eigenvectors), g[0],
                            g[1])};
    });
    // V is the node's second output, unreturned, so that a second derivative sees it
    // depend on A and reaches this node through it (torch's eigvalsh is eigh's node too).
    record(node, {L, V}, {{saved::eigenvalues, L}, {saved::eigenvectors, V}});
  }
  return L;
}

// ---- SVD ----

namespace {
std::tuple<Tensor, Tensor, Tensor> svd_forward(const char* op, const Tensor& a, bool full, bool vectors) {
  check_matrix(op, a, false);
  check_lapack_dtype(op, a, "linalg_svd_cpu");
  Batches in = batches_of(a);
  const int64_t m = in.rows, n = in.cols, k = std::min(m, n);
  const int64_t u_cols = full ? m : k, vh_rows = full ? n : k;
  Shape batch = batch_shape(a);
  Tensor u = buffer(with(batch, {m, u_cols})), s = buffer(with(batch, {k})),
         vh = buffer(with(batch, {vh_rows, n}));
  for (int64_t i = 0; i < in.count; ++i)
    if (!kernels::dense::svd(in.matrix(i), m, n, u->data<double>() + i * m * u_cols, u_cols,
                             s->data<double>() + i * k, vh->data<double>() + i * vh_rows * n, vh_rows))
      throw LinAlgError(std::string(op) + ": " + batch_prefix(a, i) +
                        "The algorithm failed to converge because the input matrix contained "
                        "non-finite values.");
  (void)vectors;
  return {rounded_column_major(u, a->dtype), rounded(s, a->dtype),
          rounded_column_major(vh, a->dtype)};
}

// The reduced SVD's backward (U: m x k, Vh: k x n), gU / gVh possibly undefined:
// gA = U [sym parts / gaps + diag(gS)] Vh plus the components outside span(U), span(V).
Tensor svd_backward(const Tensor& U, const Tensor& S, const Tensor& Vh, const Tensor& gU,
                    const Tensor& gS, const Tensor& gVh) {
  const int64_t m = U->sizes[U->dim() - 2], n = Vh->sizes.back();
  if (!defined(gU) && !defined(gVh)) {
    if (!defined(gS)) return Tensor();
    return matmul(mul(U, unsqueeze(gS, -2)), Vh);
  }
  Tensor V = mT(Vh);
  Tensor gV = defined(gVh) ? mT(gVh) : Tensor();
  Tensor inner;
  Tensor gaps = inverse_gaps(mul(S, S));  // 1 / (s_j^2 - s_i^2)
  if (defined(gU)) {
    Tensor ug = matmul(mT(U), gU);
    inner = mul(mul(sub(ug, mT(ug)), unsqueeze(S, -2)), gaps);  // skew(U^T gU) S
  }
  if (defined(gV)) {
    Tensor vg = matmul(mT(V), gV);
    Tensor part = mul(mul(unsqueeze(S, -1), sub(vg, mT(vg))), gaps);  // S skew(V^T gV)
    inner = inner ? add(inner, part) : part;
  }
  if (defined(gS)) inner = add(inner, diag_embed_last(gS));
  Tensor gA = matmul(matmul(U, inner), Vh);
  if (m > n && defined(gU)) {  // (I - U U^T) gU S^-1 Vh
    Tensor gu = div(gU, unsqueeze(S, -2));
    gA = add(gA, matmul(sub(gu, matmul(U, matmul(mT(U), gu))), Vh));
  }
  if (m < n && defined(gV)) {  // U S^-1 gV^T (I - V V^T)
    Tensor gv = div(gV, unsqueeze(S, -2));
    gA = add(gA, matmul(U, sub(mT(gv), matmul(matmul(mT(gv), V), Vh))));
  }
  return gA;
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices) {
  auto [U, S, Vh] = svd_forward("linalg.svd", a, full_matrices, true);
  if (any_requires_grad({&a})) {
    const int64_t k = S->sizes.back();
    auto node = make_node("LinalgSvdBackward0", {a}, [k](Node& n, TensorList& g) -> TensorList {
      // With full matrices only the first k singular vectors carry information about A.
      auto narrow_u = [k](const Tensor& x) { return x ? narrow(x, -1, 0, k) : x; };
      auto narrow_vh = [k](const Tensor& x) { return x ? narrow(x, -2, 0, k) : x; };
      return {svd_backward(narrow_u(n.saved(saved::U)), n.saved(saved::S),
                           narrow_vh(n.saved(saved::Vh)), narrow_u(g[0]), g[1], narrow_vh(g[2]))};
    });
    record(node, {U, S, Vh}, {{saved::U, U}, {saved::S, S}, {saved::Vh, Vh}});
  }
  return {U, S, Vh};
}

Tensor linalg_svdvals(const Tensor& a) {
  // torch's messages name linalg.svd, which svdvals calls.
  auto [U, S, Vh] = svd_forward("linalg.svd", a, false, true);
  if (any_requires_grad({&a})) {
    auto node = make_node("LinalgSvdBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
      return {svd_backward(n.saved(saved::U), n.saved(saved::S), n.saved(saved::Vh), g[0], g[1],
                           g[2])};
    });
    // U and Vh are outputs of the node, unreturned (as eigvalsh's V).
    record(node, {U, S, Vh}, {{saved::U, U}, {saved::S, S}, {saved::Vh, Vh}});
  }
  return S;
}

// ---- compositions ----

Tensor linalg_matrix_power(const Tensor& a, int64_t n) {
  if (a->dim() < 2)
    throw std::runtime_error("linalg.matrix_power: The input tensor A must have at least 2 dimensions.");
  if (a->sizes[a->dim() - 1] != a->sizes[a->dim() - 2])
    throw std::runtime_error("linalg.matrix_power: A must be batches of square matrices, but they are " +
                             dims_str(a) + " matrices");
  if (n == 0) {  // as torch: A's clone overwritten with I (CopyBackwards)
    Tensor out = clone(a);
    copy_(out, identity(a->sizes.back(), a->dtype));
    return out;
  }
  Tensor base = n < 0 ? linalg_inv(a) : a;
  uint64_t e = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  if (e == 1) return clone(base);
  if (e == 2) return matmul(base, base);
  if (e == 3) return matmul(matmul(base, base), base);
  Tensor z, result;  // binary powering, torch's order of products
  while (e > 0) {
    const bool bit = e & 1;
    e >>= 1;
    z = z ? matmul(z, z) : base;
    if (bit) {
      if (e == 0) return result ? matmul(result, z) : z;
      result = result ? matmul(result, z) : z;
    }
  }
  return result;
}

Tensor linalg_cross(const Tensor& a, const Tensor& b, int64_t dim) {
  if (a->dim() != b->dim())
    throw std::runtime_error("linalg.cross: inputs must have the same number of dimensions.");
  const int64_t d = wrap_dim(dim, a->dim());
  // The length along dim is checked before broadcasting (a length 1 does not stretch to 3).
  if (a->sizes[d] != 3 || b->sizes[d] != 3)
    throw std::runtime_error("linalg.cross: inputs dimension " + std::to_string(dim) +
                             " must have length 3. Got " + std::to_string(a->sizes[d]) + " and " +
                             std::to_string(b->sizes[d]));
  // As torch: one dtype, no promotion; no bool kernel.
  if (a->dtype != b->dtype)
    throw std::runtime_error(std::string("expected scalar type ") + dtype_torch_name(a->dtype) +
                             " but found " + dtype_torch_name(b->dtype));
  if (a->dtype == DType::Bool) throw detail::not_implemented_for("cross", a->dtype);
  broadcast_shapes(a->sizes, b->sizes);  // torch's error for batch dims that do not broadcast
  Tensor out;
  {
    GradModeGuard no_grad(false);
    auto component = [&](int64_t i, int64_t j) {
      return sub(mul(select(a, d, i), select(b, d, j)), mul(select(a, d, j), select(b, d, i)));
    };
    out = stack({component(1, 2), component(2, 0), component(0, 1)}, d);
  }
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("LinalgCrossBackward0", {a, b}, [d](Node& n, TensorList& g) -> TensorList {
      // d(a x b) = da x b + a x db: ga = b x g, gb = g x a.
      Tensor ga, gb;
      if (n.needs_input_grad(0))
        ga = sum_to(linalg_cross(n.saved(saved::other), g[0], d), n.input_meta()[0].sizes);
      if (n.needs_input_grad(1))
        gb = sum_to(linalg_cross(g[0], n.saved(saved::self), d), n.input_meta()[1].sizes);
      return {ga, gb};
    });
    record(node, {out}, {{saved::self, a}, {saved::other, b}});
  }
  return out;
}

Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim) {
  if (dim) return linalg_cross(a, b, *dim);
  // The deprecated default: input's first dim of length 3.
  for (int64_t d = 0; d < a->dim(); ++d)
    if (a->sizes[d] == 3) return linalg_cross(a, b, d);
  throw std::runtime_error("no dimension of size 3 in input");
}

Tensor linalg_matrix_norm(const Tensor& a, const std::string& ord_name, double p, int64_t dim0,
                          int64_t dim1, bool keepdim) {
  if (a->dim() < 2)
    throw std::runtime_error("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  const int64_t d0 = wrap_dim(dim0, a->dim()), d1 = wrap_dim(dim1, a->dim());
  if (d0 == d1)
    throw std::runtime_error("linalg.matrix_norm: dims must be different. Got (" +
                             std::to_string(dim0) + ", " + std::to_string(dim1) + ")");
  if (ord_name == "fro") return norm(a, 2.0, DimList{d0, d1}, keepdim);
  const bool spectral = ord_name == "nuc" || std::fabs(p) == 2.0;
  if (ord_name.empty() && !(std::fabs(p) == 1.0 || std::fabs(p) == 2.0 || std::isinf(p))) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", p);
    throw std::runtime_error(std::string("linalg.matrix_norm: Order ") + text + " not supported.");
  }
  if (!ord_name.empty() && ord_name != "nuc")
    throw std::runtime_error("linalg.matrix_norm: Order " + ord_name + " not supported.");
  if (spectral) {
    // Singular values of the matrices spanned by (d0, d1), moved last.
    Tensor s = linalg_svdvals(movedim(a, {d0, d1}, {-2, -1}));
    Tensor out = ord_name == "nuc" ? sum(s, DimList{-1}, keepdim)
                            : (p > 0 ? amax(s, {-1}, keepdim) : amin(s, {-1}, keepdim));
    // keepdim: [..., 1, 1] moved back to (d0, d1), as torch builds it.
    return keepdim ? movedim(unsqueeze(out, -1), {-2, -1}, {d0, d1}) : out;
  }
  // max / min over columns (|p| = 1) or rows (inf) of the absolute sums; the second
  // dim moves down one when the first one's removal shifts it.
  const bool columns = std::fabs(p) == 1.0;
  const int64_t summed = columns ? d0 : d1;
  int64_t reduced = columns ? d1 : d0;
  if (!keepdim && summed < reduced) --reduced;
  Tensor sums = sum(abs(a), DimList{summed}, keepdim);
  return p > 0 ? amax(sums, {reduced}, keepdim) : amin(sums, {reduced}, keepdim);
}

}  // namespace cgrad
