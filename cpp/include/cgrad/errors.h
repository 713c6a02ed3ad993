#pragma once
// Exceptions raised by the core. The bindings map each to the Python type torch raises:
// RuntimeError for std::runtime_error, and the classes below for the rest.
#include <stdexcept>
#include <string>

namespace cgrad {

struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };
struct NotImplementedError : std::runtime_error { using std::runtime_error::runtime_error; };
struct OverflowError : std::runtime_error { using std::runtime_error::runtime_error; };
// torch.linalg.LinAlgError (a RuntimeError): a singular or non-positive-definite input.
struct LinAlgError : std::runtime_error { using std::runtime_error::runtime_error; };

}  // namespace cgrad
