// The caching allocator's figures and its release (cgrad.memory; Note [Cache limit] in
// cpp/src/storage.cpp).
#include <cstdint>

#include "bindings.h"
#include "cgrad/allocator.h"

namespace cgrad::bindings {

void init_memory(py::module_& m) {
  m.def("_memory_stats", [] {
    const MemoryStats s = memory_stats();
    py::dict out;
    out["live_bytes"] = s.live_bytes;
    out["cached_bytes"] = s.cached_bytes;
    out["reserved_bytes"] = s.reserved_bytes;
    out["peak_reserved_bytes"] = s.peak_reserved_bytes;
    out["cache_limit_bytes"] =
        s.cache_limit_bytes == SIZE_MAX ? py::object(py::none()) : py::int_(s.cache_limit_bytes);
    return out;
  });
  // Unmapping hundreds of MiB takes a while.
  m.def("_empty_cache", [] { without_gil(&empty_cache); });
  m.def("_reset_peak_memory", &reset_peak_memory);
  m.def("_cache_limit_error", &cache_limit_error);
}

}  // namespace cgrad::bindings
