#pragma once
// Raw loops over typed buffers: no autograd, no Python. Inputs of one kernel call share
// a dtype (the op layer promotes first); outputs are fresh contiguous tensors unless
// stated.
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

// Constants an op takes besides its tensors; each enum entry below says which it reads.
struct OpParams {
  double p0 = 0.0;
  double p1 = 0.0;
};

enum class BinaryOp {
  Add, Sub, Mul, Div, Pow, Eq, Ne, Lt, Le, Gt, Ge,
  Atan2, Minimum, Maximum,  // minimum/maximum propagate NaN
  Fmod, Remainder, FloorDivide,  // C fmod, Python %, Python //; integers throw on a zero divisor
  BitwiseAnd, BitwiseOr, BitwiseXor,  // integers and bools only
  // Activation backward, a = incoming gradient, b = the forward input x: a * f'(x).
  GeluBackward, GeluTanhBackward,
  SoftplusBackward,   // p0 = beta, p1 = threshold
  LeakyReluBackward,  // p0 = negative slope
  EluBackward,        // p0 = alpha
  ThresholdBackward,  // relu's: 0 where x <= p0, else a
};
enum class UnaryOp {
  Neg, Reciprocal, Sin, Cos, Exp, Log, Tanh, Sigmoid, Relu, Sqrt, Abs, Sign,
  Expm1, Erf, Log2, Log10, Log1p, Rsqrt, Tan, Asin, Acos, Atan, Sinh, Cosh,
  Floor, Ceil, Trunc, Frac,
  Round,  // p0 = decimals (0: round half to even)
  BitwiseNot,  // integers and bools only
  IsNan, IsInf, IsFinite, LogicalNot,  // Bool results
  Gelu, GeluTanh, Silu,
  Softplus,   // p0 = beta, p1 = threshold
  LeakyRelu,  // p0 = negative slope
  Elu,        // p0 = alpha
};
enum class TernaryOp {
  Clamp,  // min(max(a, b), c), propagating NaN
  Lerp,   // a + c * (b - a), floating only
};

// out = a (op) b with broadcasting; out has the broadcast shape, dtype a.dtype (Bool for
// comparisons).
void binary(BinaryOp op, const TensorImpl& a, const TensorImpl& b, TensorImpl& out,
            OpParams params = {});
// out = op(a, b, c) with broadcasting; all share out's dtype.
void ternary(TernaryOp op, const TensorImpl& a, const TensorImpl& b, const TensorImpl& c,
             TensorImpl& out);
// out = cond ? a : b with broadcasting; a and b share out's dtype, cond is Bool.
void where(const TensorImpl& cond, const TensorImpl& a, const TensorImpl& b, TensorImpl& out);
// out has a's shape and dtype (Bool for IsNan/IsInf/IsFinite/LogicalNot).
void unary(UnaryOp op, const TensorImpl& a, TensorImpl& out, OpParams params = {});

// Softmax over `dim`: a and out contiguous with the same floating dtype. log: log_softmax.
void softmax(const TensorImpl& a, TensorImpl& out, int64_t dim, bool log);
// The input gradient of softmax (log=false: y * (g - sum(g * y))) or of log_softmax
// (g - exp(y) * sum(g)), given the forward output y; all contiguous, one dtype.
void softmax_backward(const TensorImpl& grad, const TensorImpl& out, TensorImpl& grad_input,
                      int64_t dim, bool log);
// dst[i] = cast(src[i]); src broadcast to dst's shape; any dtypes, any strides.
void copy(const TensorImpl& src, TensorImpl& dst);
void fill(TensorImpl& dst, double value);

enum class ReduceOp { Sum, NormP, NormInf, NormNegInf, NormZero };
// Reduces `a` into `out`, which has a's rank with 1 in every reduced dim and is
// contiguous. Sums accumulate in double/int64 and cast on store.
void reduce(ReduceOp op, const TensorImpl& a, TensorImpl& out, double p = 0.0);

}  // namespace cgrad::kernels
