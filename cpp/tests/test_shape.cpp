// Shape arithmetic: broadcasting, dim wrapping, reduction masks, strides, element counts.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "cgrad/errors.h"
#include "cgrad/shape.h"
#include "cgrad/tensor.h"

namespace cgrad {
namespace {

// The message of the exception `fn` throws as E (fails the test if it throws nothing).
template <class E, class F> std::string message_of(F&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

TEST(BroadcastShapes, SameShapeIsUnchanged) {
  EXPECT_EQ(broadcast_shapes({2, 3}, {2, 3}), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes({}, {}), Shape{});
}

TEST(BroadcastShapes, ExpandsSingletonsAndPrependsDims) {
  EXPECT_EQ(broadcast_shapes({}, {3}), (Shape{3}));
  EXPECT_EQ(broadcast_shapes({4}, {}), (Shape{4}));
  EXPECT_EQ(broadcast_shapes({2, 1}, {1, 3}), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes({3}, {2, 3}), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes({5, 1, 4}, {3, 1}), (Shape{5, 3, 4}));
  EXPECT_EQ(broadcast_shapes({1}, {7, 1, 2}), (Shape{7, 1, 2}));
}

TEST(BroadcastShapes, ZeroSizeBroadcastsOnlyAgainstOne) {
  EXPECT_EQ(broadcast_shapes({0}, {1}), (Shape{0}));
  EXPECT_EQ(broadcast_shapes({2, 0}, {2, 1}), (Shape{2, 0}));
  EXPECT_THROW(broadcast_shapes({0}, {3}), std::runtime_error);
}

TEST(BroadcastShapes, MismatchNamesSizesAndDimension) {
  EXPECT_EQ(message_of<std::runtime_error>([] { broadcast_shapes({2, 3}, {2, 4}); }),
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
            "dimension 1");
  // The dimension is counted in the broadcast result, as torch does.
  EXPECT_EQ(message_of<std::runtime_error>([] { broadcast_shapes({5, 2, 3}, {4}); }),
            "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
            "dimension 2");
  EXPECT_EQ(message_of<std::runtime_error>([] { broadcast_shapes({2, 3, 4}, {5, 1, 4}); }),
            "The size of tensor a (2) must match the size of tensor b (5) at non-singleton "
            "dimension 0");
}

TEST(WrapDim, WrapsNegativeDims) {
  EXPECT_EQ(wrap_dim(0, 3), 0);
  EXPECT_EQ(wrap_dim(2, 3), 2);
  EXPECT_EQ(wrap_dim(-1, 3), 2);
  EXPECT_EQ(wrap_dim(-3, 3), 0);
  // A 0-d tensor accepts 0 and -1.
  EXPECT_EQ(wrap_dim(0, 0), 0);
  EXPECT_EQ(wrap_dim(-1, 0), 0);
}

TEST(WrapDim, OutOfRangeIsIndexErrorInTorchWords) {
  EXPECT_EQ(message_of<IndexError>([] { wrap_dim(2, 2); }),
            "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_EQ(message_of<IndexError>([] { wrap_dim(-3, 2); }),
            "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  EXPECT_EQ(message_of<IndexError>([] { wrap_dim(1, 0); }),
            "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

TEST(DimMask, EmptyListMeansEveryDim) {
  EXPECT_EQ(dim_mask({}, 3), (std::vector<bool>{true, true, true}));
  EXPECT_TRUE(dim_mask({}, 0).empty());
}

TEST(DimMask, MarksWrappedDims) {
  EXPECT_EQ(dim_mask({0}, 3), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(dim_mask({-1, 0}, 3), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(dim_mask({0}, 0), std::vector<bool>{});  // a 0-d tensor reduced over dim 0
}

TEST(DimMask, DuplicatesAreRejected) {
  EXPECT_EQ(message_of<std::runtime_error>([] { dim_mask({1, -1}, 2); }),
            "dim 1 appears multiple times in the list of dims");
  EXPECT_EQ(message_of<std::runtime_error>([] { dim_mask({0, 0}, 3); }),
            "dim 0 appears multiple times in the list of dims");
  EXPECT_THROW(dim_mask({3}, 3), IndexError);
}

TEST(ContiguousStrides, RowMajor) {
  EXPECT_EQ(contiguous_strides({}), Shape{});
  EXPECT_EQ(contiguous_strides({5}), (Shape{1}));
  EXPECT_EQ(contiguous_strides({2, 3, 4}), (Shape{12, 4, 1}));
  EXPECT_EQ(contiguous_strides({5, 1}), (Shape{1, 1}));
  // Zero-size dims count as 1, as torch's empty(2, 0, 3).stride() == (3, 3, 1).
  EXPECT_EQ(contiguous_strides({2, 0, 3}), (Shape{3, 3, 1}));
}

TEST(Numel, CountsElements) {
  EXPECT_EQ(numel_of({}), 1);
  EXPECT_EQ(numel_of({2, 3, 4}), 24);
  EXPECT_EQ(numel_of({2, 0, 4}), 0);
  EXPECT_EQ(numel_of({0, std::numeric_limits<int64_t>::max()}), 0);
}

TEST(Numel, OverflowAndNegativeSizesThrow) {
  const int64_t big = int64_t(1) << 32;
  EXPECT_THROW(numel_of({big, big}), std::runtime_error);
  EXPECT_THROW(numel_of({std::numeric_limits<int64_t>::max(), 2}), std::runtime_error);
  EXPECT_THROW(numel_of({2, -1}), std::runtime_error);
  EXPECT_THROW(empty({big, big}, DType::Float32), std::runtime_error);
}

TEST(Numel, ByteCountOverflowThrows) {
  // 2^62 elements fit in int64, but 2^62 * 4 bytes do not: this must not wrap around to a
  // tiny allocation.
  EXPECT_THROW(empty({int64_t(1) << 62}, DType::Float32), std::runtime_error);
  EXPECT_THROW(empty({int64_t(1) << 61}, DType::Float64), std::runtime_error);
}

TEST(Numel, OverflowMessageIsTorchs) {
  const int64_t big = int64_t(1) << 40;
  EXPECT_EQ(message_of<std::runtime_error>([&] { numel_of({big, big}); }),
            "numel: integer multiplication overflow");
  EXPECT_EQ(message_of<std::runtime_error>([&] { empty({big, big}, DType::Float32); }),
            "Storage size calculation overflowed with sizes=[1099511627776, 1099511627776]");
}

TEST(Numel, LeftToRightAsTorch) {
  // A zero after an overflowing product still overflows; a leading zero never does.
  EXPECT_THROW(numel_of({int64_t(1) << 62, 4, 0}), std::runtime_error);
  EXPECT_EQ(numel_of({0, int64_t(1) << 62, 4}), 0);
  // The product is unsigned until the end: 2^63 passes on its way to 0, but not as a size.
  EXPECT_EQ(numel_of({int64_t(1) << 62, 2, 0}), 0);
  EXPECT_THROW(numel_of({int64_t(1) << 62, 2}), std::runtime_error);
}

TEST(Numel, TensorCountIsExactWithoutOverflowInPartialProducts) {
  // An empty view whose other dims multiply past int64 (Note [Element counts]).
  Tensor t = make_view(empty({1}, DType::Float32), {int64_t(1) << 62, 4, 0}, {0, 0, 0}, 0);
  EXPECT_EQ(t->numel(), 0);
  EXPECT_TRUE(t->is_contiguous());
}

TEST(ContiguousStrides, OverflowThrows) {
  EXPECT_EQ(message_of<std::runtime_error>([] { contiguous_strides({0, int64_t(1) << 62, 4}); }),
            "Stride calculation overflowed");
  EXPECT_EQ(contiguous_strides({int64_t(1) << 62, 0, 4}), (Shape{4, 4, 1}));
}

TEST(SaturatingMul, SaturatesInsteadOfOverflowing) {
  EXPECT_EQ(saturating_mul(6, 7), 42);
  EXPECT_EQ(saturating_mul(0, std::numeric_limits<int64_t>::max()), 0);
  EXPECT_EQ(saturating_mul(int64_t(1) << 62, 4), std::numeric_limits<int64_t>::max());
}

TEST(ShapeStr, TorchSpelling) {
  EXPECT_EQ(shape_str({}), "[]");
  EXPECT_EQ(shape_str({2, 3}), "[2, 3]");
}

}  // namespace
}  // namespace cgrad
