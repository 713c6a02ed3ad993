#pragma once
// The caching allocator behind tensor buffers, graph nodes and shapes (Note [Caching
// allocator] and Note [Thread block cache] in storage.cpp).
#include <cstddef>

namespace cgrad {

// Caching allocator: small freed buffers are kept for reuse (per-op overhead matters).
void* allocate_bytes(size_t nbytes);
void free_bytes(void* p, size_t nbytes);

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
