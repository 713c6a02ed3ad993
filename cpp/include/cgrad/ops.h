#pragma once
// The differentiable operations. Each checks its inputs, promotes dtypes, broadcasts,
// runs a kernel and — only when grad mode is on and an input requires grad — records a
// node named as torch names it. Definitions live in cpp/src/ops/, one area per file,
// each op's backward formula beside its forward.
#include <optional>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad {

using DimList = std::vector<int64_t>;

// ---- arithmetic (ops/arithmetic.cpp) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor rsub(const Tensor& a, const Tensor& b);  // b - a, recorded as RsubBackward1
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& a);
Tensor reciprocal(const Tensor& a);

// ---- comparisons, bool results, never differentiable (ops/comparison.cpp) ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

// ---- pointwise math (ops/unary.cpp) ----
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);

// ---- selection (ops/selection.cpp) ----
// cond ? a : b, broadcasting all three; cond is a bool tensor.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// ---- reductions (ops/reduction.cpp) ----
// dims == nullopt: over everything (SumBackward0); otherwise over `dims` (SumBackward1).
Tensor sum(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
           bool keepdim = false, std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& a, const std::optional<DimList>& dims = std::nullopt,
            bool keepdim = false, std::optional<DType> dtype = std::nullopt);
// p-norm; p = inf / -inf for max / min of |x|.
Tensor norm(const Tensor& a, double p = 2.0, const std::optional<DimList>& dims = std::nullopt,
            bool keepdim = false);
// Sums `grad` down to `sizes` (undoes broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& sizes);

// ---- shape and copies (ops/shape.cpp) ----
Tensor expand(const Tensor& a, const Shape& sizes);
Tensor reshape(const Tensor& a, const Shape& sizes);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);
Tensor detach(const Tensor& a);  // shares storage and version counter
// A new tensor over the same data that stays in the graph (AliasBackward0).
Tensor alias(const Tensor& a);
// Conversion; returns `a` itself when the dtype already matches and !copy.
Tensor to_dtype(const Tensor& a, DType dtype, bool copy = false);

// ---- in place (ops/inplace.cpp) ----
Tensor& fill_(Tensor& a, double value);
Tensor& zero_(Tensor& a);
// No autograd recording yet: allowed where no graph is being built (Note [In-place ops
// and autograd]).
Tensor& add_(Tensor& a, const Tensor& b);
Tensor& sub_(Tensor& a, const Tensor& b);
Tensor& mul_(Tensor& a, const Tensor& b);
Tensor& div_(Tensor& a, const Tensor& b);

// ---- creation and random (ops/creation.cpp) ----
Tensor full(const Shape& sizes, double value, DType dtype);
Tensor arange(double start, double end, double step, DType dtype);
Tensor eye(int64_t n, int64_t m, DType dtype);
Tensor rand(const Shape& sizes, DType dtype);
Tensor randn(const Shape& sizes, DType dtype);
void manual_seed(uint64_t seed);

// Shared input checks.
void check_same_or_broadcastable(const char* op, const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Tensor& b);

}  // namespace cgrad
