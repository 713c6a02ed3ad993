#pragma once
// Intra-op parallelism: kernels split large contiguous loops across OpenMP threads.
//
// Note [Threads and determinism]: a kernel hands parallel_for a flat index range and
// gets back disjoint [begin, end) chunks; every element is computed by the same code
// whatever chunk it lands in (vector tails included), so results never depend on the
// thread count. Chunks start on multiples of 16 elements (a cache line of float32) so
// threads never write to the same line; a loop over whole blocks (gemm's column panels)
// aligns to one block instead. Below the grain size, or inside an enclosing parallel
// region, the loop runs on the calling thread. Builds without OpenMP run everything on
// the calling thread.
#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cgrad {

// Threads used by kernels (default: OpenMP's default, i.e. OMP_NUM_THREADS or the
// number of CPUs). set_num_threads(n) requires n >= 1.
int get_num_threads();
void set_num_threads(int n);

// Elements below which an elementwise kernel is not worth splitting (thread wake-up
// costs a few microseconds; 32K float32 take about as long to stream).
constexpr int64_t kGrainSize = 32768;

// Calls f(begin, end) over disjoint chunks that cover [0, n). `grain` is the fewest
// elements worth giving a thread; chunks start on multiples of `align` (16 suits float
// elements; a loop over whole blocks, such as gemm's column panels, passes 1). f must
// not throw.
template <class F>
void parallel_for(int64_t n, int64_t grain, const F& f, int64_t align = 16) {
  if (n <= 0) return;
#ifdef _OPENMP
  const int threads = n >= 2 * grain ? get_num_threads() : 1;  // small loops: no call at all
  if (threads > 1 && !omp_in_parallel()) {
    const int64_t want = std::min<int64_t>(threads, n / grain);
#pragma omp parallel num_threads(static_cast<int>(want))
    {
      const int64_t k = omp_get_num_threads();
      const int64_t t = omp_get_thread_num();
      const int64_t per = ((n + k - 1) / k + align - 1) / align * align;
      const int64_t begin = std::min(n, t * per);
      const int64_t end = std::min(n, begin + per);
      if (begin < end) f(begin, end);
    }
    return;
  }
#endif
  f(int64_t(0), n);
}

}  // namespace cgrad
