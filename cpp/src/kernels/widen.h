#pragma once
// Small-dtype tensors seen by a kernel in their compute dtype (Note [Small dtypes] in
// cgrad/dtype.h): an input is read through a widened copy, an output is written into one
// and stored back, rounded to nearest-even (float16, bfloat16) or wrapped (the integers).
#include <initializer_list>

#include "kernels/kernels.h"

namespace cgrad::kernels {

inline bool any_small(std::initializer_list<const TensorImpl*> tensors) {
  for (const TensorImpl* t : tensors)
    if (t && is_small(t->dtype)) return true;
  return false;
}

// `t`, or a contiguous copy of it in compute_dtype(t.dtype) when t is small.
class Widened {
 public:
  explicit Widened(const TensorImpl& t) : t_(&t) {
    if (!is_small(t.dtype)) return;
    held_ = empty(t.sizes, compute_dtype(t.dtype));
    copy(t, *held_);
    t_ = held_.get();
  }
  const TensorImpl& operator*() const { return *t_; }

 private:
  const TensorImpl* t_;
  Tensor held_;
};

// `t` as a kernel's output: a widened copy of it (its current values included, for the
// kernels that accumulate) when small, which store() writes back.
class WidenedOut {
 public:
  explicit WidenedOut(TensorImpl& t) : target_(&t), t_(&t) {
    if (!is_small(t.dtype)) return;
    held_ = empty(t.sizes, compute_dtype(t.dtype));
    copy(t, *held_);
    t_ = held_.get();
  }
  TensorImpl& operator*() { return *t_; }
  void store() {
    if (held_) copy(*held_, *target_);
  }

 private:
  TensorImpl* target_;
  TensorImpl* t_;
  Tensor held_;
};

}  // namespace cgrad::kernels
