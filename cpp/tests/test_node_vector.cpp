// NodeVector (a node's edges, input metas and saved tensors): append, grow, move, destroy.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "cgrad/autograd/node_vector.h"

namespace cgrad {
namespace {

TEST(NodeVector, AppendsAndGrowsKeepingEntries) {
  NodeVector<std::string> v;
  EXPECT_TRUE(v.empty());
  for (int i = 0; i < 20; ++i) v.push_back(std::string(30, static_cast<char>('a' + i)));
  ASSERT_EQ(v.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(v[i], std::string(30, static_cast<char>('a' + i)));
  int seen = 0;
  for (const std::string& s : v) seen += s.size() == 30;
  EXPECT_EQ(seen, 20);
}

TEST(NodeVector, AppendsACopyOfItsOwnEntryWhileGrowing) {
  NodeVector<std::string> v;
  v.reserve(1);
  v.push_back(std::string(40, 'x'));
  v.push_back(v[0]);  // the block holding v[0] is freed by the growth
  v.emplace_back(v[1]);
  EXPECT_EQ(v[1], std::string(40, 'x'));
  EXPECT_EQ(v[2], std::string(40, 'x'));
}

TEST(NodeVector, DestroysEachEntryOnce) {
  auto counted = std::make_shared<int>(0);
  {
    NodeVector<std::shared_ptr<int>> v;
    for (int i = 0; i < 9; ++i) v.push_back(counted);  // grows several times
    EXPECT_EQ(counted.use_count(), 10);
    NodeVector<std::shared_ptr<int>> moved(std::move(v));
    EXPECT_TRUE(v.empty());
    EXPECT_EQ(counted.use_count(), 10);
    NodeVector<std::shared_ptr<int>> assigned;
    assigned.push_back(counted);
    assigned = std::move(moved);
    EXPECT_EQ(assigned.size(), 9u);
    EXPECT_EQ(counted.use_count(), 10);
  }
  EXPECT_EQ(counted.use_count(), 1);
}

}  // namespace
}  // namespace cgrad
