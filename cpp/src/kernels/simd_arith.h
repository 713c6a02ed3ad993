#pragma once
// + - * / on float32/float64 with AVX2, for the elementwise kernels' contiguous segments.
//
// Note [Wide arithmetic]: the rest of elementwise.cpp is built for baseline x86-64,
// where GCC vectorizes these loops with 16-byte SSE2 loads. On memory-bound sizes that
// is the bottleneck: `y = a * b` over 16M float32 runs at about 14 GB/s with SSE2 loads
// and 24–27 with 32-byte AVX loads on this project's Xeon (1 thread, same loop). These
// four ops are what most large elementwise work (and the engine's gradient sums) comes
// down to, so they get AVX2 loops chosen at run time; IEEE + - * / are exact, so every
// element's result is the same as the portable loop's.
//
// Note [Streaming stores]: an ordinary store to a line that is not in cache first reads
// the line from memory (a read-for-ownership), so `y = a * b` over buffers far larger
// than the cache moves four bytes for every three it needs. Non-temporal stores write
// whole lines straight to memory and skip that read. Measured on the same machine (1
// thread, a chain of multiplies, each output feeding the next): at 16M float32 elements
// 15 GB/s with ordinary stores against 24 with non-temporal ones; at 4M 25 against 27;
// at 1M–2M ordinary stores are a little ahead, because the next op finds its input in
// cache. Hence the threshold. Only these loops stream: computing another kernel's
// results into an L1 buffer and streaming that out measured slower than plain stores
// (exp over 4M float32: 22 against 29 GB/s), as the copy phase stalls the loads.
#include <cstdint>

#include "kernels/kernels.h"

namespace cgrad::kernels {

constexpr int64_t kStreamingBytes = int64_t(16) << 20;
inline bool worth_streaming(int64_t output_bytes) { return output_bytes >= kStreamingBytes; }

// Orders this thread's non-temporal stores before what follows (the end of a parallel
// chunk, after which other threads may read the output).
void stream_fence();

// y[i] = a[a_step * i] op b[b_step * i] for i < n, where a step is 1 (an array) or 0
// (one value); op is Add, Sub, Mul or Div. With `stream`, y is written with
// non-temporal stores (Note [Streaming stores]) and the caller fences. Returns false,
// doing nothing, when the CPU lacks AVX2: the caller then runs its portable loop.
bool simd_arith(BinaryOp op, const float* a, int64_t a_step, const float* b, int64_t b_step,
                float* y, int64_t n, bool stream);
bool simd_arith(BinaryOp op, const double* a, int64_t a_step, const double* b, int64_t b_step,
                double* y, int64_t n, bool stream);

}  // namespace cgrad::kernels
