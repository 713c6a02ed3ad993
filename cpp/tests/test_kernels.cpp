// Raw kernels (no autograd): every layout path of the elementwise kernels agrees with a
// naive reference, casts follow torch, reductions match plain loops, NaN/inf propagate.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "cgrad/pointwise/table.h"
#include "kernels/kernels.h"
#include "test_util.h"

namespace cgrad {
namespace {

using kernels::BinaryOp;
using kernels::ReduceOp;
using kernels::UnaryOp;
using test::from_values;
using test::values_of;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// NaN matches NaN, inf matches inf exactly, finite values within rel_tol * max(1, |want|).
void expect_close(double got, double want, double rel_tol, const std::string& what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what << ": got " << got << ", want nan";
  } else if (std::isinf(want) || rel_tol == 0.0) {
    EXPECT_EQ(got, want) << what;
  } else {
    EXPECT_NEAR(got, want, rel_tol * std::max(1.0, std::fabs(want))) << what;
  }
}

// A tensor with arbitrary strides/offset over a fresh buffer of `storage_numel` elements,
// the buffer holding value(k) at element k.
Tensor strided(DType dtype, const Shape& sizes, const Shape& strides, int64_t offset,
               int64_t storage_numel, const std::function<double(int64_t)>& value) {
  std::vector<double> buf(storage_numel);
  for (int64_t k = 0; k < storage_numel; ++k) buf[k] = value(k);
  Tensor base = from_values({storage_numel}, buf, dtype);
  return make_view(base, sizes, strides, offset);
}

// A contiguous tensor filled with `value` by the fill kernel (no op layer involved).
Tensor filled(const Shape& sizes, double value, DType dtype) {
  Tensor t = empty(sizes, dtype);
  kernels::fill(*t, value);
  return t;
}

Tensor contiguous_of(DType dtype, const Shape& sizes, const std::function<double(int64_t)>& value) {
  int64_t n = numel_of(sizes);
  return strided(dtype, sizes, contiguous_strides(sizes), 0, n, value);
}

// Row-major index, in `in`'s own shape, of the element broadcasting maps to output `flat`.
int64_t broadcast_source(const Shape& out, const Shape& in, int64_t flat) {
  int64_t src = 0, scale = 1;
  const size_t lead = out.size() - in.size();
  for (size_t i = out.size(); i-- > 0;) {
    int64_t idx = flat % out[i];
    flat /= out[i];
    if (i < lead) continue;
    int64_t s = in[i - lead];
    if (s != 1) src += idx * scale;
    scale *= s;
  }
  return src;
}

template <class T> T naive_int_pow(T base, T exp) {
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? (exp % 2 ? -1 : 1) : 0);
  T r = 1;
  for (T i = 0; i < exp; ++i) r = static_cast<T>(r * base);
  return r;
}

template <class T> double reference_binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return static_cast<T>(a + b);
    case BinaryOp::Sub: return static_cast<T>(a - b);
    case BinaryOp::Mul: return static_cast<T>(a * b);
    case BinaryOp::Div: return static_cast<T>(a / b);
    case BinaryOp::Pow:
      if constexpr (std::is_floating_point_v<T>) return std::pow(static_cast<double>(a), b);
      else if constexpr (std::is_same_v<T, bool>) return a || !b;
      else return naive_int_pow<T>(a, b);
    case BinaryOp::Eq: return a == b;
    case BinaryOp::Ne: return a != b;
    case BinaryOp::Lt: return a < b;
    case BinaryOp::Le: return a <= b;
    case BinaryOp::Gt: return a > b;
    case BinaryOp::Ge: return a >= b;
    default: break;  // no reference here for the ops this file does not sweep
  }
  return kNaN;
}

// A kernel's name and whether it is a comparison, from its binary table row ("other" and
// false for the kernels without one).
const char* op_name(BinaryOp op) {
  switch (op) {
#define CGRAD_BINARY_OP(Kernel, name, ...) \
  case BinaryOp::Kernel:                   \
    return #name;
#include "cgrad/pointwise/binary_ops.def"
    default: return "other";
  }
}

bool is_comparison(BinaryOp op) {
  switch (op) {
#define CGRAD_BINARY_OP(Kernel, name, dtype, ...) \
  case BinaryOp::Kernel:                          \
    return pointwise::dtype == pointwise::kCompare;
#include "cgrad/pointwise/binary_ops.def"
    default: return false;
  }
}

// Runs `op` on (a, b) into a fresh output (or into `out` when given) and compares every
// element against reference_binary on the broadcast operands.
void check_binary(BinaryOp op, const Tensor& a, const Tensor& b, const std::string& layout,
                  Tensor out = nullptr) {
  Shape shape = broadcast_shapes(a->sizes, b->sizes);
  DType out_dtype = is_comparison(op) ? DType::Bool : a->dtype;
  if (!out) out = empty(shape, out_dtype);
  kernels::binary(op, *a, *b, *out);
  // Float pow may come from a vectorised approximation: allow a few ulps.
  double tol = 0.0;
  if (op == BinaryOp::Pow && a->dtype == DType::Float32) tol = 4 * FLT_EPSILON;
  if (op == BinaryOp::Pow && a->dtype == DType::Float64) tol = 4 * DBL_EPSILON;
  dispatch(a->dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < out->numel(); ++i) {
      T x = static_cast<T>(item_as_double(*a, broadcast_source(shape, a->sizes, i)));
      T y = static_cast<T>(item_as_double(*b, broadcast_source(shape, b->sizes, i)));
      double want = reference_binary<T>(op, x, y);
      if (!is_comparison(op)) want = static_cast<double>(static_cast<T>(want));
      expect_close(item_as_double(*out, i), want, tol,
                   std::string(op_name(op)) + " " + dtype_name(a->dtype) + " " + layout +
                       " element " + std::to_string(i));
    }
  });
}

// Inputs of every kernel path: contiguous, scalar, row, column, transposed, expanded,
// offset, and 3-d broadcasting; on both sides.
void check_all_layouts(BinaryOp op, DType dtype) {
  const bool integral = !is_floating(dtype);
  auto va = [&](int64_t k) {
    return integral ? static_cast<double>((k * 7) % 11 - 5) : 0.37 * static_cast<double>(k) - 2.1;
  };
  // Integer exponents stay small and non-negative; float divisors avoid exact zero.
  auto vb = [&](int64_t k) {
    return integral ? static_cast<double>((k * 5) % 4) : 1.3 - 0.29 * static_cast<double>(k);
  };
  Tensor a = contiguous_of(dtype, {3, 4}, va);
  struct Case {
    const char* name;
    Tensor other;
  };
  const Case cases[] = {
      {"contiguous", contiguous_of(dtype, {3, 4}, vb)},
      {"0-d scalar", contiguous_of(dtype, {}, vb)},
      {"one-element", contiguous_of(dtype, {1}, vb)},
      {"row", contiguous_of(dtype, {4}, vb)},
      {"row 1x4", contiguous_of(dtype, {1, 4}, vb)},
      {"column", contiguous_of(dtype, {3, 1}, vb)},
      {"transposed", strided(dtype, {3, 4}, {1, 3}, 0, 12, vb)},
      {"expanded", strided(dtype, {3, 4}, {0, 1}, 0, 4, vb)},
      {"offset", strided(dtype, {3, 4}, {4, 1}, 5, 17, vb)},
      {"strided column", strided(dtype, {3, 1}, {5, 1}, 2, 13, vb)},
      {"every other", strided(dtype, {3, 4}, {8, 2}, 1, 24, vb)},
  };
  for (const Case& c : cases) {
    check_binary(op, a, c.other, std::string(c.name) + " rhs");
    check_binary(op, strided(dtype, {3, 4}, {1, 3}, 0, 12, va), c.other,
                 std::string(c.name) + " rhs, transposed lhs");
    // Swap sides, keeping exponents small for integer pow.
    if (!(integral && op == BinaryOp::Pow)) check_binary(op, c.other, a, std::string(c.name) + " lhs");
  }
  check_binary(op, contiguous_of(dtype, {2, 1, 4}, va), contiguous_of(dtype, {3, 1}, vb),
               "3-d broadcast");
  check_binary(op, contiguous_of(dtype, {0, 4}, va), contiguous_of(dtype, {4}, vb), "empty");
  // Writing into a non-contiguous output (the in-place path).
  Tensor out_base = empty({4, 3}, is_comparison(op) ? DType::Bool : dtype);
  Tensor out_t = make_view(out_base, {3, 4}, {1, 3}, 0);
  check_binary(op, a, contiguous_of(dtype, {4}, vb), "strided output", out_t);
}

TEST(BinaryKernel, FloatOpsMatchReferenceOnEveryLayout) {
  for (DType dt : {DType::Float32, DType::Float64})
    for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div,
                        BinaryOp::Pow, BinaryOp::Eq, BinaryOp::Ne, BinaryOp::Lt, BinaryOp::Le,
                        BinaryOp::Gt, BinaryOp::Ge})
      check_all_layouts(op, dt);
}

TEST(BinaryKernel, IntegerOpsMatchReferenceOnEveryLayout) {
  for (DType dt : {DType::Int32, DType::Int64})
    for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Pow, BinaryOp::Eq,
                        BinaryOp::Lt, BinaryOp::Ge})
      check_all_layouts(op, dt);
}

TEST(BinaryKernel, IntegerPowNegativeExponent) {
  // torch: tensor([2, 1, -1, -1, 0]) ** tensor([-1, -3, -3, -2, 2]) == [0, 1, -1, 1, 0]
  Tensor a = from_values({5}, {2, 1, -1, -1, 0}, DType::Int64);
  Tensor b = from_values({5}, {-1, -3, -3, -2, 2}, DType::Int64);
  Tensor out = empty({5}, DType::Int64);
  kernels::binary(BinaryOp::Pow, *a, *b, *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{0, 1, -1, 1, 0}));
}

TEST(BinaryKernel, InPlaceIntoFirstOperand) {
  Tensor a = from_values({2, 3}, {1, 2, 3, 4, 5, 6}, DType::Float32);
  Tensor b = from_values({3}, {10, 20, 30}, DType::Float32);
  kernels::binary(BinaryOp::Add, *a, *b, *a);
  EXPECT_EQ(values_of(a), (std::vector<double>{11, 22, 33, 14, 25, 36}));
}

TEST(BinaryKernel, NanAndInfPropagate) {
  Tensor a = from_values({6}, {kNaN, 1.0, kInf, kInf, 0.0, -1.0}, DType::Float64);
  Tensor b = from_values({6}, {1.0, kNaN, -kInf, kInf, 0.0, 0.0}, DType::Float64);
  Tensor out = empty({6}, DType::Float64);
  kernels::binary(BinaryOp::Add, *a, *b, *out);
  auto v = values_of(out);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_TRUE(std::isnan(v[1]));
  EXPECT_TRUE(std::isnan(v[2]));  // inf + -inf
  EXPECT_EQ(v[3], kInf);
  kernels::binary(BinaryOp::Div, *a, *b, *out);
  v = values_of(out);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_TRUE(std::isnan(v[3]));  // inf / inf
  EXPECT_TRUE(std::isnan(v[4]));  // 0 / 0
  EXPECT_EQ(v[5], -kInf);         // -1 / 0
  kernels::binary(BinaryOp::Mul, *a, *b, *out);
  EXPECT_EQ(values_of(out)[4], 0.0);
  EXPECT_EQ(values_of(out)[2], -kInf);
  // Comparisons with NaN: only != holds.
  Tensor cmp = empty({6}, DType::Bool);
  kernels::binary(BinaryOp::Eq, *a, *a, *cmp);
  EXPECT_EQ(values_of(cmp)[0], 0.0);
  kernels::binary(BinaryOp::Ne, *a, *a, *cmp);
  EXPECT_EQ(values_of(cmp)[0], 1.0);
  kernels::binary(BinaryOp::Lt, *a, *b, *cmp);
  EXPECT_EQ(values_of(cmp)[0], 0.0);
  kernels::binary(BinaryOp::Ge, *a, *b, *cmp);
  EXPECT_EQ(values_of(cmp)[0], 0.0);
}

// ---- unary ----

double reference_unary(UnaryOp op, double x) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Reciprocal: return 1.0 / x;
    case UnaryOp::Sin: return std::sin(x);
    case UnaryOp::Cos: return std::cos(x);
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case UnaryOp::Relu: return std::isnan(x) ? x : (x > 0 ? x : 0.0);
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Abs: return std::fabs(x);
    case UnaryOp::Sign: return static_cast<double>((x > 0) - (x < 0));  // torch: sign(nan) is 0
    default: break;  // only kAllUnary below is checked here
  }
  return kNaN;
}

constexpr UnaryOp kAllUnary[] = {UnaryOp::Neg,  UnaryOp::Reciprocal, UnaryOp::Sin,
                                 UnaryOp::Cos,  UnaryOp::Exp,        UnaryOp::Log,
                                 UnaryOp::Tanh, UnaryOp::Sigmoid,    UnaryOp::Relu,
                                 UnaryOp::Sqrt, UnaryOp::Abs,        UnaryOp::Sign};

const std::vector<double> kUnaryInputs = {-30.0, -3.5, -1.0, -0.0, 0.0,  1e-6, 0.25, 1.0,
                                          2.5,   10.0, 30.0, 88.0, kInf, -kInf, kNaN};

TEST(UnaryKernel, MatchesCmathInDouble) {
  const int64_t n = static_cast<int64_t>(kUnaryInputs.size());
  for (DType dt : {DType::Float64, DType::Float32}) {
    Tensor a = from_values({n}, kUnaryInputs, dt);
    // float32 results are compared with the double result on the same (rounded) input.
    const double tol = dt == DType::Float64 ? 2 * DBL_EPSILON : 4 * FLT_EPSILON;
    for (UnaryOp op : kAllUnary) {
      Tensor out = empty({n}, dt);
      kernels::unary(op, *a, *out);
      for (int64_t i = 0; i < n; ++i) {
        double x = item_as_double(*a, i);
        double want = reference_unary(op, x);
        if (dt == DType::Float32) want = static_cast<float>(want);
        expect_close(item_as_double(*out, i), want, tol,
                     std::string(dtype_name(dt)) + " unary op " +
                         std::to_string(static_cast<int>(op)) + " at x = " + std::to_string(x));
      }
    }
  }
}

TEST(UnaryKernel, SignedZeros) {
  Tensor a = from_values({2}, {-0.0, 0.0}, DType::Float64);
  Tensor out = empty({2}, DType::Float64);
  kernels::unary(UnaryOp::Neg, *a, *out);
  EXPECT_FALSE(std::signbit(item_as_double(*out, 0)));
  EXPECT_TRUE(std::signbit(item_as_double(*out, 1)));
  // torch.abs(-0.) is 0., not -0. (it prints as "0.").
  kernels::unary(UnaryOp::Abs, *a, *out);
  EXPECT_FALSE(std::signbit(item_as_double(*out, 0)));
  EXPECT_FALSE(std::signbit(item_as_double(*out, 1)));
  kernels::unary(UnaryOp::Sqrt, *a, *out);
  EXPECT_TRUE(std::signbit(item_as_double(*out, 0)));  // IEEE: sqrt(-0) = -0
  kernels::unary(UnaryOp::Reciprocal, *a, *out);
  EXPECT_EQ(item_as_double(*out, 0), -kInf);
  EXPECT_EQ(item_as_double(*out, 1), kInf);
}

TEST(UnaryKernel, StridedInputMatchesContiguous) {
  // A transposed 3x4 view of a 4x3 buffer, and an every-other-element view.
  auto value = [](int64_t k) { return 0.41 * static_cast<double>(k) - 2.0; };
  const Tensor views[] = {strided(DType::Float64, {3, 4}, {1, 3}, 0, 12, value),
                          strided(DType::Float64, {3, 4}, {8, 2}, 1, 24, value),
                          strided(DType::Float64, {3, 4}, {0, 1}, 2, 6, value)};
  for (const Tensor& v : views)
    for (UnaryOp op : kAllUnary) {
      Tensor out = empty({3, 4}, DType::Float64);
      kernels::unary(op, *v, *out);
      for (int64_t i = 0; i < 12; ++i)
        expect_close(item_as_double(*out, i), reference_unary(op, item_as_double(*v, i)),
                     2 * DBL_EPSILON, "strided unary op " + std::to_string(static_cast<int>(op)));
    }
}

TEST(UnaryKernel, IntegerAndBoolOps) {
  for (DType dt : {DType::Int32, DType::Int64}) {
    Tensor a = from_values({5}, {-7, -1, 0, 1, 9}, dt);
    Tensor out = empty({5}, dt);
    kernels::unary(UnaryOp::Neg, *a, *out);
    EXPECT_EQ(values_of(out), (std::vector<double>{7, 1, 0, -1, -9}));
    kernels::unary(UnaryOp::Abs, *a, *out);
    EXPECT_EQ(values_of(out), (std::vector<double>{7, 1, 0, 1, 9}));
    kernels::unary(UnaryOp::Sign, *a, *out);
    EXPECT_EQ(values_of(out), (std::vector<double>{-1, -1, 0, 1, 1}));
    kernels::unary(UnaryOp::Relu, *a, *out);
    EXPECT_EQ(values_of(out), (std::vector<double>{0, 0, 0, 1, 9}));
  }
  Tensor b = from_values({2}, {0, 1}, DType::Bool);
  Tensor out = empty({2}, DType::Bool);
  kernels::unary(UnaryOp::Abs, *b, *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{0, 1}));
  kernels::unary(UnaryOp::Sign, *b, *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{0, 1}));
}

// ---- copy, fill, where ----

TEST(CopyKernel, FloatToIntTruncatesTowardZero) {
  Tensor src = from_values({6}, {1.7, -1.7, 2.5, -0.5, 0.0, 100.99}, DType::Float32);
  for (DType dt : {DType::Int32, DType::Int64}) {
    Tensor dst = empty({6}, dt);
    kernels::copy(*src, *dst);
    EXPECT_EQ(values_of(dst), (std::vector<double>{1, -1, 2, 0, 0, 100})) << dtype_name(dt);
  }
}

TEST(CopyKernel, ToBoolIsNonZero) {
  Tensor src = from_values({6}, {0.0, -0.0, 0.5, kNaN, -kInf, 1e-30}, DType::Float64);
  Tensor dst = empty({6}, DType::Bool);
  kernels::copy(*src, *dst);
  EXPECT_EQ(values_of(dst), (std::vector<double>{0, 0, 1, 1, 1, 1}));
  Tensor ints = from_values({4}, {0, -3, 2, 0}, DType::Int64);
  kernels::copy(*ints, *dst);
  EXPECT_EQ(values_of(dst)[0], 0.0);
  EXPECT_EQ(values_of(dst)[1], 1.0);
  EXPECT_EQ(values_of(dst)[2], 1.0);
}

TEST(CopyKernel, WideningAndNarrowing) {
  Tensor b = from_values({3}, {1, 0, 1}, DType::Bool);
  Tensor f = empty({3}, DType::Float32);
  kernels::copy(*b, *f);
  EXPECT_EQ(values_of(f), (std::vector<double>{1, 0, 1}));
  Tensor i64 = from_values({3}, {-5, 0, 123456789}, DType::Int64);
  Tensor i32 = empty({3}, DType::Int32);
  kernels::copy(*i64, *i32);
  EXPECT_EQ(values_of(i32), (std::vector<double>{-5, 0, 123456789}));
  Tensor d = from_values({2}, {0.1, 1e300}, DType::Float64);
  Tensor f2 = empty({2}, DType::Float32);
  kernels::copy(*d, *f2);
  EXPECT_EQ(item_as_double(*f2, 0), static_cast<double>(0.1f));
  EXPECT_EQ(item_as_double(*f2, 1), kInf);
}

TEST(CopyKernel, StridedAndBroadcastSources) {
  auto value = [](int64_t k) { return static_cast<double>(k); };
  Tensor t = strided(DType::Float32, {3, 4}, {1, 3}, 0, 12, value);  // transposed
  Tensor dst = empty({3, 4}, DType::Float32);
  kernels::copy(*t, *dst);
  EXPECT_TRUE(dst->is_contiguous());
  EXPECT_EQ(values_of(dst), values_of(t));
  Tensor dst64 = empty({3, 4}, DType::Float64);
  kernels::copy(*t, *dst64);
  EXPECT_EQ(values_of(dst64), values_of(t));
  // A row broadcast over a 2x3 destination.
  Tensor row = from_values({3}, {1, 2, 3}, DType::Int32);
  Tensor wide = empty({2, 3}, DType::Float64);
  kernels::copy(*row, *wide);
  EXPECT_EQ(values_of(wide), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  // Into a strided destination (a transposed view).
  Tensor base = filled({4, 3}, 0.0, DType::Float64);
  Tensor view = make_view(base, {3, 4}, {1, 3}, 0);
  kernels::copy(*t, *view);
  EXPECT_EQ(values_of(view), values_of(t));
}

TEST(FillKernel, ContiguousStridedAndCasting) {
  Tensor a = empty({2, 3}, DType::Int32);
  kernels::fill(*a, 2.9);
  EXPECT_EQ(values_of(a), (std::vector<double>(6, 2.0)));
  Tensor b = empty({3}, DType::Bool);
  kernels::fill(*b, 0.5);
  EXPECT_EQ(values_of(b), (std::vector<double>(3, 1.0)));
  Tensor base = filled({4, 4}, 0.0, DType::Float32);
  Tensor diag = make_view(base, {4}, {5}, 0);
  kernels::fill(*diag, -1.0);
  auto v = values_of(base);
  for (int64_t i = 0; i < 16; ++i) EXPECT_EQ(v[i], i % 5 == 0 ? -1.0 : 0.0) << i;
}

TEST(WhereKernel, BroadcastsAllThree) {
  Tensor cond = from_values({3, 1}, {1, 0, 1}, DType::Bool);
  Tensor a = from_values({4}, {1, 2, 3, 4}, DType::Float32);
  Tensor b = from_values({}, {-1}, DType::Float32);
  Tensor out = empty({3, 4}, DType::Float32);
  kernels::where(*cond, *a, *b, *out);
  EXPECT_EQ(values_of(out),
            (std::vector<double>{1, 2, 3, 4, -1, -1, -1, -1, 1, 2, 3, 4}));
}

// ---- reductions ----

// Naive reduction of `a` over `mask` into a vector laid out like the kept-dims output.
std::vector<double> reference_reduce(ReduceOp op, const Tensor& a, const std::vector<bool>& mask,
                                     double p) {
  Shape kept;
  for (size_t d = 0; d < a->sizes.size(); ++d) kept.push_back(mask[d] ? 1 : a->sizes[d]);
  const int64_t n_out = numel_of(kept);
  double init = 0.0;
  if (op == ReduceOp::NormNegInf || op == ReduceOp::Min) init = kInf;
  if (op == ReduceOp::Max) init = -kInf;
  if (op == ReduceOp::Prod || op == ReduceOp::All) init = 1.0;
  std::vector<double> acc(n_out, init);
  for (int64_t i = 0; i < a->numel(); ++i) {
    int64_t rest = i, o = 0, scale = 1;
    for (size_t d = a->sizes.size(); d-- > 0;) {
      int64_t idx = rest % a->sizes[d];
      rest /= a->sizes[d];
      if (!mask[d]) o += idx * scale;
      scale *= kept[d];
    }
    double x = item_as_double(*a, i);
    double& r = acc[o];
    switch (op) {
      case ReduceOp::Sum: r += x; break;
      case ReduceOp::NormP: r += std::pow(std::fabs(x), p); break;
      case ReduceOp::NormZero: r += x != 0.0; break;
      case ReduceOp::NormInf:  // NaN wins over everything
        if (!std::isnan(r) && (std::isnan(x) || std::fabs(x) > r)) r = std::fabs(x);
        break;
      case ReduceOp::NormNegInf:
        if (!std::isnan(r) && (std::isnan(x) || std::fabs(x) < r)) r = std::fabs(x);
        break;
      case ReduceOp::Prod: r *= x; break;
      case ReduceOp::Max:
        if (!std::isnan(r) && (std::isnan(x) || x > r)) r = x;
        break;
      case ReduceOp::Min:
        if (!std::isnan(r) && (std::isnan(x) || x < r)) r = x;
        break;
      case ReduceOp::All: r = r && x != 0.0; break;
      case ReduceOp::Any: r = r || x != 0.0; break;
    }
  }
  if (op == ReduceOp::NormP)
    for (double& v : acc) v = std::pow(v, 1.0 / p);
  return acc;
}

struct ReduceCase {
  ReduceOp op;
  double p;
};
constexpr ReduceCase kReduceCases[] = {{ReduceOp::Sum, 0.0},     {ReduceOp::NormP, 1.0},
                                       {ReduceOp::NormP, 2.0},   {ReduceOp::NormP, 3.0},
                                       {ReduceOp::NormZero, 0.0}, {ReduceOp::NormInf, 0.0},
                                       {ReduceOp::NormNegInf, 0.0}, {ReduceOp::Prod, 0.0},
                                       {ReduceOp::Max, 0.0},      {ReduceOp::Min, 0.0},
                                       {ReduceOp::All, 0.0},      {ReduceOp::Any, 0.0}};

void check_reduce_all_masks(const Tensor& a, double tol, const std::string& what) {
  const size_t nd = a->sizes.size();
  for (unsigned bits = 0; bits < (1u << nd); ++bits) {
    std::vector<bool> mask(nd);
    Shape kept;
    for (size_t d = 0; d < nd; ++d) {
      mask[d] = (bits >> d) & 1;
      kept.push_back(mask[d] ? 1 : a->sizes[d]);
    }
    for (const ReduceCase& c : kReduceCases) {
      const bool logical = c.op == ReduceOp::All || c.op == ReduceOp::Any;
      Tensor out = empty(kept, logical ? DType::Bool : a->dtype);
      kernels::reduce(c.op, *a, *out, c.p);
      std::vector<double> want = reference_reduce(c.op, a, mask, c.p);
      for (int64_t i = 0; i < out->numel(); ++i)
        expect_close(item_as_double(*out, i), want[i], tol,
                     what + " reduce op " + std::to_string(static_cast<int>(c.op)) + " p=" +
                         std::to_string(c.p) + " mask bits " + std::to_string(bits) + " out " +
                         std::to_string(i));
    }
  }
}

TEST(ReduceKernel, EveryDimSubsetMatchesNaiveLoops) {
  auto value = [](int64_t k) { return std::sin(1.7 * static_cast<double>(k)) * 3.0; };
  check_reduce_all_masks(contiguous_of(DType::Float64, {2, 3, 4}, value), 1e-13, "float64");
  check_reduce_all_masks(contiguous_of(DType::Float32, {2, 3, 4}, value), 4 * FLT_EPSILON,
                         "float32");
  // Transposed and offset inputs take the strided path.
  check_reduce_all_masks(strided(DType::Float64, {4, 3}, {1, 4}, 0, 12, value), 1e-13,
                         "transposed");
  check_reduce_all_masks(strided(DType::Float64, {3, 2, 2}, {1, 6, 3}, 2, 14, value), 1e-13,
                         "permuted offset");
  check_reduce_all_masks(strided(DType::Float64, {3, 4}, {0, 1}, 0, 4, value), 1e-13,
                         "expanded");
  // Zeros make the zero-"norm" count and the -inf norm interesting.
  check_reduce_all_masks(contiguous_of(DType::Float64, {3, 4}, [](int64_t k) {
                           return k % 3 == 0 ? 0.0 : static_cast<double>(k) - 5.5;
                         }),
                         1e-13, "with zeros");
}

TEST(ReduceKernel, LongRowSumsAccurately) {
  // 100 000 copies of 0.1f: a float accumulator would drift by ~1e-3 relative.
  const int64_t n = 100000;
  Tensor a = filled({n}, 0.1, DType::Float32);
  Tensor out = empty({1}, DType::Float32);
  kernels::reduce(ReduceOp::Sum, *a, *out);
  EXPECT_NEAR(item_as_double(*out), n * static_cast<double>(0.1f), 1e-6 * n * 0.1);
}

TEST(ReduceKernel, Float32NormsOverflowAndUnderflowAsTorchs) {
  // Note [Float32 norms overflow as torch's]: no rescaling, terms in float32.
  Tensor big = from_values({2}, {1e30, 1e30}, DType::Float32);
  Tensor tiny = from_values({2}, {1e-30, 2e-30}, DType::Float32);
  Tensor out = empty({1}, DType::Float32);
  kernels::reduce(ReduceOp::NormP, *big, *out, 2.0);
  EXPECT_TRUE(std::isinf(item_as_double(*out)));
  kernels::reduce(ReduceOp::NormP, *tiny, *out, 2.0);
  EXPECT_EQ(item_as_double(*out), 0.0);
  Tensor big64 = from_values({2}, {1e30, 1e30}, DType::Float64);
  Tensor out64 = empty({1}, DType::Float64);
  kernels::reduce(ReduceOp::NormP, *big64, *out64, 2.0);
  EXPECT_NEAR(item_as_double(*out64), std::sqrt(2.0) * 1e30, 1e16);
}

TEST(ReduceKernel, IntegerAndBoolSumsAreExact) {
  Tensor a = from_values({2, 3}, {1, -2, 3, 2147483647, 2147483647, 5}, DType::Int32);
  Tensor out = empty({2, 1}, DType::Int64);
  kernels::reduce(ReduceOp::Sum, *a, *out);
  EXPECT_EQ(item_as_int64(*out, 0), 2);
  EXPECT_EQ(item_as_int64(*out, 1), int64_t(2147483647) * 2 + 5);  // no int32 overflow
  Tensor b = from_values({5}, {1, 0, 1, 1, 0}, DType::Bool);
  Tensor count = empty({1}, DType::Int64);
  kernels::reduce(ReduceOp::Sum, *b, *count);
  EXPECT_EQ(item_as_int64(*count), 3);
}

TEST(ReduceKernel, ZeroDimAndEmptyInputs) {
  Tensor s = from_values({}, {-2.5}, DType::Float64);
  Tensor out = empty({}, DType::Float64);
  kernels::reduce(ReduceOp::Sum, *s, *out);
  EXPECT_EQ(item_as_double(*out), -2.5);
  kernels::reduce(ReduceOp::NormInf, *s, *out);
  EXPECT_EQ(item_as_double(*out), 2.5);
  Tensor e = empty({2, 0}, DType::Float64);
  Tensor sums = empty({2, 1}, DType::Float64);
  kernels::reduce(ReduceOp::Sum, *e, *sums);
  EXPECT_EQ(values_of(sums), (std::vector<double>{0, 0}));
  kernels::reduce(ReduceOp::NormP, *e, *sums, 2.0);
  EXPECT_EQ(values_of(sums), (std::vector<double>{0, 0}));
}

TEST(ReduceKernel, NanAndInfPropagate) {
  // NaN first, in the middle and last: every reduction of the row is NaN.
  for (int pos : {0, 2, 4}) {
    std::vector<double> v = {1.0, -7.0, 3.0, 0.5, 2.0};
    v[pos] = kNaN;
    Tensor a = from_values({5}, v, DType::Float64);
    Tensor out = empty({1}, DType::Float64);
    for (const ReduceCase& c : kReduceCases) {
      if (c.op == ReduceOp::NormZero) continue;  // counts non-zeros: NaN counts as one
      kernels::reduce(c.op, *a, *out, c.p);
      EXPECT_TRUE(std::isnan(item_as_double(*out)))
          << "op " << static_cast<int>(c.op) << " p=" << c.p << " NaN at " << pos;
    }
    kernels::reduce(ReduceOp::NormZero, *a, *out);
    EXPECT_EQ(item_as_double(*out), 5.0);
  }
  Tensor mixed = from_values({3}, {kInf, 1.0, -kInf}, DType::Float64);
  Tensor out = empty({1}, DType::Float64);
  kernels::reduce(ReduceOp::Sum, *mixed, *out);
  EXPECT_TRUE(std::isnan(item_as_double(*out)));
  kernels::reduce(ReduceOp::NormInf, *mixed, *out);
  EXPECT_EQ(item_as_double(*out), kInf);
  kernels::reduce(ReduceOp::NormNegInf, *mixed, *out);
  EXPECT_EQ(item_as_double(*out), 1.0);
  kernels::reduce(ReduceOp::NormP, *mixed, *out, 2.0);
  EXPECT_EQ(item_as_double(*out), kInf);
  Tensor overflow = from_values({2}, {3e38, 3e38}, DType::Float32);
  Tensor fout = empty({1}, DType::Float32);
  kernels::reduce(ReduceOp::Sum, *overflow, *fout);
  EXPECT_EQ(item_as_double(*fout), kInf);
}

}  // namespace
}  // namespace cgrad
