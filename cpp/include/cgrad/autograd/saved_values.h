#pragma once
// The non-tensor values a node shows as torch does (`_saved_dim`, `_saved_alpha`).
//
// Note [Saved values]: torch's nodes show the arguments their formulas keep, as
// `_saved_<name>`: dims, sizes, flags, scalars (derivatives.yaml's names). cgrad's formulas
// keep theirs inside their lambdas, where Python cannot see them, so an op that torch's
// node shows values for also hands them to the node, as given by the caller (a dim of -1
// stays -1: torch shows the argument, not the wrapped dim). They live in the node's
// extras, made on first use, so a node that shows nothing costs nothing. Two kinds need
// no call at all, so the hot ops stay as they were: a value that is the shape or element
// count of the node's first input, which the node already keeps (ViewBackward0's
// `self_sym_sizes`), and a default that an op stores only when it differs (AddBackward0's
// `alpha` of 1); derived_saved_values() lists them.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cgrad/scalar.h"

namespace cgrad {

// None, a bool, an int64 argument, a Scalar argument (an int, float or bool as given),
// a double argument, a string, a list of int64s.
using SavedValue =
    std::variant<std::monostate, bool, int64_t, Scalar, double, std::string, std::vector<int64_t>>;
using NamedSavedValue = std::pair<const char*, SavedValue>;

// Spelled out so that an int never picks the bool or double alternative.
inline SavedValue saved_none() { return SavedValue(std::in_place_type<std::monostate>); }
inline SavedValue saved_bool(bool v) { return SavedValue(std::in_place_type<bool>, v); }
inline SavedValue saved_int(int64_t v) { return SavedValue(std::in_place_type<int64_t>, v); }
inline SavedValue saved_scalar(Scalar v) { return SavedValue(std::in_place_type<Scalar>, v); }
inline SavedValue saved_double(double v) { return SavedValue(std::in_place_type<double>, v); }
inline SavedValue saved_string(std::string v) {
  return SavedValue(std::in_place_type<std::string>, std::move(v));
}
template <class Ints> SavedValue saved_ints(const Ints& v) {
  return SavedValue(std::in_place_type<std::vector<int64_t>>, std::vector<int64_t>(v.begin(), v.end()));
}

// A value a node shows without storing it (Note [Saved values]).
struct DerivedSavedValue {
  enum class From : uint8_t { FirstInputSizes, FirstInputNumel, Default };
  const char* node;  // torch's node name
  const char* name;  // attribute name, without `_saved_`
  From from;
  int64_t default_value = 0;  // for From::Default: an int Scalar
};
const std::vector<DerivedSavedValue>& derived_saved_values();

}  // namespace cgrad
