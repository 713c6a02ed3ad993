#pragma once
// embedding: rows of a weight table picked by integer indices (EmbeddingBackward0).
#include <optional>

#include "cgrad/tensor.h"

namespace cgrad {

// weight[indices] with shape indices.sizes + [D]; rows at padding_idx (already wrapped
// to [0, num_embeddings), or nullopt) get no gradient.
Tensor embedding(const Tensor& weight, const Tensor& indices,
                 std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace cgrad
