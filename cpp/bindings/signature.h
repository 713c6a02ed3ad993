#pragma once
// The parameters of a bound function, read back from the signature pybind11 generated
// (`(input: cgrad._C.Tensor, dim: object = None, *, dtype: object = None) -> ...`), for
// the checks every call goes through (Note [Call checks]).
#include <string>
#include <vector>

#include "bindings.h"

namespace cgrad::bindings {

// What a parameter takes, as far as the checks need to know.
enum class ParamType { Tensor, Int, Float, Bool, Str, List, Any };

struct Param {
  enum Kind { Positional, KeywordOnly, VarPositional, VarKeyword };
  std::string name;
  Kind kind = Positional;
  ParamType type = ParamType::Any;
  bool optional = false;  // None is accepted
  bool has_default = false;
  std::string default_text;
};

// One overload; `params` leaves out a method's self.
struct Signature {
  std::vector<Param> params;
  bool accepts_any_keyword() const {
    return !params.empty() && params.back().kind == Param::VarKeyword;
  }
  const Param* find(const std::string& name) const;
};

// How a bound function is presented in messages: torch's C++ functions and methods (its
// argument parser's wording) or nn.functional's Python functions (Python's wording).
enum class CallStyle { Native, Method, Python };

// Everything the checks know about one bound function (all of its overloads), parsed once
// and kept for the life of the process.
struct FunctionInfo {
  std::string name;
  // The name torch's native function has: linalg's functions are `linalg_<name>`.
  std::string native_name;
  CallStyle style = CallStyle::Native;
  std::vector<Signature> overloads;
  bool has_param(const std::string& name) const;
};

// The info for the pybind11 function whose PyCFunction `self` is given (nullptr for
// objects that are not pybind11 functions).
const FunctionInfo* function_info(PyObject* function_self);

}  // namespace cgrad::bindings
