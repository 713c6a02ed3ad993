#pragma once
// The caching allocator behind tensor buffers, graph nodes and shapes (Note [Caching
// allocator] and Note [Thread block cache] in storage.cpp).
#include <cstddef>
#include <string>

namespace cgrad {

// Caching allocator: small freed buffers are kept for reuse (per-op overhead matters).
void* allocate_bytes(size_t nbytes);
void free_bytes(void* p, size_t nbytes);

// What the allocator holds (Note [Cache limit] in storage.cpp). reserved = live + cached.
struct MemoryStats {
  size_t live_bytes = 0;           // in blocks handed out and not freed yet
  size_t cached_bytes = 0;         // in freed blocks kept for reuse
  size_t reserved_bytes = 0;       // held from the system
  size_t peak_reserved_bytes = 0;  // the most held at once since start or the last reset
  size_t cache_limit_bytes = 0;    // CGRAD_CACHE_LIMIT_MB; SIZE_MAX when uncapped
};
MemoryStats memory_stats();
void reset_peak_memory();
// Hands every cached block over 4 KiB back to the system.
void empty_cache();
// CGRAD_CACHE_LIMIT_MB's value when it was rejected, else "".
std::string cache_limit_error();

// A std allocator over the caching allocator. Every op makes a TensorImpl, a Storage,
// sizes and strides, and under autograd a node: these all come from here rather than
// from malloc (allocate_shared, NodeVector, Shape).
template <class T> struct CachingAllocator {
  using value_type = T;
  CachingAllocator() = default;
  template <class U> CachingAllocator(const CachingAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(allocate_bytes(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { free_bytes(p, n * sizeof(T)); }
  template <class U> bool operator==(const CachingAllocator<U>&) const { return true; }
  template <class U> bool operator!=(const CachingAllocator<U>&) const { return false; }
};

}  // namespace cgrad
