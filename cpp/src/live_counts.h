#pragma once
// How many TensorImpls and Nodes exist: what leak tests watch.
//
// Note [Live counts]: one shared atomic counter cost a locked read-modify-write each
// time a tensor or node was made or freed, four per recorded op. Each thread instead
// adds to its own slot with a plain load and store; a reader sums every slot. A slot
// holds the thread's net contribution, which stays meaningful after the thread exits (a
// tensor made there may be freed elsewhere), so an exiting thread hands its slot on to
// the next new thread instead of dropping it.
#include <atomic>
#include <cstdint>

namespace cgrad::live_counts {

enum Kind { kTensors = 0, kNodes = 1 };

struct alignas(64) Slot {  // a line of its own: no two threads write one line
  std::atomic<int64_t> count[2] = {};  // written only by the owning thread
  Slot* next_in_list = nullptr;        // every slot ever made, for the readers
  Slot* next_free = nullptr;           // slots of exited threads
};

extern thread_local Slot* tls_slot __attribute__((tls_model("initial-exec")));
Slot* acquire_slot();  // this thread's slot, made or reused on first use
void add_after_exit(Kind kind, int64_t delta);  // during thread teardown

inline void add(Kind kind, int64_t delta) {
  Slot* slot = tls_slot;
  if (!slot && !(slot = acquire_slot())) return add_after_exit(kind, delta);
  std::atomic<int64_t>& c = slot->count[kind];
  c.store(c.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

int64_t total(Kind kind);

}  // namespace cgrad::live_counts
