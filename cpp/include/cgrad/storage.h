#pragma once
// A refcounted, 64-byte-aligned byte buffer shared by a tensor and all its views.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "cgrad/allocator.h"

namespace cgrad {

// Bumped by every in-place write; saved tensors compare against it at backward time.
struct VersionCounter {
  std::atomic<uint32_t> value{0};
  // The in-place op behind the latest bump ("mul_"), for error messages.
  std::atomic<const char*> last_writer{nullptr};
  void bump(const char* writer = nullptr) {
    last_writer.store(writer, std::memory_order_relaxed);
    value.fetch_add(1, std::memory_order_relaxed);
  }
  uint32_t get() const { return value.load(std::memory_order_relaxed); }
};

class Storage {
 public:
  // Owns `nbytes` fresh bytes from the caching allocator (contents undefined).
  explicit Storage(size_t nbytes);
  // Borrows memory that `owner` keeps alive (e.g. a numpy array).
  Storage(void* data, size_t nbytes, std::shared_ptr<void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

  // Note [Version counter lives in the storage]: views share their base's counter, so
  // the counter sits here and tensors point at it (Note [Version counter ownership]):
  // no extra allocation per tensor. Only `.data` gets a counter of its own, and `.data =`
  // when it replaces the storage the counter lived in.
  VersionCounter version;

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  std::shared_ptr<void> owner_;  // set for borrowed memory
};

}  // namespace cgrad
