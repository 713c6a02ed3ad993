#pragma once
// Padding: a constant border (ConstantPadNdBackward0), or one made of the input's own
// edge values, reflected or replicated (ReflectionPad<k>DBackward0 /
// ReplicationPad<k>DBackward0).
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad {

// `pad` = (left, right) pairs from the last dim backwards, as nn.functional.pad takes
// them; negative amounts crop.
Tensor constant_pad_nd(const Tensor& input, const std::vector<int64_t>& pad, double value);

enum class EdgePadMode { Reflect, Replicate };
// The last pad.size() / 2 dims padded with mirrored (edge excluded) or repeated edge
// values; the checks of nn.functional.pad are the caller's.
Tensor edge_pad(const Tensor& input, const std::vector<int64_t>& pad, EdgePadMode mode);

}  // namespace cgrad
