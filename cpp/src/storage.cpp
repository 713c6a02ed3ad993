#include "cgrad/storage.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace cgrad {
namespace {

// Note [Caching allocator]: buffers up to 1 MiB are rounded up to a power of two and
// kept on a free list per size class when freed, so the small tensors that dominate
// per-op overhead never reach malloc after warm-up. Larger buffers go straight to the
// system; the cached bytes per class are bounded.
constexpr size_t kAlignment = 64;
constexpr int kMinClass = 6;   // 64 B
constexpr int kMaxClass = 20;  // 1 MiB
constexpr size_t kMaxCachedPerClass = 64;

struct FreeLists {
  std::mutex mutex;
  std::vector<void*> lists[kMaxClass + 1];
  ~FreeLists() {
    for (auto& l : lists)
      for (void* p : l) std::free(p);
  }
};

FreeLists& free_lists() {
  static FreeLists* lists = new FreeLists();  // leaked: tensors may die after statics
  return *lists;
}

int size_class(size_t nbytes) {
  int c = kMinClass;
  while ((size_t(1) << c) < nbytes) ++c;
  return c;
}

// RuntimeError in Python, with the size asked for, as torch reports it.
[[noreturn]] void throw_out_of_memory(size_t nbytes) {
  throw std::runtime_error("can't allocate memory: you tried to allocate " +
                           std::to_string(nbytes) + " bytes");
}

void* system_alloc(size_t nbytes) {
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (!p) throw_out_of_memory(nbytes);
  return p;
}

}  // namespace

void* allocate_bytes(size_t nbytes) {
  if (nbytes > (size_t(1) << kMaxClass)) {
    if (nbytes > (size_t(1) << 48))  // beyond any address space: fail before the OS does
      throw_out_of_memory(nbytes);
    return system_alloc(nbytes);
  }
  int c = size_class(nbytes);
  auto& fl = free_lists();
  {
    std::lock_guard<std::mutex> lock(fl.mutex);
    auto& list = fl.lists[c];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      return p;
    }
  }
  return system_alloc(size_t(1) << c);
}

void free_bytes(void* p, size_t nbytes) {
  if (!p) return;
  if (nbytes <= (size_t(1) << kMaxClass)) {
    int c = size_class(nbytes);
    auto& fl = free_lists();
    std::lock_guard<std::mutex> lock(fl.mutex);
    if (fl.lists[c].size() < kMaxCachedPerClass) {
      fl.lists[c].push_back(p);
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
