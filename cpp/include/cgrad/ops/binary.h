#pragma once
// The pointwise binary ops and comparisons: one function per row of binary_ops.def that
// is not written by hand (Note [Pointwise op tables]; definitions in
// cpp/src/ops/binary.cpp). The rows marked kHand are declared in cgrad/ops/arithmetic.h.
#include "cgrad/tensor.h"

namespace cgrad {

#define CGRAD_DECLARE_kHand(name)
#define CGRAD_DECLARE_OP(name) Tensor name(const Tensor& a, const Tensor& b);
// A comparison also has name_into(self, other): the result in self's dtype, recorded as
// torch records x.eq_(y) (a zero gradient), for the in-place variant.
#define CGRAD_DECLARE_kCompare(name) \
  CGRAD_DECLARE_OP(name) Tensor name##_into(const Tensor& self, const Tensor& other);
#define CGRAD_DECLARE_kLogical CGRAD_DECLARE_OP
#define CGRAD_DECLARE_kPromote CGRAD_DECLARE_OP
#define CGRAD_DECLARE_kBitwise CGRAD_DECLARE_OP
#define CGRAD_DECLARE_kIntegral CGRAD_DECLARE_OP
#define CGRAD_DECLARE_kPromoteFloat CGRAD_DECLARE_OP
#define CGRAD_DECLARE_kFloatingOperands CGRAD_DECLARE_OP
#define CGRAD_DECLARE_kSameDtype CGRAD_DECLARE_OP
#define CGRAD_BINARY_OP(Kernel, name, dtype, ...) CGRAD_DECLARE_##dtype(name)
#include "cgrad/pointwise/binary_ops.def"
#undef CGRAD_DECLARE_kHand
#undef CGRAD_DECLARE_OP
#undef CGRAD_DECLARE_kCompare
#undef CGRAD_DECLARE_kLogical
#undef CGRAD_DECLARE_kPromote
#undef CGRAD_DECLARE_kBitwise
#undef CGRAD_DECLARE_kIntegral
#undef CGRAD_DECLARE_kPromoteFloat
#undef CGRAD_DECLARE_kFloatingOperands
#undef CGRAD_DECLARE_kSameDtype

}  // namespace cgrad
