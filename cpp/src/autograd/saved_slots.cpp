#include "cgrad/autograd/saved_slots.h"

namespace cgrad::saved {

namespace {
constexpr const char* kTorchNames[] = {
#define CGRAD_SAVED_SLOT(name) #name,
#define CGRAD_HIDDEN_SLOT(name) nullptr,
#include "cgrad/autograd/saved_slots.def"
#undef CGRAD_SAVED_SLOT
#undef CGRAD_HIDDEN_SLOT
};
static_assert(sizeof(kTorchNames) / sizeof(kTorchNames[0]) == kSlotCount);
}  // namespace

const char* torch_name(Slot slot) { return slot < kSlotCount ? kTorchNames[slot] : nullptr; }

std::optional<Slot> slot_named(std::string_view name) {
  for (uint8_t i = 0; i < kSlotCount; ++i)
    if (kTorchNames[i] && name == kTorchNames[i]) return static_cast<Slot>(i);
  return std::nullopt;
}

}  // namespace cgrad::saved
