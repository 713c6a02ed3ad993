#pragma once
// searchsorted's binary search (kernels/search.cpp).
#include "cgrad/tensor.h"

namespace cgrad::kernels {

// For every element of `values` (contiguous, last dim m), the insertion index into its row of
// `sorted` (contiguous, last dim n; one row shared by all when `sorted` is 1-d, else the
// row of the same leading index), read through `sorter` (contiguous Int64 as `sorted`, or
// null). Both inputs share a dtype; `out` (contiguous, values' shape) is Int64 or Int32.
void searchsorted(const TensorImpl& sorted, const TensorImpl& values, const TensorImpl* sorter,
                  bool right, TensorImpl& out);

}  // namespace cgrad::kernels
