#pragma once
// The vocabulary of the pointwise op tables (cgrad/pointwise/unary_ops.def,
// cgrad/pointwise/binary_ops.def). Plain data,
// read by the kernels, the ops and the bindings alike, so it sits in the core layer.
//
// Note [Pointwise op tables]: a pointwise op is one row of a table (an X-macro `.def`
// file), as torch's native_functions.yaml + derivatives.yaml rows are. The row names the
// op, its kernel (a scalar formula, and the vecmath function when one exists), its dtype
// rule and the errors that rule raises, its backward formula in cgrad's own ops with
// what that formula reads (`self`, `result`), torch's node name, and which in-place
// variants torch has. Every layer expands the same rows with its own macro:
//   kernels/kernels.h          the UnaryOp enum
//   kernels/elementwise.cpp    the scalar formulas, the dtype support, the thread grain,
//                              the vecmath dispatch and the kernel switch
//   cgrad/ops/unary.h          the declarations; ops/unary.cpp the definitions
//                              (check dtype, run the kernel, record the node)
//   bindings/pointwise_table.cpp  cgrad.name, Tensor.name, the in-place variants
//                              (x.name_(), cgrad.name_(x)), the aliases, and
//                              cgrad._C._pointwise_ops() for the tests and the README
// The binary table (binary_ops.def) is expanded the same way: kernels/kernels.h the
// BinaryOp enum, kernels/elementwise.cpp the formulas and switch, cgrad/ops/binary.h and
// ops/binary.cpp the ops its rows do not mark kHand, bindings/pointwise_table.cpp the
// functions, methods, aliases, operators and in-place variants.
// So adding a unary op is one row (plus a helper in elementwise.cpp if its scalar
// formula needs more than an expression) and its test rows. tests/test_pointwise_table.py
// fails for a row without a parity case, a float64 gradcheck, torch's node name, or an
// in-place variant torch has. Rows are plain data: nothing in them is edited elsewhere.
// Ops that take more than one tensor, or options (round(decimals=), clamp), are bound
// by hand beside their area; their kernels may still be table rows. The activations, unary
// ops with parameters, are rows of a table of their own (Note [Activation table]) that
// runs them through the same driver (ops/pointwise_op.h).

namespace cgrad::pointwise {

enum DtypeRule {
  kFloat,             // a floating result: a's own dtype, integers and bool compute in the
                      // default float dtype
  kKeep,              // a's dtype, any dtype
  kKeepNotBool,       // a's dtype; bool raises RuntimeError(error)
  kKeepNoBoolKernel,  // a's dtype; bool raises NotImplementedError "error" not implemented
  kRounding,          // floating: computed; integers: a copy; bool: NotImplementedError
  kFloatingOnly,      // floating only, else NotImplementedError
  kIntegralOnly,      // integers and bool only, else NotImplementedError
  kPredicate,         // a Bool result, computed in a's dtype
};
// The binary rows' dtype rules (binary_ops.def). The result dtype is the promoted one
// (torch's result_type) unless stated.
enum BinaryRule {
  kHand,          // the op is written by hand; the row gives its kernel and bindings
  kPromote,       // the promoted dtype, any dtype
  kCompare,       // computed in the promoted dtype, a Bool result
  kLogical,       // each operand cast to Bool, a Bool result
  kBitwise,       // integers and bool; floating raises NotImplementedError(error)
  kIntegral,      // integers only; floating and bool raise NotImplementedError(error)
  kPromoteFloat,  // integers and bool compute in the default float dtype
  kFloatingOperands,  // floating only, else NotImplementedError(error)
  kSameDtype,     // both operands of one dtype, else RuntimeError(error)
};
// The element types a binary kernel is compiled for.
enum KernelTypes { kAllTypes, kFloatTypes, kIntegralTypes, kNoBool, kIntegersNoBool };
enum Operands { kTensors, kTensorValues, kNumberOther, kNumberEither, kBoundByHand };
enum Cost { kCheap, kLibm };
enum Vector { kVecmath, kScalar };
enum Saved { kNothing, kSelf, kResult, kSelfAndResult, kSelfOther, kSelfResult, kOtherResult };
// kWithoutDerivative: x.name_() and cgrad.name_(x), which torch records under a node
// named <Name>Backward1 whose backward raises (it has no formula for them).
enum Inplace { kNoInplace, kMethod, kMethodAndFunction, kWithoutDerivative };
// A unary row's out= (Note [out= rules], bindings/out_rules.cpp): kOut, checked as its
// dtype rule implies; kBoolOut, a Bool out only (torch's isposinf, signbit); kNoOut, none
// (torch's relu and isnan take no out=). Binary rows all take out=, so have no column.
enum Out { kNoOut, kOut, kBoolOut };

// Factors of the rows that rescale (deg2rad, rad2deg).
inline constexpr double kRadiansPerDegree = 3.14159265358979323846 / 180.0;
inline constexpr double kDegreesPerRadian = 180.0 / 3.14159265358979323846;

}  // namespace cgrad::pointwise
