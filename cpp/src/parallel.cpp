#include "cgrad/parallel.h"

#include <atomic>
#include <stdexcept>

namespace cgrad {
namespace {
int default_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_max_threads());
#else
  return 1;
#endif
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> threads{default_threads()};
  return threads;
}
}  // namespace

int get_num_threads() { return thread_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  if (n < 1) throw std::runtime_error("set_num_threads expects a positive integer");
#ifdef _OPENMP
  thread_setting().store(n, std::memory_order_relaxed);
#endif
}

}  // namespace cgrad
