#pragma once
// A same-dtype copy of any strided region, negative strides included, into a contiguous
// tensor: the kernel behind flip, roll and repeat.
#include "cgrad/tensor.h"

namespace cgrad::kernels {

// The region: `sizes` elements of `src`'s storage from element `offset` (relative to the
// storage's start) with `strides`, which may be negative or zero. dst is contiguous,
// of src's dtype and `sizes`.
struct StridedRegion {
  const TensorImpl* src;
  Shape sizes;
  Shape strides;
  int64_t offset;
};
void copy_region(const StridedRegion& region, TensorImpl& dst);

}  // namespace cgrad::kernels
