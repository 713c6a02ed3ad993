#pragma once
// In-place ops (definitions in cpp/src/ops/inplace.cpp). Each writes into `self`, bumps
// its version counter and — when a graph is being recorded — rebases self's history onto
// the node of the equivalent out-of-place op (see Note [In-place ops]).
#include <functional>
#include <initializer_list>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad {

// A pointwise op as a function of self and its tensor arguments, for writes whose inputs
// share self's memory (Note [In-place writes that read what they wrote]).
struct PointwiseOp {
  std::vector<Tensor> inputs;  // the tensor arguments other than self
  std::function<Tensor(const Tensor& self, const std::vector<Tensor>& inputs)> op;
};

// Writes compute() — the out-of-place op evaluated on self's current value — into self.
// `op` names the op in error messages. Writing into an integer or bool self records
// nothing unless it already requires grad or record_any_dtype (torch's fill_ with a
// tensor value and masked writes of one value record anyway). `pointwise`, where given,
// computes the values element by element when an input reads memory self writes.
Tensor& apply_inplace(Tensor& self, const char* op, const std::function<Tensor()>& compute,
                      bool record_any_dtype = false, const PointwiseOp* pointwise = nullptr);

// `self.op_(inputs...)` for a pointwise op: apply_inplace with `op` as PointwiseOp.
Tensor& apply_pointwise_inplace(Tensor& self, const char* name, const PointwiseOp& op);

// torch's memory-overlap checks for an op that writes into `self` from `inputs`
// (Note [In-place overlap]): RuntimeError when several elements of self share memory,
// or when an input partly overlaps self.
void check_inplace_overlap(const Tensor& self, std::initializer_list<const Tensor*> inputs);

// torch's shape checks of an elementwise op writing into `self`, which come before any
// dtype check: the inputs must broadcast together, to self's own shape.
void check_inplace_shape(const Tensor& self, const std::vector<Tensor>& inputs, const char* op);

Tensor& fill_(Tensor& self, Scalar value);   // FillBackward2
Tensor& fill_(Tensor& self, const Tensor& value);  // FillBackward3; value is 0-d
Tensor& zero_(Tensor& self);                 // ZeroBackward0
Tensor& copy_(Tensor& self, const Tensor& src);  // CopyBackwards; broadcasts and casts src
Tensor& add_(Tensor& self, const Tensor& other);
Tensor& sub_(Tensor& self, const Tensor& other);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& div_(Tensor& self, const Tensor& other);

}  // namespace cgrad
