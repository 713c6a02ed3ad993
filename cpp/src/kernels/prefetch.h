#pragma once
// Software prefetch of rows read in an order no hardware prefetcher can guess (the rows a
// list of indices names).
#include <algorithm>
#include <cstdint>

namespace cgrad::kernels {

// Asks for the cache lines of [p, p + bytes) (the first 4 KiB of a longer row: past
// that the row is streamed and the hardware prefetcher follows it).
inline void prefetch_row(const void* p, int64_t bytes) {
  const auto* c = static_cast<const char*>(p);
  for (int64_t b = 0, end = std::min<int64_t>(bytes, 4096); b < end; b += 64)
    __builtin_prefetch(c + b);
}

}  // namespace cgrad::kernels
