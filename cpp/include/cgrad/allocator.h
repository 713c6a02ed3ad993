#pragma once
// The caching allocator behind tensor buffers, graph nodes and shapes (Note [Caching
// allocator] and Note [Thread block cache] in storage.cpp).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace cgrad {

namespace detail {

// Note [Thread block cache] (storage.cpp): blocks up to 4 KiB are cached per thread in
// free lists threaded through the free blocks themselves (a free block's first word
// points to the next). The hit path, inline below, is a few loads and stores.
//
// Note [Small size classes]: those blocks come in 23 sizes: 16, 32, 48, then steps of
// 64 bytes to 256, then four steps per octave to 4 KiB. A one-element tensor's buffer
// takes 16 bytes and a TensorImpl, shapes inline (184 with its count), 192, where
// powers of two from 64 up gave them 64 and 256: a scalar graph's blocks (micrograd's
// 9K nodes are made and walked every step) span about half the cache lines they did.
// Sizes from 64 up are multiples of 64 and carved from their own slabs, so those blocks
// stay 64-byte aligned (Note [Slabs]); the smaller ones are 16-byte aligned, as malloc's.
constexpr int kNumSmallClasses = 23;
constexpr size_t kMaxSmallBytes = 4096;
inline constexpr uint16_t kSmallClassBytes[kNumSmallClasses] = {
    16,  32,  48,  64,   128,  192,  256,  320,  384,  448,  512, 640,
    768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096};
// The class of n bytes, looked up by ceil(n / 16).
struct SmallClassTable {
  uint8_t of[kMaxSmallBytes / 16 + 1];
  constexpr SmallClassTable() : of() {
    int c = 0;
    for (size_t i = 0; i <= kMaxSmallBytes / 16; ++i) {
      while (kSmallClassBytes[c] < i * 16) ++c;
      of[i] = static_cast<uint8_t>(c);
    }
  }
};
inline constexpr SmallClassTable kSmallClassOf{};
inline int small_class(size_t nbytes) { return kSmallClassOf.of[(nbytes + 15) >> 4]; }

struct ThreadCache {
  void* heads[kNumSmallClasses] = {};
  // Blocks on each list: written by the owning thread only (plain loads and stores),
  // read by memory_stats() from any thread.
  std::atomic<size_t> counts[kNumSmallClasses] = {};
};
// This thread's cache; null before its first block and after it exits. __thread rather
// than thread_local: a plain pointer needs no initialisation wrapper, so the read is one
// initial-exec load.
extern __thread ThreadCache* tls_cache __attribute__((tls_model("initial-exec")));

void* allocate_bytes_slow(size_t nbytes);
void free_bytes_slow(void* p, size_t nbytes);
// The most blocks a thread keeps per class (16 MiB of them; Note [Thread block cache]).
inline size_t thread_cache_cap(int c) { return (size_t(16) << 20) / kSmallClassBytes[c]; }

}  // namespace detail

// Caching allocator: small freed buffers are kept for reuse (per-op overhead matters).
inline void* allocate_bytes(size_t nbytes) {
  if (nbytes <= detail::kMaxSmallBytes) {
    if (detail::ThreadCache* cache = detail::tls_cache) {
      const int c = detail::small_class(nbytes);
      if (void* p = cache->heads[c]) {
        cache->heads[c] = *static_cast<void**>(p);
        cache->counts[c].store(cache->counts[c].load(std::memory_order_relaxed) - 1,
                               std::memory_order_relaxed);
        return p;
      }
    }
  }
  return detail::allocate_bytes_slow(nbytes);
}

inline void free_bytes(void* p, size_t nbytes) {
  if (p && nbytes <= detail::kMaxSmallBytes) {
    if (detail::ThreadCache* cache = detail::tls_cache) {
      const int c = detail::small_class(nbytes);
      const size_t count = cache->counts[c].load(std::memory_order_relaxed);
      if (count < detail::thread_cache_cap(c)) {
        *static_cast<void**>(p) = cache->heads[c];
        cache->heads[c] = p;
        cache->counts[c].store(count + 1, std::memory_order_relaxed);
        return;
      }
    }
  }
  detail::free_bytes_slow(p, nbytes);
}

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
// and under autograd a node: these all come from here rather than from malloc
// (allocate_shared, NodeVector; SmallVector calls allocate_bytes for shapes past four dims).
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
