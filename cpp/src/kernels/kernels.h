#pragma once
// Raw loops over typed buffers: no autograd, no Python. Inputs of one kernel call share
// a dtype (the op layer promotes first); outputs are fresh contiguous tensors unless
// stated.
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

enum class BinaryOp { Add, Sub, Mul, Div, Pow, Eq, Ne, Lt, Le, Gt, Ge };
enum class UnaryOp { Neg, Reciprocal, Sin, Cos, Exp, Log, Tanh, Sigmoid, Relu, Sqrt, Abs, Sign };

// out = a (op) b with broadcasting; out has the broadcast shape, dtype a.dtype (Bool for
// comparisons).
void binary(BinaryOp op, const TensorImpl& a, const TensorImpl& b, TensorImpl& out);
// out = cond ? a : b with broadcasting; a and b share out's dtype, cond is Bool.
void where(const TensorImpl& cond, const TensorImpl& a, const TensorImpl& b, TensorImpl& out);
void unary(UnaryOp op, const TensorImpl& a, TensorImpl& out);
// dst[i] = cast(src[i]); src broadcast to dst's shape; any dtypes, any strides.
void copy(const TensorImpl& src, TensorImpl& dst);
void fill(TensorImpl& dst, double value);

enum class ReduceOp { Sum, NormP, NormInf, NormNegInf, NormZero };
// Reduces `a` into `out`, which has a's rank with 1 in every reduced dim and is
// contiguous. Sums accumulate in double/int64 and cast on store.
void reduce(ReduceOp op, const TensorImpl& a, TensorImpl& out, double p = 0.0);

}  // namespace cgrad::kernels
