#pragma once
// Raw loops over typed buffers: no autograd, no Python. Inputs of one kernel call share
// a dtype (the op layer promotes first); outputs are fresh contiguous tensors unless
// stated.
#include <functional>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

// Constants an op takes besides its tensors; each enum entry below says which it reads.
struct OpParams {
  double p0 = 0.0;
  double p1 = 0.0;
};

// The rows of cgrad/pointwise/binary_ops.def, then the kernels of other ops: the
// activation table's (Note [Activation table]) and those written by hand.
#define CGRAD_BINARY_KERNELS_WITHOUT_ROW(X)                                          \
  /* Activation backward, a = incoming gradient, b = the forward input x: a * f'(x). */ \
  X(GeluBackward) X(GeluTanhBackward)                                               \
  X(SoftplusBackward)  /* p0 = beta, p1 = threshold */                              \
  X(LeakyReluBackward) /* p0 = negative slope */                                    \
  X(EluBackward)       /* p0 = alpha */                                             \
  X(HardtanhBackward)  /* p0 = min_val, p1 = max_val */                             \
  X(HardsigmoidBackward) X(HardswishBackward)                                       \
  X(LogSigmoidBackward)                                                             \
  X(ShrinkBackward)    /* soft- and hardshrink's: 0 where |x| <= p0 (lambd) */      \
  X(ThresholdBackward) /* relu's: 0 where x <= p0, else a */
enum class BinaryOp {
#define CGRAD_BINARY_OP(Kernel, ...) Kernel,
#include "cgrad/pointwise/binary_ops.def"
#define CGRAD_BINARY_KERNEL(Kernel) Kernel,
  CGRAD_BINARY_KERNELS_WITHOUT_ROW(CGRAD_BINARY_KERNEL)
#undef CGRAD_BINARY_KERNEL
};
// The rows of cgrad/pointwise/unary_ops.def, then the kernels of other ops: the activation
// table's (gelu ... elu, Note [Activation table]) and those written by hand.
#define CGRAD_UNARY_KERNELS_WITHOUT_ROW(X)                                           \
  X(Round)     /* p0 = decimals (0: round half to even) */                          \
  X(Gelu) X(GeluTanh) X(Silu)                                                       \
  X(Softplus)  /* p0 = beta, p1 = threshold */                                      \
  X(LeakyRelu) /* p0 = negative slope */                                            \
  X(Elu)       /* p0 = alpha */                                                     \
  X(Hardtanh)  /* p0 = min_val, p1 = max_val; integers too */                      \
  X(Hardsigmoid) X(Hardswish) X(LogSigmoid)                                         \
  X(Softshrink) X(Hardshrink) /* p0 = lambd */                                      \
  X(Polygamma) /* p0 = n */                                                         \
  X(I1)        /* torch.special.i1, for I0Backward0 */
enum class UnaryOp {
#define CGRAD_UNARY_OP(Kernel, ...) Kernel,
#include "cgrad/pointwise/unary_ops.def"
#define CGRAD_UNARY_KERNEL(Kernel) Kernel,
  CGRAD_UNARY_KERNELS_WITHOUT_ROW(CGRAD_UNARY_KERNEL)
#undef CGRAD_UNARY_KERNEL
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
// out has a's shape and dtype (Bool for the rows with the kPredicate dtype rule).
void unary(UnaryOp op, const TensorImpl& a, TensorImpl& out, OpParams params = {});

// Softmax over `dim`: a and out contiguous with the same floating dtype. log: log_softmax.
void softmax(const TensorImpl& a, TensorImpl& out, int64_t dim, bool log);
// The input gradient of softmax (log=false: y * (g - sum(g * y))) or of log_softmax
// (g - exp(y) * sum(g)), given the forward output y; all contiguous, one dtype.
void softmax_backward(const TensorImpl& grad, const TensorImpl& out, TensorImpl& grad_input,
                      int64_t dim, bool log);
// dst[i] = cast(src[i]); src broadcast to dst's shape; any dtypes, any strides.
void copy(const TensorImpl& src, TensorImpl& dst);
void fill(TensorImpl& dst, Scalar value);

enum class ReduceOp { Sum, NormP, NormInf, NormNegInf, NormZero, Prod, Max, Min, All, Any };
// Reduces `a` into `out`, which has a's rank with 1 in every reduced dim and is
// contiguous. Sums and products accumulate in double/int64 (integers wrap) and cast on
// store; Max/Min keep a's type and let NaN win; All/Any write Bool.
void reduce(ReduceOp op, const TensorImpl& a, TensorImpl& out, double p = 0.0);
// Variance over the reduced dims (out laid out as for reduce, floating):
// sum((x - mean)^2) / max(0, count - correction), accumulated in one pass in double
// (Welford); with take_sqrt its square root (the standard deviation), also in double.
// `mean_out` (out's shape and dtype), when given, receives the running mean (NaN over
// nothing).
void variance(const TensorImpl& a, TensorImpl& out, double correction, bool take_sqrt = false,
              TensorImpl* mean_out = nullptr);
// The same of all of a non-empty float32/float64 `a` into a one-element `out` in two
// passes: the mean as reduce's sum over the count in a's type, then the squared
// deviations from it summed in double (Note [Variance to one element in two passes]).
void variance_two_pass(const TensorImpl& a, TensorImpl& out, double correction,
                       bool take_sqrt = false);
// Max (or min) along `dim` with its first index: `values` (a's dtype) and `indices`
// (Int64) have a's rank with 1 at `dim`, contiguous. NaN counts as the extreme;
// a.sizes[dim] > 0.
void arg_reduce(bool is_max, const TensorImpl& a, int64_t dim, TensorImpl& values,
                TensorImpl& indices);

// out (contiguous, a's shape and dtype) = a with the elements outside the triangle of
// the last two dims zeroed: tril keeps column j <= row i + k, triu (upper) j >= i + k.
void triangle(const TensorImpl& a, int64_t k, bool upper, TensorImpl& out);

enum class ScanOp { Sum, Prod, LogSumExp };
// Inclusive running sum/product/log-sum-exp along `dim` (from the end when `reverse`); out
// has a's shape and dtype and is contiguous. Accumulates like reduce; LogSumExp is for
// floating types only.
void scan(ScanOp op, const TensorImpl& a, int64_t dim, bool reverse, TensorImpl& out);

// Class-index losses (nll_loss): picked[n, r] = input[n, target[n, r], r] and
// picked_weight[n, r] = weight[target[n, r]] (1 without weight), both 0 where the target
// is ignore_index. input: [N, C, R] contiguous; target: [N, R] Int64 contiguous; weight:
// [C] contiguous in input's dtype, or null; outputs: fresh [N, R] in input's dtype.
// Returns false, with the target in *bad_target, on a target outside [0, C).
bool gather_class_scores(const TensorImpl& input, const TensorImpl& target,
                         const TensorImpl* weight, int64_t ignore_index, TensorImpl& picked,
                         TensorImpl& picked_weight, int64_t* bad_target);
// nll_loss's input gradient: out [N, C, R] (contiguous) is zero but for
// out[n, target[n, r], r] = values[n, r]; a negative target (an ignored one) writes
// nothing. target: [N, R] Int64 in [-1, C); values: [N, R] in out's dtype, contiguous.
void scatter_class_grads(const TensorImpl& target, const TensorImpl& values, TensorImpl& out);

// How a product adds up its k terms (Note [Small gemm accumulation] in gemm.cpp):
// LikeBlas as torch's mm/addmm/mv (fused multiply-adds in k order, where its BLAS takes
// them; Note [Products of one term] for k = 1), LikeBatchedBlas as its larger bmm (the
// same, but a single term is added to +0), Plain as torch's dot and small bmm (a * b + s
// rounded twice, in k order).
enum class Accumulation { LikeBlas, LikeBatchedBlas, Plain };

// C = alpha * op(A) op(B) + beta * C, all row-major: op(A) is m x k, op(B) k x n, C m x n
// with row strides lda/ldb/ldc; op(X) = X^T when trans_x (X then stored k x m / n x k).
// beta == 0 means C is only written. The single entry point of every matmul-like op.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc, Accumulation accumulation = Accumulation::LikeBlas);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc, Accumulation accumulation = Accumulation::LikeBlas);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int64_t alpha,
          const int64_t* a, int64_t lda, const int64_t* b, int64_t ldb, int64_t beta,
          int64_t* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int32_t alpha,
          const int32_t* a, int64_t lda, const int32_t* b, int64_t ldb, int32_t beta,
          int32_t* c, int64_t ldc);

// Runs products(begin, end) over disjoint ranges covering [0, batch), the products of a
// batched gemm, each m x n x k; the threads split the batch or, when it splits unevenly,
// each product (Note [Batched gemm threads]). products must not throw.
void gemm_batch(int64_t batch, int64_t m, int64_t n, int64_t k,
                const std::function<void(int64_t begin, int64_t end)>& products);

// An op(B) that writes itself into gemm's packed panels (Note [gemm panel sources]):
// pack writes rows [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) as ceil(nc / nr)
// panels nr columns wide, one after another, each p-major (element (p, j) of a panel at
// panel[p * nr + j]), with the columns past nc zero. gemm calls it from several threads
// at once.
template <class T> struct PanelSource {
  virtual void pack(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const = 0;

 protected:
  ~PanelSource() = default;
};
// out[p * nr + j] = src[j * ld + p] for nr rows and kc columns: rows of a row-major
// matrix written as one packed panel, by the register transposes gemm packs with (a
// panel source whose data runs along k uses it).
void transpose_to_panel(const float* src, int64_t ld, int64_t kc, int64_t nr, float* out);
void transpose_to_panel(const double* src, int64_t ld, int64_t kc, int64_t nr, double* out);
// out[p * nr + j] = rows[j][p]: the same, for nr rows anywhere in memory.
void rows_to_panel(const float* const* rows, int64_t kc, int64_t nr, float* out);
void rows_to_panel(const double* const* rows, int64_t kc, int64_t nr, double* out);
// out[p * nr + r * length + i] = rows[p][offsets[r] + i]: kc rows, each nr / length runs
// of `length` contiguous elements, as one panel (length divides nr).
void runs_to_panel(const float* const* rows, const int64_t* offsets, int64_t length, int64_t kc,
                   int64_t nr, float* out);
void runs_to_panel(const double* const* rows, const int64_t* offsets, int64_t length, int64_t kc,
                   int64_t nr, double* out);
// C = A op(B) + beta * C with op(B) (k x n) from a panel source, A row-major m x k.
void gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const PanelSource<float>& b, float beta, float* c, int64_t ldc);
void gemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const PanelSource<double>& b, double beta, double* c, int64_t ldc);

}  // namespace cgrad::kernels
