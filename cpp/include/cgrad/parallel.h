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
#include <atomic>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cgrad {

// Threads used by kernels (default: OpenMP's default, i.e. OMP_NUM_THREADS or the
// number of CPUs). set_num_threads(n) requires n >= 1.
int get_num_threads();
void set_num_threads(int n);

// Whether the caller runs inside a parallel region, where kernels run serially.
inline bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel();
#else
  return false;
#endif
}

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

// Note [Shared work]: parallel_for gives each thread a fixed share, so the loop ends when
// the slowest thread does. On a shared machine the cores do not run at one speed: on
// this project's 2-vCPU VM either core ran the same gemm at 24 or 38 us from one second
// to the next, so a half-and-half split ran at the slower core's pace. A Team instead
// lets its threads take units of work from a common counter, largest pieces first (a
// thread takes a share of what is left, so the last pieces are small and the threads
// finish together), and meet at a barrier between phases (a gemm packs its operands,
// then multiplies them). Which thread does a unit never changes what the unit computes,
// so results still do not depend on the threads (Note [Threads and determinism]).
class Team {
 public:
  struct Shared {
    alignas(64) std::atomic<int64_t> next[2] = {0, 0};  // one counter per phase parity
  };
  Team(Shared& shared, int thread, int size) : shared_(shared), thread_(thread), size_(size) {}
  int thread() const { return thread_; }
  int size() const { return size_; }

  // Calls body(begin, end) over disjoint ranges covering [0, units), handed out to
  // whichever thread asks, then waits for the whole team. Every thread of the team
  // calls share, with the same units, the same number of times. body must not throw.
  template <class Body> void share(int64_t units, const Body& body) {
    take_all(units, body);
    barrier();
  }
  // share without the closing barrier, for the team's last phase (the end of the
  // parallel region waits instead).
  template <class Body> void share_last(int64_t units, const Body& body) { take_all(units, body); }

  void barrier() {
#ifdef _OPENMP
    if (size_ > 1) {
#pragma omp barrier
    }
#endif
  }

 private:
  template <class Body> void take_all(int64_t units, const Body& body) {
    std::atomic<int64_t>& next = shared_.next[phase_ & 1];
    int64_t begin = next.load(std::memory_order_relaxed);
    while (begin < units) {
      const int64_t piece = std::max<int64_t>(1, (units - begin) / (2 * size_));
      if (!next.compare_exchange_weak(begin, begin + piece, std::memory_order_relaxed)) continue;
      body(begin, std::min(units, begin + piece));
      begin = next.load(std::memory_order_relaxed);
    }
    // The other parity's counter was last used a phase ago, which every thread has left
    // (they all passed the barrier after it): ready it for the next phase.
    if (thread_ == 0) shared_.next[(phase_ + 1) & 1].store(0, std::memory_order_relaxed);
    ++phase_;
  }

  Shared& shared_;
  int thread_, size_;
  int64_t phase_ = 0;
};

// Runs f(team) on each of min(want, get_num_threads()) threads (one when want <= 1 or
// inside a parallel region) as one Team. f must not throw.
template <class F> void run_team(int64_t want, const F& f) {
  Team::Shared shared;
#ifdef _OPENMP
  const int64_t threads = std::min<int64_t>(want, get_num_threads());
  if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel num_threads(static_cast<int>(threads))
    {
      Team team(shared, omp_get_thread_num(), omp_get_num_threads());
      f(team);
    }
    return;
  }
#endif
  Team team(shared, 0, 1);
  f(team);
}

}  // namespace cgrad
