// The caching allocator: freed buffers come back for the same size class, large ones
// included (Note [Caching allocator]), and stay 64-byte aligned from 64 bytes up (16-byte
// below: Note [Small size classes]).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "cgrad/storage.h"

namespace cgrad {
namespace {

bool aligned(void* p, size_t to = 64) { return reinterpret_cast<uintptr_t>(p) % to == 0; }

TEST(Storage, SmallBlocksAreReused) {
  void* p = allocate_bytes(1000);
  ASSERT_TRUE(aligned(p));
  free_bytes(p, 1000);
  void* q = allocate_bytes(1000);  // same power-of-two class
  EXPECT_EQ(p, q);
  free_bytes(q, 1000);
}

// Note [Thread block cache]: a thread's cached blocks are handed to the shared lists
// when it exits, so other threads get them back; blocks freed on another thread than
// the one that allocated them are fine.
TEST(Storage, AnExitingThreadHandsItsBlocksOn) {
  std::vector<void*> from_thread;
  std::vector<void*> freed_by_thread{allocate_bytes(3000)};  // allocated here, freed there
  std::thread worker([&] {
    for (int i = 0; i < 3; ++i) from_thread.push_back(allocate_bytes(3000));
    for (void* p : from_thread) free_bytes(p, 3000);
    for (void* p : freed_by_thread) free_bytes(p, 3000);
  });
  worker.join();
  // More blocks than this thread's own cache can hold for the class (16 MiB of 4 KiB,
  // 4096 blocks), so the shared lists are reached whatever earlier tests left cached here.
  std::vector<void*> got;
  for (int i = 0; i < 4200; ++i) got.push_back(allocate_bytes(3000));
  for (void* p : from_thread)
    EXPECT_NE(std::find(got.begin(), got.end(), p), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), freed_by_thread[0]), got.end());
  for (void* p : got) free_bytes(p, 3000);
}

// Note [Slabs]: small blocks are carved from shared slabs, so they must not overlap
// across classes and slab boundaries, and a freed one is always kept: past the thread
// cache's cap it goes to the shared lists (it cannot go back to malloc).
TEST(Storage, SlabBlocksAreDistinctAndAlwaysComeBack) {
  std::vector<std::pair<char*, size_t>> blocks;
  // about 8 MiB of mixed sizes, interleaving blocks under 64 bytes with larger ones:
  // several slabs of each kind
  const size_t sizes[] = {8, 48, 96, 20, 192, 384, 33, 768, 1536, 64, 3072, 200, 4096};
  for (int i = 0; i < 6000; ++i) {
    const size_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
    char* p = static_cast<char*>(allocate_bytes(n));
    ASSERT_TRUE(aligned(p, n < 64 ? 16 : 64)) << n;
    std::memset(p, i % 251, n);
    blocks.push_back({p, n});
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& [p, n] = blocks[i];
    ASSERT_EQ(p[0], static_cast<char>(i % 251));
    ASSERT_EQ(p[n - 1], static_cast<char>(i % 251));
  }
  for (const auto& [p, n] : blocks) free_bytes(p, n);

  // 4 KiB blocks: 4096 fill this thread's cache for the class; the rest overflow.
  std::vector<void*> first, second;
  for (int i = 0; i < 5000; ++i) first.push_back(allocate_bytes(4096));
  for (void* p : first) free_bytes(p, 4096);
  for (int i = 0; i < 5000; ++i) second.push_back(allocate_bytes(4096));
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  EXPECT_EQ(first, second);
  for (void* p : second) free_bytes(p, 4096);
}

TEST(Storage, LargeBlocksAreReusedWarm) {
  const size_t n = size_t(24) << 20;  // 24 MiB: beyond the small classes
  char* p = static_cast<char*>(allocate_bytes(n));
  ASSERT_TRUE(aligned(p));
  std::memset(p, 1, n);
  free_bytes(p, n);
  char* q = static_cast<char*>(allocate_bytes(n - 100));  // same rounded size
  EXPECT_EQ(p, q);
  EXPECT_EQ(q[n - 101], 1);  // the same pages, still mapped
  std::memset(q, 2, n - 100);
  free_bytes(q, n - 100);
}

TEST(Storage, LargeSizesRoundToEighthsOfAPowerOfTwo) {
  // 9 MiB and 9.5 MiB share a class (multiples of 1 MiB between 8 and 16 MiB)...
  void* p = allocate_bytes(size_t(9) << 20);
  free_bytes(p, size_t(9) << 20);
  void* q = allocate_bytes((size_t(19) << 20) / 2);
  EXPECT_NE(p, q);  // 9.5 MiB rounds to 10 MiB: another class
  void* r = allocate_bytes((size_t(17) << 20) / 2);  // 8.5 MiB rounds to 9 MiB
  EXPECT_EQ(p, r);
  free_bytes(q, (size_t(19) << 20) / 2);
  free_bytes(r, (size_t(17) << 20) / 2);
}

TEST(Storage, HugeBlocksAreNotCached) {
  const size_t n = size_t(300) << 20;  // above the cache's cap: straight back to the system
  void* p = allocate_bytes(n);
  ASSERT_NE(p, nullptr);
  free_bytes(p, n);
}

// Note [Cache limit]: freed blocks over 4 KiB are counted as cached until empty_cache()
// hands them back, and live + cached is always what is held from the system.
TEST(Storage, EmptyCacheHandsCachedBlocksBack) {
  empty_cache();
  const MemoryStats before = memory_stats();
  const size_t large = size_t(12) << 20, medium = size_t(256) << 10;
  void* p = allocate_bytes(large);
  void* q = allocate_bytes(medium);
  const MemoryStats live = memory_stats();
  EXPECT_EQ(live.live_bytes - before.live_bytes, large + medium);
  EXPECT_EQ(live.live_bytes + live.cached_bytes, live.reserved_bytes);
  free_bytes(p, large);
  free_bytes(q, medium);
  const MemoryStats freed = memory_stats();
  EXPECT_EQ(freed.cached_bytes - before.cached_bytes, large + medium);
  EXPECT_EQ(freed.live_bytes, before.live_bytes);
  empty_cache();
  const MemoryStats emptied = memory_stats();
  EXPECT_EQ(emptied.cached_bytes, before.cached_bytes);
  EXPECT_EQ(emptied.reserved_bytes, before.reserved_bytes);
  EXPECT_GE(emptied.peak_reserved_bytes, before.reserved_bytes + large + medium);
}

}  // namespace
}  // namespace cgrad
