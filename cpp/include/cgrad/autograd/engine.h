#pragma once
// The backward executor: counts dependencies and runs nodes from a ready queue.
#include <functional>
#include <string>

#include "cgrad/autograd/node.h"

namespace cgrad {

// Seeds `roots` with `grad_roots` (undefined: ones for one-element roots) and runs the
// graph, accumulating into the leaves' `.grad` — only into `inputs`' when given.
void backward(const TensorList& roots, const TensorList& grad_roots, bool retain_graph,
              bool create_graph, const TensorList& inputs = {});

// d(roots)/d(inputs), weighted by grad_roots, without touching any `.grad`. An input
// the roots don't depend on raises unless allow_unused (then its gradient is undefined).
TensorList grad(const TensorList& roots, const TensorList& grad_roots, const TensorList& inputs,
                bool retain_graph, bool create_graph, bool allow_unused);

// Queues `callback` to run once the backward pass now running on this thread has run
// every node (torch's Variable._execution_engine.queue_callback); a callback may queue
// more. Outside a backward pass it throws.
void queue_final_callback(std::function<void()> callback);

}  // namespace cgrad
