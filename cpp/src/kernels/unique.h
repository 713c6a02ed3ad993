#pragma once
// Kernels of unique and unique_consecutive, on the rows of a contiguous [n, width] input
// (one row per element for the flattened input, one per slice along dim otherwise).
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

// The rows' indices sorted lexicographically (Note [unique_dim order]) into `order`.
void lexicographic_order(const TensorImpl& rows, int64_t n, int64_t width, int64_t* order);
// Reads the rows in `order` (null: as they are) and groups equal neighbours: a row starts
// a new group when any element is unequal to the previous row's (NaN is unequal to
// everything, itself included). Gives the row that starts each group (`first`), each
// group's size (`counts`), and the group of every row (`inverse`, indexed by row).
void consecutive_groups(const TensorImpl& rows, int64_t n, int64_t width, const int64_t* order,
                        std::vector<int64_t>& first, std::vector<int64_t>& counts,
                        int64_t* inverse);

}  // namespace cgrad::kernels
