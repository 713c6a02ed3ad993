#pragma once
// Finite differences and pairwise distances (definitions in cpp/src/ops/differences.cpp
// and cpp/src/ops/distance.cpp).
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

// The n-th forward difference along dim, after `prepend` / `append` (may be null) are
// joined on; bool tensors take logical_xor for `-` (SubBackward0 over SliceBackward0).
Tensor diff(const Tensor& self, int64_t n, int64_t dim, const Tensor& prepend,
            const Tensor& append);

// How cdist computes p = 2 distances: torch's compute_mode.
enum class CdistMode { MmIfNecessary, AlwaysMm, NeverMm };
// The p-norm distance between each row of x1 [..., P, M] and each row of x2 [..., R, M]:
// [..., P, R], batch dims broadcast. p = 2 on more than 25 rows (or AlwaysMm) goes
// through a matrix product, as torch's (ViewBackward0 over EuclideanDistBackward0);
// otherwise CdistBackward0.
Tensor cdist(const Tensor& x1, const Tensor& x2, double p, CdistMode mode);
// The p-norm of x1 - x2 + eps over the last dim (of the broadcast shape), composed as
// torch's: NormBackward1 <- AddBackward1 <- SubBackward0.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim);

}  // namespace cgrad
