// kernels::gemm against a naive triple loop: every transpose combination, sizes that are
// not multiples of the register tile or the cache blocks, padded leading dimensions,
// alpha/beta, and the BLAS rule that beta == 0 never reads C.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cgrad/cpu_features.h"
#include "cgrad/parallel.h"
#include "kernels/kernels.h"

namespace cgrad {
namespace {

struct Problem {
  int64_t m, n, k;
};

// Small tiles, the unpacked path (a row or a column), long dot products and
// matrix-vector products (Note [gemv]), deep small products (Note [Deep small products]),
// one register tile, a thin C (run transposed), A read in place (Note [gemm direct A])
// with and without a packed edge
// row panel (37 rows; 128 rows with AVX2's 6-row tiles) and with rows past MC (200),
// and sizes that cross the cache blocks (rows past MC, depth past KC, columns past NC).
constexpr Problem kProblems[] = {
    {1, 1, 1},       {3, 5, 7},      {7, 33, 5},     {1, 100, 50},  {100, 1, 50},
    {6, 32, 64},     {8, 32, 64},    {37, 29, 41},   {37, 40, 41},  {128, 128, 128},
    {200, 40, 100},  {150, 10, 40},  {150, 70, 300}, {13, 2100, 9}, {64, 64, 0},
    {0, 8, 8},       {1, 1, 3000},   {1, 37, 1000},  {700, 1, 300}, {1, 300, 130},
    {3, 4, 1000},    {2, 2, 8000}};

// A rows x cols matrix stored with leading dimension ld; the padding stays 0. Values are
// small multiples of 1/2, so every sum below is exact in float and the FMA or summation
// order cannot change a result.
template <class T>
std::vector<T> random_matrix(int64_t rows, int64_t cols, int64_t ld, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-8, 8);
  std::vector<T> x(static_cast<size_t>(rows * ld), T(0));
  const T half = std::is_floating_point_v<T> ? T(0.5) : T(1);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) x[i * ld + j] = static_cast<T>(dist(rng)) * half;
  return x;
}

template <class T>
void check_against_naive(const Problem& p, bool trans_a, bool trans_b, T alpha, T beta) {
  std::mt19937 rng(static_cast<unsigned>(p.m * 131 + p.n * 17 + p.k));
  // op(A) is m x k: stored k x m when transposed. Three columns of padding everywhere.
  const int64_t a_rows = trans_a ? p.k : p.m, a_cols = trans_a ? p.m : p.k, lda = a_cols + 3;
  const int64_t b_rows = trans_b ? p.n : p.k, b_cols = trans_b ? p.k : p.n, ldb = b_cols + 3;
  const int64_t ldc = p.n + 3;
  const auto a = random_matrix<T>(a_rows, a_cols, lda, rng);
  const auto b = random_matrix<T>(b_rows, b_cols, ldb, rng);
  auto c = random_matrix<T>(p.m, p.n, ldc, rng);
  std::vector<T> want = c;
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      T s = T(0);
      for (int64_t q = 0; q < p.k; ++q)
        s += (trans_a ? a[q * lda + i] : a[i * lda + q]) * (trans_b ? b[j * ldb + q] : b[q * ldb + j]);
      want[i * ldc + j] = alpha * s + beta * c[i * ldc + j];
    }
  kernels::gemm(trans_a, trans_b, p.m, p.n, p.k, alpha, a.data(), lda, b.data(), ldb, beta,
                c.data(), ldc);
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < ldc; ++j)  // the padding columns must be left alone too
      ASSERT_EQ(c[i * ldc + j], want[i * ldc + j])
          << p.m << "x" << p.n << "x" << p.k << " trans_a " << trans_a << " trans_b " << trans_b
          << " at (" << i << ", " << j << ")";
}

template <class T> void check_all(T alpha, T beta) {
  for (const Problem& p : kProblems)
    for (bool trans_a : {false, true})
      for (bool trans_b : {false, true}) check_against_naive<T>(p, trans_a, trans_b, alpha, beta);
}

// Note [gemm threads]: C split by column panels (wide C) or by row panels (tall C).
TEST(Gemm, SlicesAcrossThreadsGiveTheSameResult) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  const int before = get_num_threads();
  for (const Problem& p : {Problem{40, 300, 270}, Problem{300, 40, 270}}) {
    std::vector<float> a(p.m * p.k), b(p.k * p.n), one(p.m * p.n), two(p.m * p.n);
    for (float& x : a) x = dist(rng);  // random values: a different order would round differently
    for (float& x : b) x = dist(rng);
    set_num_threads(1);
    kernels::gemm(false, false, p.m, p.n, p.k, 1.f, a.data(), p.k, b.data(), p.n, 0.f,
                  one.data(), p.n);
    set_num_threads(2);
    kernels::gemm(false, false, p.m, p.n, p.k, 1.f, a.data(), p.k, b.data(), p.n, 0.f,
                  two.data(), p.n);
    EXPECT_EQ(one, two) << p.m << "x" << p.n << "x" << p.k;
  }
  set_num_threads(2);
  check_all<float>(1.5f, 0.5f);  // the naive-loop checks with slices too
  set_num_threads(before);
}

TEST(Gemm, FloatMatchesNaiveLoop) {
  check_all<float>(1.0f, 0.0f);
  check_all<float>(2.0f, 0.5f);
}

TEST(Gemm, DoubleMatchesNaiveLoop) {
  check_all<double>(1.0, 0.0);
  check_all<double>(-1.0, 1.0);
}

TEST(Gemm, IntegersMatchNaiveLoop) {
  check_all<int64_t>(1, 0);
  check_all<int64_t>(2, 3);
  check_all<int32_t>(-1, 1);
}

// x.t() @ x reads one buffer as both operands (Note [Deep small products] copies it once).
TEST(Gemm, GramOfFewDeepColumnsMatchesNaiveLoop) {
  std::mt19937 rng(5);
  for (int64_t cols : {2, 3, 5}) {
    const int64_t rows = 1200, ld = cols + 1;  // at most 32^3 multiply-adds: small
    const auto x = random_matrix<float>(rows, cols, ld, rng);
    std::vector<float> c(cols * cols, 7.0f);
    kernels::gemm(true, false, cols, cols, rows, 1.0f, x.data(), ld, x.data(), ld, 0.0f, c.data(),
                  cols);
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        float want = 0.0f;
        for (int64_t p = 0; p < rows; ++p) want += x[p * ld + i] * x[p * ld + j];
        ASSERT_EQ(c[i * cols + j], want) << cols << " columns, at (" << i << ", " << j << ")";
      }
  }
}

TEST(Gemm, BetaZeroNeverReadsC) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const Problem& p : {Problem{2, 3, 4}, Problem{40, 50, 60}}) {
    std::vector<float> a(p.m * p.k, 1.0f), b(p.k * p.n, 2.0f), c(p.m * p.n, nan);
    kernels::gemm(false, false, p.m, p.n, p.k, 1.0f, a.data(), p.k, b.data(), p.n, 0.0f,
                  c.data(), p.n);
    for (float v : c) ASSERT_EQ(v, 2.0f * static_cast<float>(p.k));
  }
}

TEST(Gemm, EmptyDepthScalesC) {
  std::vector<double> c{1, 2, 3, 4}, unused(1);
  kernels::gemm(false, false, 2, 2, 0, 1.0, unused.data(), 1, unused.data(), 2, 3.0, c.data(), 2);
  EXPECT_EQ(c, (std::vector<double>{3, 6, 9, 12}));
  kernels::gemm(false, false, 2, 2, 0, 1.0, unused.data(), 1, unused.data(), 2, 0.0, c.data(), 2);
  EXPECT_EQ(c, (std::vector<double>{0, 0, 0, 0}));
}

TEST(Gemm, NanAndInfPropagate) {
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t n : {3, 40}) {  // the direct loop and the packed path
    std::vector<double> a(n * n, 1.0), b(n * n, 1.0), c(n * n, 0.0);
    a[0] = std::nan("");
    b[1] = inf;
    kernels::gemm(false, false, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0, c.data(), n);
    EXPECT_TRUE(std::isnan(c[0]));  // row 0 saw the NaN
    EXPECT_TRUE(std::isnan(c[1]));
    EXPECT_EQ(c[n + 1], inf);       // row 1 column 1 saw the inf
    EXPECT_EQ(c[n + 2], static_cast<double>(n));
  }
}

// Note [Small products on the tiles]: a small product's elements are rounded as torch's
// BLAS rounds them (Note [Small gemm accumulation]) whether the loop nest or the register
// tiles compute them: each term fused into the sum in k order where the accumulation
// fuses and the instruction set has FMA, rounded before it is added otherwise; then
// alpha * sum and beta * C, each rounded, added. Values here are not exact in float, so
// any other order or fusion shows in the last bits.
template <class T>
void check_small_rounding(const Problem& p, bool trans_a, bool trans_b, T alpha, T beta,
                          kernels::Accumulation accumulation) {
  std::mt19937 rng(static_cast<unsigned>(p.m * 7919 + p.n * 31 + p.k));
  std::normal_distribution<double> dist;
  const int64_t lda = trans_a ? p.m : p.k, ldb = trans_b ? p.k : p.n;
  std::vector<T> a(p.m * p.k), b(p.k * p.n), c(p.m * p.n);
  for (auto* x : {&a, &b, &c})
    for (T& v : *x) v = static_cast<T>(dist(rng));
  // Which elements torch's BLAS fuses: all or none of a C with more than one row and
  // column; of one column, the rows when they are axpys along op(A)'s columns, else all
  // but the last m mod 4 dot products; the same for one row, along op(B).
  const auto fused = [&](int64_t i, int64_t j) {
    if (accumulation == kernels::Accumulation::Plain || cpu::active_isa() < cpu::Isa::Avx2)
      return false;
    if (p.m == 1 && p.n == 1) return true;
    if (p.n == 1) return trans_a || i < p.m - p.m % 4;
    if (p.m == 1) return !trans_b || j < p.n - p.n % 4;
    return !trans_b || (trans_a && p.m >= p.n);
  };
  std::vector<T> want = c;
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      T s = T(0);
      for (int64_t q = 0; q < p.k; ++q) {
        const T x = trans_a ? a[q * lda + i] : a[i * lda + q];
        const T y = trans_b ? b[j * ldb + q] : b[q * ldb + j];
        if (fused(i, j)) {
          s = std::fma(x, y, s);
        } else {
          volatile T term = x * y;  // rounded before the add
          s += term;
        }
      }
      volatile T scaled = alpha * s;
      volatile T old = beta * c[i * p.n + j];
      want[i * p.n + j] = beta == T(0) ? T(scaled) : scaled + old;
    }
  kernels::gemm(trans_a, trans_b, p.m, p.n, p.k, alpha, a.data(), lda, b.data(), ldb, beta,
                c.data(), p.n, accumulation);
  for (int64_t e = 0; e < p.m * p.n; ++e)
    ASSERT_EQ(c[e], want[e]) << p.m << "x" << p.n << "x" << p.k << " trans_a " << trans_a
                             << " trans_b " << trans_b << " at " << e;
}

TEST(Gemm, SmallProductsRoundAsTorchsBlas) {
  // The loop nest (below 256 multiply-adds), one tile, edge tiles, a thin C (run
  // transposed), the largest small products one depth block deep, and one row, one
  // column or one element, up to 256 deep (Note [gemv]).
  const Problem problems[] = {{2, 3, 5},    {5, 7, 9},    {6, 16, 30}, {7, 17, 31},
                              {32, 32, 32}, {50, 3, 200}, {3, 50, 200}, {128, 64, 4},
                              {1, 1, 256},  {1, 67, 100}, {67, 1, 100}, {130, 1, 250},
                              {1, 130, 250}};
  for (const Problem& p : problems)
    for (bool trans_a : {false, true})
      for (bool trans_b : {false, true})
        for (auto acc : {kernels::Accumulation::LikeBlas, kernels::Accumulation::Plain}) {
          check_small_rounding<float>(p, trans_a, trans_b, 1.0f, 0.0f, acc);
          check_small_rounding<float>(p, trans_a, trans_b, 0.7f, 1.3f, acc);
          check_small_rounding<double>(p, trans_a, trans_b, -1.1, 0.9, acc);
        }
}

}  // namespace
}  // namespace cgrad
