// Scalar: numbers kept in their own kind down to the typed store (Note [Exact integer
// scalars]), and torch's range check for the ops that store a number as it is.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "cgrad/scalar.h"
#include "cgrad/tensor.h"

namespace cgrad {
namespace {

constexpr int64_t kBig = (int64_t(1) << 60) + 1;  // a double rounds it to 2**60

TEST(Scalar, KeepsItsKind) {
  EXPECT_EQ(Scalar(true).kind(), Scalar::Kind::Bool);
  EXPECT_EQ(Scalar(3).kind(), Scalar::Kind::Int);
  EXPECT_EQ(Scalar(int64_t{3}).kind(), Scalar::Kind::Int);
  EXPECT_EQ(Scalar(0.5).kind(), Scalar::Kind::Float);
  EXPECT_EQ(Scalar(0.5f).kind(), Scalar::Kind::Float);
  EXPECT_EQ(Scalar(true).natural_dtype(), DType::Bool);
  EXPECT_EQ(Scalar(3).natural_dtype(), DType::Int64);
  EXPECT_EQ(Scalar(0.5).natural_dtype(), DType::Float64);
}

TEST(Scalar, IntegersStayExact) {
  EXPECT_EQ(Scalar(kBig).to<int64_t>(), kBig);
  EXPECT_EQ(Scalar(std::numeric_limits<int64_t>::min()).to_int64(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Scalar(kBig).to<double>(), 1152921504606846976.0);  // as double, rounded
  EXPECT_EQ(Scalar(2.75).to<int64_t>(), 2);
  EXPECT_TRUE(Scalar(0.5).to<bool>());
  EXPECT_FALSE(Scalar(0).to<bool>());
}

TEST(Scalar, ScalarTensorsAreExact) {
  EXPECT_EQ(item_as_int64(*scalar_tensor(kBig, DType::Int64)), kBig);
  EXPECT_EQ(item_as_int64(*wrapped_scalar(-kBig, DType::Int64)), -kBig);
  Scalar back = item_as_scalar(*scalar_tensor(kBig, DType::Int64));
  EXPECT_EQ(back.kind(), Scalar::Kind::Int);
  EXPECT_EQ(back.to_int64(), kBig);
  EXPECT_EQ(item_as_scalar(*scalar_tensor(0.25, DType::Float32)).to_double(), 0.25);
}

TEST(Scalar, FitsAsTorchChecks) {
  EXPECT_TRUE(Scalar(int64_t{1} << 40).fits(DType::Int64));
  EXPECT_FALSE(Scalar(int64_t{1} << 40).fits(DType::Int32));
  EXPECT_TRUE(Scalar(std::numeric_limits<int32_t>::min()).fits(DType::Int32));
  EXPECT_FALSE(Scalar(1e20).fits(DType::Int32));
  EXPECT_FALSE(Scalar(NAN).fits(DType::Int64));
  // int64's max rounds up to 2**63 as a double, and torch lets that pass; above it, not.
  EXPECT_TRUE(Scalar(9.223372036854775808e18).fits(DType::Int64));  // 2**63
  EXPECT_FALSE(Scalar(9.3e18).fits(DType::Int64));
  EXPECT_TRUE(Scalar(-9.223372036854775808e18).fits(DType::Int64));  // -2**63
  EXPECT_FALSE(Scalar(1e300).fits(DType::Float32));
  EXPECT_TRUE(Scalar(INFINITY).fits(DType::Float32));
  EXPECT_TRUE(Scalar(NAN).fits(DType::Float32));
  EXPECT_TRUE(Scalar(1e300).fits(DType::Bool));
}

TEST(Scalar, CheckUsesTorchsMessage) {
  try {
    check_scalar_fits(Scalar(int64_t{1} << 40), DType::Int32);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "value cannot be converted to type int without overflow");
  }
  EXPECT_NO_THROW(check_scalar_fits(Scalar(kBig), DType::Int64));
}

}  // namespace
}  // namespace cgrad
