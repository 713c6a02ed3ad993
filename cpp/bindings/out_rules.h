#pragma once
// Which functions take `out=`, and how out's dtype must relate to the result (Note [out=
// rules]); out_argument.cpp applies them.
#include <string>

namespace cgrad::bindings {

// The dtype out must have.
enum class OutDtype {
  kCast,         // any the result casts to (torch's can_cast)
  kCastOperands,   // as kCast, checked on the operands' promoted dtype before the function
                   // runs (a binary kernel refusing a dtype raises only after torch's
                   // iterator has checked out)
  kOperandsDtype,  // the operands' promoted dtype, checked before the function runs
  kInputDtype,   // the input's, checked before the function runs (torch's same-dtype
                 // kernels check it while setting up, so before their own dtype errors)
  kResultDtype,  // the result's
  kBool,         // Bool
  kFloating,     // a floating dtype, the result cast into it
  kFactory,      // any: it becomes the factory's dtype=
  kDtypeArgument,  // any: it becomes the function's dtype= when none is given; a dtype=
                   // given must be out's (sum, cumsum: torch computes in out's dtype)
};

// torch's words for an out of the wrong dtype, which differ by function.
enum class OutWording {
  kDefault,          // Expected out tensor to have dtype float, but got long int instead
  kFoundDtype,       // Found dtype Long but expected Float (same-dtype pointwise kernels)
  kInputAndOut,      // Expected the dtype for input and out to match, ... (amax, amin)
  kScalarType,       // expected scalar_type Float but found Long (logcumsumexp)
  kBoolResult,       // all only supports bool tensor for result, got: Float
  kNonBoolean,       // isposinf does not support non-boolean outputs.
  kFloatingResult,   // logsumexp(): Expected floating point type for result tensor, ...
  kCannotCast,       // result type Float can't be cast to the desired output type Long
  kOpCannotCast,     // ldexp can't be cast to the desired output type Long
  kRowError,         // the row's own message (OutRule::message)
  kNansum,           // nansum: provided dtype must match dtype of result. Got Float and
                     // Double. (nanmean too); a floating input refuses an integer out
  kDot,
  kMultinomial,
  kWhere,
  kTensordot,
  kSelectSameType,   // index_select(), masked_select()
  kTake,
  kNanToNum,
};

struct OutRule {
  OutDtype dtype;
  OutWording wording;
  const char* message = nullptr;  // kRowError's
};

// The rule of torch's function `native_name` (linalg's as linalg_<name>), or nullptr
// where it takes no out=.
const OutRule* out_rule(const std::string& native_name);

}  // namespace cgrad::bindings
