#pragma once
// embedding's dense backward: gradient rows summed into the table rows they came from.
#include "cgrad/tensor.h"

namespace cgrad::kernels {

// out (contiguous [rows, width], float32 or float64) = zeros with grad's row i added to
// row indices[i] for every i, in index order, as index_add_ into zeros adds them.
// grad: contiguous [n, width] in out's dtype; indices: contiguous n Int64 or Int32 values,
// all in [0, rows). Note [Embedding backward by table row].
void embedding_backward(const TensorImpl& grad, const TensorImpl& indices, TensorImpl& out);

}  // namespace cgrad::kernels
