// Per-thread live counts (Note [Live counts]).
#include "live_counts.h"

#include <mutex>

namespace cgrad::live_counts {
namespace {

std::mutex slots_mutex;
std::atomic<Slot*> all_slots{nullptr};  // pushed under the mutex, read without it
Slot* free_slots = nullptr;              // under the mutex
std::atomic<int64_t> after_exit[2] = {};
thread_local bool tls_gone __attribute__((tls_model("initial-exec"))) = false;

// Returns the thread's slot to the free list when the thread exits.
struct SlotOwner {
  ~SlotOwner() {
    Slot* slot = tls_slot;
    tls_slot = nullptr;
    tls_gone = true;
    if (!slot) return;
    std::lock_guard<std::mutex> lock(slots_mutex);
    slot->next_free = free_slots;
    free_slots = slot;
  }
};

}  // namespace

thread_local Slot* tls_slot __attribute__((tls_model("initial-exec"))) = nullptr;

Slot* acquire_slot() {
  if (tls_gone) return nullptr;
  thread_local SlotOwner owner;  // constructed once: registers the exit hook
  (void)owner;
  std::lock_guard<std::mutex> lock(slots_mutex);
  Slot* slot = free_slots;
  if (slot) {
    free_slots = slot->next_free;
  } else {
    slot = new Slot();  // never freed: readers may be walking the list
    slot->next_in_list = all_slots.load(std::memory_order_relaxed);
    all_slots.store(slot, std::memory_order_release);
  }
  tls_slot = slot;
  return slot;
}

void add_after_exit(Kind kind, int64_t delta) {
  after_exit[kind].fetch_add(delta, std::memory_order_relaxed);
}

int64_t total(Kind kind) {
  int64_t sum = after_exit[kind].load(std::memory_order_relaxed);
  for (Slot* s = all_slots.load(std::memory_order_acquire); s; s = s->next_in_list)
    sum += s->count[kind].load(std::memory_order_relaxed);
  return sum;
}

}  // namespace cgrad::live_counts
