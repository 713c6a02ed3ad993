#pragma once
// The pointwise unary ops: one function per row of unary_ops.def (Note [Pointwise op
// tables]; definitions in cpp/src/ops/unary.cpp), and round, which takes an option.
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

#define CGRAD_UNARY_OP(Kernel, name, ...) Tensor name(const Tensor& a);
#include "cgrad/pointwise/unary_ops.def"

// f(a) recorded as torch records the in-place forms it has no derivative for (acosh_):
// under `node`, whose backward raises NotImplementedError naming `op`'s in-place version.
Tensor without_derivative(Tensor (*f)(const Tensor&), const Tensor& a, const char* node,
                          const char* op);

// Round half to even; with `decimals` (RoundBackward1), to that many decimal places.
// Integers are returned as copies (bool is refused); the gradient is zero.
Tensor round(const Tensor& a, std::optional<int64_t> decimals = std::nullopt);

}  // namespace cgrad
