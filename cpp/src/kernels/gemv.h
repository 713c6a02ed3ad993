#pragma once
// Matrix-vector products: gemm's one-row and one-column cases (Note [gemv] in gemv.cpp).
#include <cstdint>

namespace cgrad::kernels {

// How a gemv adds up an element's k terms. Fused, Unfused: in k order, each term added
// with one fma, or rounded before it is added (Note [Small gemm accumulation] in
// gemm.cpp). Fast, FastUnfused: the same, in partial sums along k whose order is the
// kernel's own; it is the same for every element and any thread count (rows only).
enum class GemvOrder { Fused, Unfused, Fast, FastUnfused };

// y[i * incy] = alpha * s_i + beta * y[i * incy] for i < m (y not read when beta == 0),
// where s_i adds up a(i, p) * x[p * incx] over p < k.
// gemv_rows: a(i, p) = a[i * lda + p], each row contiguous (a dot product per element).
template <class T>
void gemv_rows(int64_t m, int64_t k, T alpha, const T* a, int64_t lda, const T* x, int64_t incx,
               T beta, T* y, int64_t incy, GemvOrder order);
// gemv_columns: a(i, p) = a[p * lda + i], each column contiguous (an axpy per term),
// always in k order: Fused, or Unfused for any other order.
template <class T>
void gemv_columns(int64_t m, int64_t k, T alpha, const T* a, int64_t lda, const T* x,
                  int64_t incx, T beta, T* y, int64_t incy, GemvOrder order);

}  // namespace cgrad::kernels
