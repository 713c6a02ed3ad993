// Random kernels (no autograd): the engine is the standard mt19937 on the seed's low 32
// bits, its state survives torch's byte layout, and a bad state is refused.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

#include "kernels/random.h"

namespace cgrad {
namespace {

using kernels::RandomState;

TEST(RandomKernels, EngineIsTheStandardMt19937OnTheLow32Bits) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{5489}, uint64_t{123456789}, (uint64_t{1} << 40) + 7}) {
    kernels::Mt19937 ours(seed);
    std::mt19937 reference(static_cast<uint32_t>(seed));
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(ours(), reference()) << "seed " << seed << " draw " << i;
  }
}

TEST(RandomKernels, Random64TakesTheFirstDrawAsTheHighHalf) {
  RandomState a(3), b(3);
  const uint64_t hi = b.random32(), lo = b.random32();
  EXPECT_EQ(a.random64(), (hi << 32) | lo);
}

TEST(RandomKernels, StateRoundTripsThroughBytes) {
  RandomState a(11);
  for (int i = 0; i < 700; ++i) a.random32();
  a.standard_normal();  // leaves the second of the pair cached
  const std::vector<uint8_t> bytes = kernels::save_state(a);
  ASSERT_EQ(bytes.size(), kernels::kRandomStateBytes);
  RandomState b(0);
  kernels::load_state(b, bytes.data(), bytes.size());
  EXPECT_EQ(b.engine.seed_, uint64_t{11});
  EXPECT_EQ(a.standard_normal(), b.standard_normal());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.random32(), b.random32());
}

TEST(RandomKernels, BadStatesAreRefused) {
  RandomState s(1);
  std::vector<uint8_t> bytes = kernels::save_state(s);
  EXPECT_THROW(kernels::load_state(s, bytes.data(), bytes.size() - 8), std::runtime_error);
  bytes[8] = 0;  // left = 0
  bytes[9] = bytes[10] = bytes[11] = 0;
  EXPECT_THROW(kernels::load_state(s, bytes.data(), bytes.size()), std::runtime_error);
}

TEST(RandomKernels, UniformsStayInTheUnitInterval) {
  RandomState s(2);
  float f[4096];
  kernels::uniform_fill(s, f, 4096, 0.0f, 1.0f);
  for (float v : f) ASSERT_TRUE(v >= 0.0f && v < 1.0f);
}

}  // namespace
}  // namespace cgrad
