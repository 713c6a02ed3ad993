// SmallVector (Shape's storage): inline up to N values, spilling to the heap past them,
// with std::vector's behaviour for every operation the shape code uses.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "cgrad/small_vector.h"

namespace cgrad {
namespace {

using SV = SmallVector<int64_t, 4>;

std::vector<int64_t> as_vector(const SV& v) { return std::vector<int64_t>(v.begin(), v.end()); }

TEST(SmallVector, KeepsValuesInlineUpToItsCapacity) {
  SV v{1, 2, 3, 4};
  EXPECT_EQ(v.capacity(), 4u);
  EXPECT_GE(v.data(), reinterpret_cast<const int64_t*>(&v));
  EXPECT_LT(v.data(), reinterpret_cast<const int64_t*>(&v + 1));
  v.push_back(5);  // spills
  EXPECT_GT(v.capacity(), 4u);
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

TEST(SmallVector, ConstructorsMatchStdVector) {
  EXPECT_EQ(as_vector(SV(3)), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(as_vector(SV(6, 7)), std::vector<int64_t>(6, 7));
  const std::vector<int64_t> src{5, 6, 7, 8, 9, 10};
  EXPECT_EQ(as_vector(SV(src.begin(), src.end())), src);
  EXPECT_EQ(as_vector(SV(src.begin() + 4, src.end())), (std::vector<int64_t>{9, 10}));
  EXPECT_TRUE(SV().empty());
}

TEST(SmallVector, CopyAndMoveInlineAndSpilled) {
  for (size_t n : {0u, 2u, 4u, 9u}) {
    SV a;
    for (size_t i = 0; i < n; ++i) a.push_back(static_cast<int64_t>(i * 10));
    const std::vector<int64_t> want = as_vector(a);
    SV copy(a);
    EXPECT_EQ(as_vector(copy), want);
    SV moved(std::move(a));
    EXPECT_EQ(as_vector(moved), want);
    EXPECT_TRUE(a.empty());  // as a moved-from std::vector
    SV assigned{1};
    assigned = moved;
    EXPECT_EQ(as_vector(assigned), want);
    SV move_assigned{1, 2, 3, 4, 5, 6};
    move_assigned = std::move(moved);
    EXPECT_EQ(as_vector(move_assigned), want);
    move_assigned = move_assigned;  // self-assignment keeps the values
    EXPECT_EQ(as_vector(move_assigned), want);
  }
}

TEST(SmallVector, InsertEraseResizeAsStdVector) {
  std::vector<int64_t> ref{1, 2, 3};
  SV v{1, 2, 3};
  auto same = [&] { EXPECT_EQ(as_vector(v), ref); };
  v.insert(v.begin() + 1, 9), ref.insert(ref.begin() + 1, 9), same();
  v.insert(v.begin(), 2, 8), ref.insert(ref.begin(), 2, 8), same();  // spills
  v.insert(v.end(), {4, 5}), ref.insert(ref.end(), {4, 5}), same();
  v.erase(v.begin() + 2), ref.erase(ref.begin() + 2), same();
  v.erase(v.begin(), v.begin() + 3), ref.erase(ref.begin(), ref.begin() + 3), same();
  v.resize(7, -1), ref.resize(7, -1), same();
  v.resize(2), ref.resize(2), same();
  v.pop_back(), ref.pop_back(), same();
  v.assign(5, 3), ref.assign(5, 3), same();
  v.assign({6, 7}), ref.assign({6, 7}), same();
  v.clear(), ref.clear(), same();
}

TEST(SmallVector, OperationsOnItsOwnValues) {
  SV v{1, 2, 3, 4};
  v.push_back(v[0]);  // the value lives in the block that growing frees
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{1, 2, 3, 4, 1}));
  v.insert(v.begin(), v.begin() + 1, v.begin() + 3);
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{2, 3, 1, 2, 3, 4, 1}));
  v.assign(v.begin() + 5, v.end());
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{4, 1}));
}

TEST(SmallVector, ConvertsBetweenInlineCapacities) {
  const SmallVector<int64_t, 2> narrow{1, 2, 3};  // spilled in the narrow one
  const SV wide = narrow;                          // inline in the wide one
  EXPECT_EQ(as_vector(wide), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(wide.capacity(), 4u);
}

TEST(SmallVector, ComparesAsStdVector) {
  EXPECT_EQ((SV{1, 2}), (SV{1, 2}));
  EXPECT_NE((SV{1, 2}), (SV{1, 2, 3}));
  EXPECT_NE((SV{1, 2}), (SV{1, 3}));
  EXPECT_LT((SV{1, 2}), (SV{1, 3}));
  EXPECT_LT((SV{1, 2}), (SV{1, 2, 0}));
}

}  // namespace
}  // namespace cgrad
