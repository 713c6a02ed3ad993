#include "cgrad/storage.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
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

// Note [Caching allocator]: blocks up to 4 KiB are rounded up to one of 23 size classes
// (Note [Small size classes] in allocator.h), blocks up to 1 MiB to a power of two, and
// each is kept on a free list per size class when freed, so the small tensors that dominate
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
//
// Note [Cache limit]: CGRAD_CACHE_LIMIT_MB caps the bytes cached in blocks over 4 KiB
// (the large cache and the 8 KiB .. 1 MiB free lists together); 0 turns that caching
// off, so every such block goes back to the system when its tensor dies. Blocks of 4 KiB
// and less are carved from slabs (Note [Slabs]) and cannot go back one by one: neither
// the cap nor empty_cache() touches them. empty_cache() hands every cached block over
// 4 KiB back to the system at once; memory_stats() reports what is live, cached and
// held, so a user can see the difference. The variable is read once, at the first
// allocation; a value that is not a number of MiB leaves the cache uncapped and is
// reported (cgrad.memory warns about it at import).
using detail::kMaxSmallBytes;
using detail::kNumSmallClasses;
using detail::kSmallClassBytes;
using detail::small_class;
using detail::thread_cache_cap;
using detail::ThreadCache;
using detail::tls_cache;

constexpr size_t kAlignment = 64;
// Classes 0 .. kNumSmallClasses - 1 are the small ones (thread-cached, from slabs); then
// one per power of two from 8 KiB to 1 MiB; kLargeClass is any block over 1 MiB.
constexpr int kFirstMediumLog2 = 13;  // 8 KiB
constexpr int kMaxMediumLog2 = 20;    // 1 MiB
constexpr int kLargeClass = kNumSmallClasses + kMaxMediumLog2 - kFirstMediumLog2 + 1;
constexpr int kNumClasses = kLargeClass;  // classes with free lists
constexpr size_t kMaxCachedPerClass = 64;
constexpr size_t kMaxLargeCachedBytes = size_t(256) << 20;

struct LargeBlock {
  size_t capacity;
  void* ptr;
};

// CGRAD_CACHE_LIMIT_MB in bytes, SIZE_MAX when unset (Note [Cache limit]).
struct CacheLimit {
  size_t bytes = SIZE_MAX;
  std::string error;  // the rejected value, when it is not a number of MiB
};

CacheLimit read_cache_limit() {
  CacheLimit limit;
  const char* text = std::getenv("CGRAD_CACHE_LIMIT_MB");
  if (!text || !*text) return limit;
  char* end = nullptr;
  errno = 0;
  const double mib = std::strtod(text, &end);
  if (errno != 0 || *end != '\0' || !(mib >= 0) || mib > double(SIZE_MAX >> 21)) {
    limit.error = text;
    return limit;
  }
  limit.bytes = static_cast<size_t>(mib * double(size_t(1) << 20));
  return limit;
}

struct FreeLists {
  std::mutex mutex;
  const CacheLimit limit = read_cache_limit();
  std::vector<void*> lists[kNumClasses];
  std::deque<LargeBlock> large;  // oldest first
  size_t large_bytes = 0;       // cached
  size_t large_live = 0;        // in use (Note [Large cache budget])
  size_t large_peak_live = 0;
  size_t medium_bytes = 0;      // cached in the 8 KiB .. 1 MiB lists
  // The unused rest of the current slabs (Note [Slabs]): [0] for blocks under 64 bytes,
  // [1] for the rest, so that those stay 64-byte aligned.
  char* slab[2] = {nullptr, nullptr};
  size_t slab_left[2] = {0, 0};
  std::vector<ThreadCache*> thread_caches;  // every live thread's cache, for stats
  // Held from the system (slabs and blocks over 4 KiB), and the most held at once.
  std::atomic<size_t> system_bytes{0};
  std::atomic<size_t> peak_system_bytes{0};
};

FreeLists& free_lists() {
  static FreeLists* lists = new FreeLists();  // leaked: tensors may die after statics
  return *lists;
}

// Note [Thread block cache]: blocks up to 4 KiB, the per-op tensors of small-tensor code,
// are first cached per thread, so the common alloc/free pair takes no lock: the hit path
// is inline (allocator.h), a pop or push on a list threaded through the free blocks
// themselves. A thread's blocks go to the shared lists when it exits. Tensors freed
// while or after the thread's cache is destroyed (thread and process teardown) use the
// shared lists directly. The cache is reached through one initial-exec thread-local
// pointer: a plain load, where a general thread-local in a shared library costs a call
// to __tls_get_addr. (The few initial-exec bytes come from the static TLS surplus glibc
// keeps for dlopen'd modules.) Inlining the hit path and the intrusive lists, in place of
// a call to a large function popping a std::vector, cut bench/op_instructions.py's counts
// per op by 7% (a + b) and 12% (a scalar neuron, forward and backward).
//
// Up to 16 MiB per class and thread (thread_cache_cap: 262144 blocks of 64 bytes, 32768
// of 512): a graph of ten thousand nodes is freed and rebuilt every training step, and
// blocks past the cap go to the shared lists, under their lock (at 4 MiB,
// micrograd_mlp_scalar's 9231-node graph overflowed the 512-byte class; the trips to
// malloc that cost before Note [Slabs] were 5% of its time). The cache holds at most
// what the thread had live at once.
__thread bool tls_cache_gone __attribute__((tls_model("initial-exec"))) = false;

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
      auto& caches = fl.thread_caches;
      caches.erase(std::find(caches.begin(), caches.end(), cache));
      for (int c = 0; c < kNumSmallClasses; ++c)
        for (void* p = cache->heads[c]; p; p = *static_cast<void**>(p)) fl.lists[c].push_back(p);
    }
    delete cache;
  }
};

// This thread's cache, made on first use; nullptr during teardown.
ThreadCache* make_thread_cache() {
  if (tls_cache_gone) return nullptr;
  thread_local ThreadCacheOwner owner;  // constructed once: registers the exit hook
  (void)owner;
  ThreadCache* cache = new ThreadCache();
  auto& fl = free_lists();
  {
    std::lock_guard<std::mutex> lock(fl.mutex);
    fl.thread_caches.push_back(cache);
  }
  tls_cache = cache;
  return cache;
}

// The size class of a block of nbytes; kLargeClass for the large ones.
int block_class(size_t nbytes) {
  if (nbytes <= kMaxSmallBytes) return small_class(nbytes);
  if (nbytes > (size_t(1) << kMaxMediumLog2)) return kLargeClass;
  const int log2 = 64 - __builtin_clzll(static_cast<unsigned long long>(nbytes - 1));
  return kNumSmallClasses + log2 - kFirstMediumLog2;
}

size_t class_bytes(int c) {
  return c < kNumSmallClasses ? kSmallClassBytes[c]
                              : size_t(1) << (c - kNumSmallClasses + kFirstMediumLog2);
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

// What the large cache may hold now (Note [Large cache budget]), within the limit
// left by the medium lists (Note [Cache limit]); fl.mutex held.
size_t large_cache_budget(const FreeLists& fl) {
  const size_t limit_left =
      fl.limit.bytes > fl.medium_bytes ? fl.limit.bytes - fl.medium_bytes : 0;
  return std::min(std::max(fl.large_peak_live - fl.large_live, kMaxLargeCachedBytes),
                  limit_left);
}

void note_system_alloc(FreeLists& fl, size_t nbytes) {
  const size_t now = fl.system_bytes.fetch_add(nbytes, std::memory_order_relaxed) + nbytes;
  size_t peak = fl.peak_system_bytes.load(std::memory_order_relaxed);
  while (now > peak && !fl.peak_system_bytes.compare_exchange_weak(
                           peak, now, std::memory_order_relaxed)) {
  }
}


// Drops the oldest cached large blocks until the cache fits its budget; fl.mutex held,
// the dropped blocks are for the caller to free once it is released.
void evict_large_over_budget(FreeLists& fl, std::vector<LargeBlock>& evicted) {
  while (fl.large_bytes > large_cache_budget(fl)) {
    evicted.push_back(fl.large.front());
    fl.large_bytes -= fl.large.front().capacity;
    fl.large.pop_front();
  }
}

// Note [Huge pages for large blocks]: a block of kHugeFrom bytes or more is aligned to
// 2 MiB and marked for transparent huge pages, as the slabs are (Note [Slabs]; numpy
// does the same for its arrays). A kernel streaming through it then misses the TLB once
// per 2 MiB rather than once per 4 KiB, and fresh memory faults in once per 2 MiB:
// reduction_sum_16M at 1 thread, on a VM whose THP mode is `madvise`, went from 12.1-12.3
// to 13.5-14.0 GB/s (three alternating A/B runs of bench/compare.py). The address space
// asked for is rounded up to whole 2 MiB pages (up to a quarter more for a block near
// kHugeFrom), but only the block's own bytes are marked and ever touched, so the rest
// never becomes resident; the counts (memory_stats) record the block's own bytes.
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeFrom = size_t(4) << 20;

// nbytes (a multiple of kAlignment) for a block over 4 KiB.
void* system_alloc(FreeLists& fl, size_t nbytes) {
  const bool huge = nbytes >= kHugeFrom;
  const size_t asked = huge ? (nbytes + kHugePage - 1) / kHugePage * kHugePage : nbytes;
  void* p = std::aligned_alloc(huge ? kHugePage : kAlignment, asked);
  if (!p) throw_out_of_memory(nbytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge) madvise(p, nbytes, MADV_HUGEPAGE);  // a hint: without it, 4 KiB pages
#endif
  note_system_alloc(fl, nbytes);
  return p;
}

// Gives a block over 4 KiB back to the system.
void system_free(FreeLists& fl, void* p, size_t nbytes) {
  std::free(p);
  fl.system_bytes.fetch_sub(nbytes, std::memory_order_relaxed);
}

// Note [Slabs]: blocks of the thread-cached classes are carved one after another from
// 2 MiB slabs, aligned to 2 MiB and marked for transparent huge pages, instead of one
// malloc each. A graph of scalars touches tens of thousands of these blocks on every
// backward pass; packed into huge pages they need a TLB entry per 2 MiB, not per 4 KiB,
// and the blocks of one op sit side by side. micrograd_mlp_scalar (9.7K nodes, A/B over
// alternating runs): 17.8 -> 15.7 ms per step; without the huge-page hint, 17.5 -> 16.3.
// A slab block cannot go back to malloc, so freed ones always stay on a free list: the
// memory held is the most that was live at once, as for any caching allocator. Blocks
// under 64 bytes come from slabs of their own, so that the others, whose sizes are
// multiples of 64, stay 64-byte aligned (Note [Small size classes]).
constexpr size_t kSlabBytes = size_t(2) << 20;

// A small class's block from the current slab for its alignment; fl.mutex held.
void* slab_alloc(FreeLists& fl, size_t nbytes) {
  const int k = nbytes >= kAlignment;  // then nbytes is a multiple of kAlignment
  if (fl.slab_left[k] < nbytes) {  // the rest of the old slab (< 4 KiB) is left unused
    void* slab = std::aligned_alloc(kSlabBytes, kSlabBytes);
    if (!slab) throw_out_of_memory(kSlabBytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(slab, kSlabBytes, MADV_HUGEPAGE);  // a hint: without it, 4 KiB pages
#endif
    note_system_alloc(fl, kSlabBytes);
    fl.slab[k] = static_cast<char*>(slab);
    fl.slab_left[k] = kSlabBytes;
  }
  void* p = fl.slab[k];
  fl.slab[k] += nbytes;
  fl.slab_left[k] -= nbytes;
  return p;
}

}  // namespace

namespace detail {

__thread ThreadCache* tls_cache __attribute__((tls_model("initial-exec"))) = nullptr;

// The thread cache missed (allocator.h): the shared lists, or the system.
void* allocate_bytes_slow(size_t nbytes) {
  const int c = block_class(nbytes);
  if (c < kNumSmallClasses && !tls_cache) make_thread_cache();  // empty: on to the shared lists
  auto& fl = free_lists();
  if (c == kLargeClass) {
    if (nbytes > (size_t(1) << 48))  // beyond any address space: fail before the OS does
      throw_out_of_memory(nbytes);
    const size_t capacity = large_capacity(nbytes);
    std::vector<LargeBlock> evicted;
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
    for (const LargeBlock& b : evicted) system_free(fl, b.ptr, b.capacity);  // unlocked: slow
    try {
      return system_alloc(fl, capacity);
    } catch (const std::runtime_error&) {  // out of memory: give the cache back, try again
      empty_cache();
      try {
        return system_alloc(fl, capacity);
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
      if (c >= kNumSmallClasses) fl.medium_bytes -= class_bytes(c);
      return p;
    }
    if (c < kNumSmallClasses) return slab_alloc(fl, class_bytes(c));
  }
  return system_alloc(fl, class_bytes(c));
}

// The thread cache is full, not made yet, or gone (allocator.h).
void free_bytes_slow(void* p, size_t nbytes) {
  if (!p) return;
  const int c = block_class(nbytes);
  if (c < kNumSmallClasses && !tls_cache && make_thread_cache()) return free_bytes(p, nbytes);
  auto& fl = free_lists();
  if (c == kLargeClass) {
    const size_t capacity = large_capacity(nbytes);
    std::vector<LargeBlock> evicted;
    {
      std::lock_guard<std::mutex> lock(fl.mutex);
      fl.large_live -= capacity;
      if (capacity > large_cache_budget(fl)) {
        evicted.push_back({capacity, p});
      } else {
        fl.large.push_back({capacity, p});
        fl.large_bytes += capacity;
        evict_large_over_budget(fl, evicted);
      }
    }
    for (const LargeBlock& b : evicted) system_free(fl, b.ptr, b.capacity);  // unlocked: slow
    return;
  }
  const size_t size = class_bytes(c);
  {
    std::lock_guard<std::mutex> lock(fl.mutex);
    if (c < kNumSmallClasses) {
      fl.lists[c].push_back(p);  // a slab block: it cannot go to free()
      return;
    }
    if (fl.lists[c].size() < kMaxCachedPerClass &&
        fl.medium_bytes + fl.large_bytes + size <= fl.limit.bytes) {
      fl.lists[c].push_back(p);
      fl.medium_bytes += size;
      return;
    }
  }
  system_free(fl, p, size);
}

}  // namespace detail

void empty_cache() {
  auto& fl = free_lists();
  std::deque<LargeBlock> large;
  std::vector<LargeBlock> medium;
  {
    std::lock_guard<std::mutex> lock(fl.mutex);
    large.swap(fl.large);
    fl.large_bytes = 0;
    for (int c = kNumSmallClasses; c < kNumClasses; ++c) {
      for (void* p : fl.lists[c]) medium.push_back({class_bytes(c), p});
      fl.lists[c].clear();
    }
    fl.medium_bytes = 0;
  }
  for (const LargeBlock& b : large) system_free(fl, b.ptr, b.capacity);  // unlocked: slow
  for (const LargeBlock& b : medium) system_free(fl, b.ptr, b.capacity);
}

MemoryStats memory_stats() {
  auto& fl = free_lists();
  MemoryStats stats;
  size_t cached = 0;
  {
    std::lock_guard<std::mutex> lock(fl.mutex);
    for (int c = 0; c < kNumClasses; ++c) cached += fl.lists[c].size() * class_bytes(c);
    cached += fl.large_bytes + fl.slab_left[0] + fl.slab_left[1];
    for (const ThreadCache* cache : fl.thread_caches)
      for (int c = 0; c < kNumSmallClasses; ++c)
        cached += cache->counts[c].load(std::memory_order_relaxed) * kSmallClassBytes[c];
    stats.reserved_bytes = fl.system_bytes.load(std::memory_order_relaxed);
    stats.peak_reserved_bytes = fl.peak_system_bytes.load(std::memory_order_relaxed);
  }
  // Other threads' caches are read while they run: keep the parts consistent.
  stats.cached_bytes = std::min(cached, stats.reserved_bytes);
  stats.live_bytes = stats.reserved_bytes - stats.cached_bytes;
  stats.cache_limit_bytes = fl.limit.bytes;
  return stats;
}

void reset_peak_memory() {
  auto& fl = free_lists();
  fl.peak_system_bytes.store(fl.system_bytes.load(std::memory_order_relaxed),
                             std::memory_order_relaxed);
}

std::string cache_limit_error() { return free_lists().limit.error; }

Storage::Storage(size_t nbytes) : data_(allocate_bytes(nbytes)), nbytes_(nbytes) {}

Storage::Storage(void* data, size_t nbytes, std::shared_ptr<void> owner)
    : data_(data), nbytes_(nbytes), owner_(std::move(owner)) {}

Storage::~Storage() {
  if (!owner_) free_bytes(data_, nbytes_);
}

}  // namespace cgrad
