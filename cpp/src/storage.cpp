#include "cgrad/storage.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>  // madvise (Note [Slabs])
#endif

namespace cgrad {
namespace {

// Note [Caching allocator]: blocks up to 1 MiB are rounded up to a power of two and
// kept on a free list per size class when freed, so the small tensors that dominate
// per-op overhead never reach malloc after warm-up. Besides tensor buffers, the
// objects every op makes (TensorImpl, Storage, shapes, graph nodes) come from here too
// (Note [Node allocations]).
//
// Larger buffers are cached too, for a different reason: fresh memory from the system
// is mapped on first touch, one page fault per 4 KiB, which costs about as much as the
// elementwise op writing it (a 64 MiB output takes 16K faults). Their sizes are rounded
// up to 1/8 of a power of two (rounding reserves address space, not resident pages),
// and freed blocks are kept, oldest evicted first, so a loop that allocates the same
// large shapes reuses warm memory.
//
// Note [Large cache budget]: the cache may hold max(peak - live, kMaxLargeCachedBytes)
// bytes, where live counts the large blocks in use and peak is the most ever in use at
// once. So the large blocks held, in use or cached, never exceed what the program
// itself once had live, or live + kMaxLargeCachedBytes: a training step whose tensors
// are larger than the fixed allowance (a 4096 x 10000 cross entropy makes three 160 MiB
// buffers) still finds them all warm on the next step, yet the cache never grows the
// footprint past the step's own peak.
constexpr size_t kAlignment = 64;
constexpr int kMinClass = 6;   // 64 B
constexpr int kMaxClass = 20;  // 1 MiB
constexpr size_t kMaxCachedPerClass = 64;
constexpr size_t kMaxLargeCachedBytes = size_t(256) << 20;

struct LargeBlock {
  size_t capacity;
  void* ptr;
};

struct FreeLists {
  std::mutex mutex;
  std::vector<void*> lists[kMaxClass + 1];
  std::deque<LargeBlock> large;  // oldest first
  size_t large_bytes = 0;       // cached
  size_t large_live = 0;        // in use (Note [Large cache budget])
  size_t large_peak_live = 0;
  char* slab = nullptr;  // the unused rest of the current slab (Note [Slabs])
  size_t slab_left = 0;
};

FreeLists& free_lists() {
  static FreeLists* lists = new FreeLists();  // leaked: tensors may die after statics
  return *lists;
}

// Note [Thread block cache]: blocks up to 4 KiB, the per-op tensors of small-tensor code,
// are first cached per thread, so the common alloc/free pair takes no lock. A thread's
// blocks go to the shared lists when it exits. Tensors freed while or after the thread's
// cache is destroyed (thread and process teardown) use the shared lists directly. The
// cache is reached through one initial-exec thread-local pointer: a plain load, where a
// general thread-local in a shared library costs a call to __tls_get_addr. (The few
// initial-exec bytes come from the static TLS surplus glibc keeps for dlopen'd modules.)
constexpr int kMaxThreadClass = 12;  // 4 KiB

// Up to 16 MiB per class and thread (262144 blocks of 64 bytes, 32768 of 512): a graph
// of ten thousand nodes is freed and rebuilt every training step, and blocks past the cap
// go to the shared lists, under their lock (at 4 MiB, micrograd_mlp_scalar's 9231-node
// graph overflowed the 512-byte class; the trips to malloc that cost before Note [Slabs]
// were 5% of its time). The cache holds at most what the thread had live at once.
constexpr size_t kThreadCacheBytesPerClass = size_t(16) << 20;
size_t thread_cache_cap(int c) { return kThreadCacheBytesPerClass >> c; }

struct ThreadCache {
  std::vector<void*> lists[kMaxThreadClass + 1];
};

thread_local ThreadCache* tls_cache __attribute__((tls_model("initial-exec"))) = nullptr;
thread_local bool tls_cache_gone __attribute__((tls_model("initial-exec"))) = false;

// Hands the thread's blocks to the shared lists when the thread exits.
struct ThreadCacheOwner {
  ~ThreadCacheOwner() {
    ThreadCache* cache = tls_cache;
    tls_cache = nullptr;
    tls_cache_gone = true;
    if (!cache) return;
    auto& fl = free_lists();
    {
      std::lock_guard<std::mutex> lock(fl.mutex);  // slab blocks: never to free()
      for (int c = 0; c <= kMaxThreadClass; ++c)
        fl.lists[c].insert(fl.lists[c].end(), cache->lists[c].begin(), cache->lists[c].end());
    }
    delete cache;
  }
};

// This thread's cache, made on first use; nullptr during teardown.
ThreadCache* make_thread_cache() {
  if (tls_cache_gone) return nullptr;
  thread_local ThreadCacheOwner owner;  // constructed once: registers the exit hook
  (void)owner;
  tls_cache = new ThreadCache();
  return tls_cache;
}

inline ThreadCache* thread_cache() {
  if (ThreadCache* cache = tls_cache) return cache;
  return make_thread_cache();
}

int size_class(size_t nbytes) {  // the smallest c >= kMinClass with 2^c >= nbytes
  if (nbytes <= (size_t(1) << kMinClass)) return kMinClass;
  return 64 - __builtin_clzll(static_cast<unsigned long long>(nbytes - 1));
}

// The size class of a block of nbytes; kMaxClass + 1 for the large ones.
int block_class(size_t nbytes) {
  return nbytes > (size_t(1) << kMaxClass) ? kMaxClass + 1 : size_class(nbytes);
}

// Large sizes rounded up to a multiple of 1/8 of their power of two.
size_t large_capacity(size_t nbytes) {
  int bits = 0;
  while ((size_t(1) << (bits + 1)) <= nbytes) ++bits;  // 2^bits <= nbytes
  const size_t step = size_t(1) << (bits - 3);
  return (nbytes + step - 1) / step * step;
}

// RuntimeError in Python, with the size asked for, as torch reports it.
[[noreturn]] void throw_out_of_memory(size_t nbytes) {
  throw std::runtime_error("can't allocate memory: you tried to allocate " +
                           std::to_string(nbytes) + " bytes");
}

// What the large cache may hold now (Note [Large cache budget]); fl.mutex held.
size_t large_cache_budget(const FreeLists& fl) {
  return std::max(fl.large_peak_live - fl.large_live, kMaxLargeCachedBytes);
}

// Drops the oldest cached large blocks until the cache fits its budget; fl.mutex held,
// the dropped blocks are for the caller to free once it is released.
void evict_large_over_budget(FreeLists& fl, std::vector<void*>& evicted) {
  while (fl.large_bytes > large_cache_budget(fl)) {
    evicted.push_back(fl.large.front().ptr);
    fl.large_bytes -= fl.large.front().capacity;
    fl.large.pop_front();
  }
}

void* system_alloc(size_t nbytes) {
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (!p) throw_out_of_memory(nbytes);
  return p;
}

// Note [Slabs]: blocks of the thread-cached classes are carved one after another from
// 2 MiB slabs, aligned to 2 MiB and marked for transparent huge pages, instead of one
// malloc each. A graph of scalars touches tens of thousands of these blocks on every
// backward pass; packed into huge pages they need a TLB entry per 2 MiB, not per 4 KiB,
// and the blocks of one op sit side by side. micrograd_mlp_scalar (9.7K nodes, A/B over
// alternating runs): 17.8 -> 15.7 ms per step; without the huge-page hint, 17.5 -> 16.3.
// A slab block cannot go back to malloc, so freed ones always stay on a free list: the
// memory held is the most that was live at once, as for any caching allocator.
constexpr size_t kSlabBytes = size_t(2) << 20;

// nbytes (a multiple of kAlignment, at most 4 KiB) from the current slab; fl.mutex held.
void* slab_alloc(FreeLists& fl, size_t nbytes) {
  if (fl.slab_left < nbytes) {  // the rest of the old slab (< 4 KiB) is left unused
    void* slab = std::aligned_alloc(kSlabBytes, kSlabBytes);
    if (!slab) throw_out_of_memory(kSlabBytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(slab, kSlabBytes, MADV_HUGEPAGE);  // a hint: without it, 4 KiB pages
#endif
    fl.slab = static_cast<char*>(slab);
    fl.slab_left = kSlabBytes;
  }
  void* p = fl.slab;
  fl.slab += nbytes;
  fl.slab_left -= nbytes;
  return p;
}

}  // namespace

void* allocate_bytes(size_t nbytes) {
  const int c = block_class(nbytes);
  if (c <= kMaxThreadClass) {  // the per-op path: no shared state touched
    if (ThreadCache* cache = thread_cache(); cache && !cache->lists[c].empty()) {
      void* p = cache->lists[c].back();
      cache->lists[c].pop_back();
      return p;
    }
  }
  auto& fl = free_lists();
  if (c > kMaxClass) {
    if (nbytes > (size_t(1) << 48))  // beyond any address space: fail before the OS does
      throw_out_of_memory(nbytes);
    const size_t capacity = large_capacity(nbytes);
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(fl.mutex);
      fl.large_live += capacity;
      fl.large_peak_live = std::max(fl.large_peak_live, fl.large_live);
      for (auto it = fl.large.rbegin(); it != fl.large.rend(); ++it) {  // newest first
        if (it->capacity != capacity) continue;
        void* p = it->ptr;
        fl.large_bytes -= capacity;
        fl.large.erase(std::next(it).base());
        return p;
      }
      evict_large_over_budget(fl, evicted);  // live grew: the allowance shrank
    }
    for (void* q : evicted) std::free(q);  // outside the lock: unmapping is slow
    try {
      return system_alloc(capacity);
    } catch (const std::runtime_error&) {  // out of memory: give the cache back, try again
      std::deque<LargeBlock> cached;
      {
        std::lock_guard<std::mutex> lock(fl.mutex);
        cached.swap(fl.large);
        fl.large_bytes = 0;
      }
      for (const LargeBlock& b : cached) std::free(b.ptr);
      try {
        return system_alloc(capacity);
      } catch (const std::runtime_error&) {
        std::lock_guard<std::mutex> lock(fl.mutex);
        fl.large_live -= capacity;
        throw;
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(fl.mutex);
    auto& list = fl.lists[c];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      return p;
    }
    if (c <= kMaxThreadClass) return slab_alloc(fl, size_t(1) << c);
  }
  return system_alloc(size_t(1) << c);
}

void free_bytes(void* p, size_t nbytes) {
  if (!p) return;
  const int c = block_class(nbytes);
  if (c <= kMaxThreadClass) {  // the per-op path: no shared state touched
    ThreadCache* cache = thread_cache();
    if (cache && cache->lists[c].size() < thread_cache_cap(c)) {
      cache->lists[c].push_back(p);
      return;
    }
  }
  auto& fl = free_lists();
  if (c > kMaxClass) {
    const size_t capacity = large_capacity(nbytes);
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(fl.mutex);
      fl.large_live -= capacity;
      if (capacity > large_cache_budget(fl)) {
        evicted.push_back(p);
      } else {
        fl.large.push_back({capacity, p});
        fl.large_bytes += capacity;
        evict_large_over_budget(fl, evicted);
      }
    }
    for (void* q : evicted) std::free(q);  // outside the lock: unmapping is slow
    return;
  }
  {
    std::lock_guard<std::mutex> lock(fl.mutex);
    if (c <= kMaxThreadClass || fl.lists[c].size() < kMaxCachedPerClass) {
      fl.lists[c].push_back(p);  // a slab block always: it cannot go to free()
      return;
    }
  }
  std::free(p);
}

Storage::Storage(size_t nbytes) : data_(allocate_bytes(nbytes)), nbytes_(nbytes) {}

Storage::Storage(void* data, size_t nbytes, std::shared_ptr<void> owner)
    : data_(data), nbytes_(nbytes), owner_(std::move(owner)) {}

Storage::~Storage() {
  if (!owner_) free_bytes(data_, nbytes_);
}

}  // namespace cgrad
