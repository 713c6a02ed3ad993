#pragma once
// The differentiable operations, one header per area under cgrad/ops/. Each op checks
// its inputs, promotes dtypes, broadcasts, runs a kernel and — only when grad mode is on
// and an input requires grad — records a node named as torch names it. Definitions live
// in cpp/src/ops/<area>.cpp, each op's backward formula beside its forward.
#include <initializer_list>

#include "cgrad/ops/activation.h"
#include "cgrad/ops/arithmetic.h"
#include "cgrad/ops/binary.h"
#include "cgrad/ops/convolution.h"
#include "cgrad/ops/copy.h"
#include "cgrad/ops/creation.h"
#include "cgrad/ops/dense_linalg.h"
#include "cgrad/ops/differences.h"
#include "cgrad/ops/element_selection.h"
#include "cgrad/ops/embedding.h"
#include "cgrad/ops/indexing.h"
#include "cgrad/ops/inplace.h"
#include "cgrad/ops/join.h"
#include "cgrad/ops/linalg.h"
#include "cgrad/ops/loss.h"
#include "cgrad/ops/math_functions.h"
#include "cgrad/ops/normalization.h"
#include "cgrad/ops/padding.h"
#include "cgrad/ops/random.h"
#include "cgrad/ops/reduction.h"
#include "cgrad/ops/resample.h"
#include "cgrad/ops/search.h"
#include "cgrad/ops/selection.h"
#include "cgrad/ops/shape_ops.h"
#include "cgrad/ops/sorting.h"
#include "cgrad/ops/special_functions.h"
#include "cgrad/ops/tensor_products.h"
#include "cgrad/ops/unary.h"
#include "cgrad/ops/unique.h"
#include "cgrad/ops/view.h"

namespace cgrad {

// torch's result dtype for a binary op (tiers: dim tensors, 0-d tensors, Python scalars).
DType result_type(const Tensor& a, const Tensor& b);
// The same over any number of operands; null tensors are skipped.
DType result_type(std::initializer_list<const Tensor*> operands);

}  // namespace cgrad
