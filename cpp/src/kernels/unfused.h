#pragma once
// Note [Unfused products]: where torch's BLAS adds the terms of a small product
// unfused (Note [Small gemm accumulation] in gemm.cpp), each product a * b is rounded
// before it is added. The compiler contracts x + a * b into one fma wherever the target
// has FMA (gemm.cpp and gemv.cpp are built with -ffp-contract=fast), so an unfused
// kernel passes each product through round_here(): an empty asm that claims to change
// the value in its register, which the compiler cannot see through, so the multiply and
// the add stay two instructions. Epilogues round the same way everywhere: alpha * sum
// and beta * C each rounded, then added.

namespace cgrad::kernels {

template <class V> inline __attribute__((always_inline)) void round_here(V& x) {
#if defined(__x86_64__) || defined(__i386__)
  asm("" : "+x"(x));
#elif defined(__aarch64__)
  asm("" : "+w"(x));
#else
  asm volatile("" : : "r"(&x) : "memory");  // through memory: slower, as exact
#endif
}

}  // namespace cgrad::kernels
