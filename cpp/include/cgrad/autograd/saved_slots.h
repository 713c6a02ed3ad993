#pragma once
// The names a node's saved tensors are kept under (Note [Named saved slots]).
#include <cstdint>
#include <optional>
#include <string_view>

namespace cgrad::saved {

// Note [Named saved slots]: a node keeps each saved tensor under a slot named as torch
// names it (`self`, `other`, `result`: derivatives.yaml's argument and result names),
// and its backward formula reads it back by that name, `n.saved(saved::other)`. The
// slots are the rows of saved_slots.def, so one list gives both the C++ constant and the
// `_saved_<name>` attribute Python (and torchviz's show_saved) sees on the node; a
// formula's read is a compare of one byte against a node's few saved entries, no string
// in sight. A slot nothing was saved in reads as an undefined tensor, so an op saves
// only what its formula needs (the bound clamp was not given, the gradient no input
// asked for) and shows torch's attributes, no more.
// An op saves and sets its outputs' history in one call, `record(node, outputs, saves)`
// (node.h): a saved tensor that is one of the outputs is recognised there and kept
// without the cycle an output saved by its own grad_fn would form (Note [Saved
// outputs]), so no op can get the order of the two wrong.
enum Slot : uint8_t {
#define CGRAD_SAVED_SLOT(name) name,
#define CGRAD_HIDDEN_SLOT(name) name,
#include "cgrad/autograd/saved_slots.def"
#undef CGRAD_SAVED_SLOT
#undef CGRAD_HIDDEN_SLOT
  kSlotCount
};

// torch's attribute name (without `_saved_`), or null for a slot torch does not show.
const char* torch_name(Slot slot);
// The shown slot torch calls `name`; nullopt if none (Python's `_saved_<name>` only).
std::optional<Slot> slot_named(std::string_view name);

}  // namespace cgrad::saved
