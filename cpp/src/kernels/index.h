#pragma once
// Kernels behind x[indices], index_put, index_select/index_add, gather/scatter and
// nonzero. No autograd and no bounds checks: the op layer validates every index while
// building the offset table.
#include <memory>
#include <utility>

#include "cgrad/tensor.h"

namespace cgrad::kernels {

// Note [Offset tables]: every indexing op moves, for each outer position o, one block of
// elements that starts at element offsets[o] of a strided tensor (relative to its data())
// and spans `block` with strides `block_strides`. The other side is contiguous, the
// blocks laid out one after another in table order. gather/scatter move one element per
// entry (empty block); x[idx] moves the dims its indices leave alone as the block, so a
// row of a contiguous tensor is one inner loop rather than one table entry per element.
struct OffsetTable {
  // `count` entries, left uninitialised for the op to fill (zeroing them first would
  // cost a pass over a table as long as the result).
  OffsetTable(int64_t count, Shape block = {}, Shape block_strides = {})
      : offsets(new int64_t[count]), count(count), block(std::move(block)),
        block_strides(std::move(block_strides)) {}

  std::unique_ptr<int64_t[]> offsets;
  int64_t count;
  Shape block;
  Shape block_strides;
};

// out (contiguous, src's dtype) <- the blocks of src.
void gather_blocks(const TensorImpl& src, const OffsetTable& table, TensorImpl& out);
// The blocks of dst <- values (contiguous, dst's dtype), in table order: where entries
// repeat, the last write wins, or with `accumulate` every value is added.
void scatter_blocks(TensorImpl& dst, const OffsetTable& table, const TensorImpl& values,
                    bool accumulate);

int64_t count_nonzero(const TensorImpl& a);
// out: contiguous int64 [count_nonzero(a), a.dim()], the row-major coordinates of a's
// nonzero elements (NaN counts as nonzero, -0.0 does not).
void nonzero(const TensorImpl& a, TensorImpl& out);

}  // namespace cgrad::kernels
