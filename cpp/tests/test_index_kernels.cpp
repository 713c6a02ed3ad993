// Offset-table kernels (no autograd): blocks are read and written through strides,
// repeated entries overwrite in order or accumulate, and nonzero lists row-major
// coordinates with NaN counted and -0.0 not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/index.h"
#include "test_util.h"

namespace cgrad {
namespace {

using kernels::OffsetTable;
using test::from_values;
using test::values_of;

OffsetTable table(const std::vector<int64_t>& offsets, const Shape& block = {},
                  const Shape& block_strides = {}) {
  OffsetTable t(static_cast<int64_t>(offsets.size()), block, block_strides);
  std::copy(offsets.begin(), offsets.end(), t.offsets.get());
  return t;
}

// A 3x4 tensor holding 0..11, seen transposed (4x3, strides {1, 4}).
Tensor transposed_3x4() {
  Tensor base = from_values({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  return make_view(base, {4, 3}, {1, 4}, 0);
}

TEST(IndexKernels, GatherBlocksFollowTheBlockStrides) {
  Tensor src = transposed_3x4();
  // Rows 3 and 1 of the 4x3 view: blocks of 3 elements, 4 apart in memory.
  Tensor out = empty({2, 3}, DType::Float32);
  kernels::gather_blocks(*src, table({3, 1}, {3}, {4}), *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{3, 7, 11, 1, 5, 9}));
}

TEST(IndexKernels, GatherSingleElementsWithAnOffsetSource) {
  Tensor base = from_values({6}, {10, 11, 12, 13, 14, 15}, DType::Int64);
  Tensor src = make_view(base, {4}, {1}, 2);  // offsets count from src's first element
  Tensor out = empty({3}, DType::Int64);
  kernels::gather_blocks(*src, table({3, 0, 3}), *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{15, 12, 15}));
}

TEST(IndexKernels, GatherMergesContiguousBlockDims) {
  Tensor src = from_values({2, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, DType::Float64);
  Tensor out = empty({2, 2, 3}, DType::Float64);
  kernels::gather_blocks(*src, table({6, 0}, {2, 3}, {3, 1}), *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5}));
}

TEST(IndexKernels, ScatterLastWriteWinsOrAccumulates) {
  Tensor values = from_values({3}, {1, 2, 4});
  Tensor dst = from_values({2}, {10, 20});
  kernels::scatter_blocks(*dst, table({1, 1, 0}), *values, false);
  EXPECT_EQ(values_of(dst), (std::vector<double>{4, 2}));
  kernels::scatter_blocks(*dst, table({1, 1, 0}), *values, true);
  EXPECT_EQ(values_of(dst), (std::vector<double>{8, 5}));
}

TEST(IndexKernels, ScatterWritesThroughAStridedDestination) {
  Tensor dst = transposed_3x4();
  // Row 2 of the 4x3 view.
  kernels::scatter_blocks(*dst, table({2}, {3}, {4}), *from_values({3}, {-1, -2, -3}), false);
  EXPECT_EQ(values_of(dst), (std::vector<double>{0, 4, 8, 1, 5, 9, -1, -2, -3, 3, 7, 11}));
}

TEST(IndexKernels, IntegerAccumulationWrapsAndBoolOrs) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  Tensor dst = empty({1}, DType::Int64);
  dst->data<int64_t>()[0] = max;
  Tensor one = from_values({1}, {1}, DType::Int64);
  kernels::scatter_blocks(*dst, table({0}), *one, true);
  EXPECT_EQ(dst->data<int64_t>()[0], std::numeric_limits<int64_t>::min());
  Tensor flags = from_values({2}, {1, 0}, DType::Bool);
  kernels::scatter_blocks(*flags, table({0, 1}), *from_values({2}, {1, 0}, DType::Bool), true);
  EXPECT_EQ(values_of(flags), (std::vector<double>{1, 0}));
}

TEST(IndexKernels, EmptyBlocksAndTablesMoveNothing) {
  Tensor dst = from_values({2}, {1, 2});
  kernels::scatter_blocks(*dst, table({0, 1}, {0}, {1}), *empty({0}, DType::Float32), false);
  kernels::scatter_blocks(*dst, table({}), *empty({0}, DType::Float32), false);
  EXPECT_EQ(values_of(dst), (std::vector<double>{1, 2}));
}

TEST(IndexKernels, NonzeroListsRowMajorCoordinates) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor a = from_values({2, 3}, {0, nan, -0.0, 2, 0, -1});
  ASSERT_EQ(kernels::count_nonzero(*a), 3);
  Tensor out = empty({3, 2}, DType::Int64);
  kernels::nonzero(*a, *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{0, 1, 1, 0, 1, 2}));
  Tensor t = transposed_3x4();  // 0 sits at [0, 0] of the view
  EXPECT_EQ(kernels::count_nonzero(*t), 11);
  Tensor scalar = from_values({}, {5}, DType::Int32);
  EXPECT_EQ(kernels::count_nonzero(*scalar), 1);
}

}  // namespace
}  // namespace cgrad
