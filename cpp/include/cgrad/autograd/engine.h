#pragma once
// The backward executor: counts dependencies and runs nodes from a ready queue.
#include "cgrad/autograd/node.h"

namespace cgrad {

// Seeds `roots` with `grad_roots` (undefined: ones for one-element roots) and runs the
// graph, accumulating into the leaves' `.grad`.
void backward(const TensorList& roots, const TensorList& grad_roots, bool retain_graph,
              bool create_graph);

}  // namespace cgrad
