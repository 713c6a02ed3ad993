// torch's type promotion: the dtype lattice and the three tiers of result_type (tensors
// with dims, 0-d tensors, wrapped Python scalars), and the ops that follow them.
#include <gtest/gtest.h>

#include "cgrad/dtype.h"
#include "cgrad/ops.h"
#include "test_util.h"

namespace cgrad {
namespace {

using test::from_values;
using test::values_of;

constexpr DType kAll[] = {DType::Bool, DType::Int32, DType::Int64, DType::Float32,
                          DType::Float64};

TEST(PromoteTypes, Lattice) {
  EXPECT_EQ(promote_types(DType::Bool, DType::Bool), DType::Bool);
  EXPECT_EQ(promote_types(DType::Bool, DType::Int32), DType::Int32);
  EXPECT_EQ(promote_types(DType::Int32, DType::Int64), DType::Int64);
  EXPECT_EQ(promote_types(DType::Int64, DType::Float32), DType::Float32);
  EXPECT_EQ(promote_types(DType::Int32, DType::Float32), DType::Float32);
  EXPECT_EQ(promote_types(DType::Float32, DType::Float64), DType::Float64);
  EXPECT_EQ(promote_types(DType::Bool, DType::Float64), DType::Float64);
}

TEST(PromoteTypes, SymmetricAndIdempotent) {
  for (DType a : kAll) {
    EXPECT_EQ(promote_types(a, a), a);
    for (DType b : kAll) {
      EXPECT_EQ(promote_types(a, b), promote_types(b, a));
      DType r = promote_types(a, b);
      EXPECT_EQ(promote_types(r, a), r);  // the result is an upper bound of both
      EXPECT_EQ(promote_types(r, b), r);
    }
  }
}

// A tensor of `dtype` with dims (1-d), a 0-d tensor, or a wrapped Python scalar.
Tensor dim_tensor(DType dtype) { return from_values({2}, {1, 2}, dtype); }
Tensor zero_dim(DType dtype) { return from_values({}, {1}, dtype); }
Tensor wrapped(DType dtype) { return wrapped_scalar(1, dtype); }

TEST(ResultType, SameTierPromotesNormally) {
  for (DType a : kAll)
    for (DType b : kAll) {
      EXPECT_EQ(result_type(dim_tensor(a), dim_tensor(b)), promote_types(a, b));
      EXPECT_EQ(result_type(zero_dim(a), zero_dim(b)), promote_types(a, b));
    }
}

TEST(ResultType, WrappedScalarsRankLowest) {
  // int32 tensor + Python int stays int32.
  EXPECT_EQ(result_type(dim_tensor(DType::Int32), wrapped(DType::Int64)), DType::Int32);
  EXPECT_EQ(result_type(wrapped(DType::Int64), dim_tensor(DType::Int32)), DType::Int32);
  // int64 tensor + Python float gives the default float, not float64.
  EXPECT_EQ(result_type(dim_tensor(DType::Int64), wrapped(DType::Float64)), DType::Float32);
  EXPECT_EQ(result_type(dim_tensor(DType::Int32), wrapped(DType::Float64)), DType::Float32);
  // bool tensor + Python int gives int64; + Python bool stays bool.
  EXPECT_EQ(result_type(dim_tensor(DType::Bool), wrapped(DType::Int64)), DType::Int64);
  EXPECT_EQ(result_type(dim_tensor(DType::Bool), wrapped(DType::Bool)), DType::Bool);
  EXPECT_EQ(result_type(dim_tensor(DType::Int32), wrapped(DType::Bool)), DType::Int32);
  // float tensors keep their dtype against any scalar.
  EXPECT_EQ(result_type(dim_tensor(DType::Float32), wrapped(DType::Float64)), DType::Float32);
  EXPECT_EQ(result_type(dim_tensor(DType::Float64), wrapped(DType::Int64)), DType::Float64);
  EXPECT_EQ(result_type(dim_tensor(DType::Float32), wrapped(DType::Int64)), DType::Float32);
}

TEST(ResultType, ZeroDimTensorsRankBelowDimTensors) {
  // float32 n-d + float64 0-d gives float32; int32 n-d + int64 0-d gives int32.
  EXPECT_EQ(result_type(dim_tensor(DType::Float32), zero_dim(DType::Float64)), DType::Float32);
  EXPECT_EQ(result_type(zero_dim(DType::Float64), dim_tensor(DType::Float32)), DType::Float32);
  EXPECT_EQ(result_type(dim_tensor(DType::Int32), zero_dim(DType::Int64)), DType::Int32);
  // ... unless the 0-d tensor brings a higher category: then its own dtype counts.
  EXPECT_EQ(result_type(dim_tensor(DType::Int32), zero_dim(DType::Float64)), DType::Float64);
  EXPECT_EQ(result_type(dim_tensor(DType::Bool), zero_dim(DType::Int32)), DType::Int32);
  EXPECT_EQ(result_type(dim_tensor(DType::Int64), zero_dim(DType::Float32)), DType::Float32);
}

TEST(ResultType, ZeroDimTensorsRankAboveWrappedScalars) {
  EXPECT_EQ(result_type(zero_dim(DType::Int32), wrapped(DType::Int64)), DType::Int32);
  EXPECT_EQ(result_type(zero_dim(DType::Float64), wrapped(DType::Float64)), DType::Float64);
  EXPECT_EQ(result_type(zero_dim(DType::Int64), wrapped(DType::Float64)), DType::Float32);
  EXPECT_EQ(result_type(zero_dim(DType::Bool), wrapped(DType::Int64)), DType::Int64);
}

TEST(ResultType, TwoWrappedScalars) {
  EXPECT_EQ(result_type(wrapped(DType::Int64), wrapped(DType::Int64)), DType::Int64);
  EXPECT_EQ(result_type(wrapped(DType::Int64), wrapped(DType::Float64)), DType::Float32);
}

TEST(OpPromotion, ArithmeticFollowsResultType) {
  Tensor i32 = from_values({3}, {1, 2, 3}, DType::Int32);
  Tensor r = add(i32, wrapped_scalar(2, DType::Int64));
  EXPECT_EQ(r->dtype, DType::Int32);
  EXPECT_EQ(values_of(r), (std::vector<double>{3, 4, 5}));

  Tensor i64 = from_values({2}, {1, 2}, DType::Int64);
  r = mul(i64, wrapped_scalar(2.5, DType::Float64));
  EXPECT_EQ(r->dtype, DType::Float32);
  EXPECT_EQ(values_of(r), (std::vector<double>{2.5, 5.0}));

  Tensor f32 = from_values({2}, {1.5, 2.5}, DType::Float32);
  r = add(f32, from_values({}, {0.25}, DType::Float64));
  EXPECT_EQ(r->dtype, DType::Float32);
  EXPECT_EQ(values_of(r), (std::vector<double>{1.75, 2.75}));

  Tensor b = from_values({2}, {1, 0}, DType::Bool);
  r = add(b, wrapped_scalar(3, DType::Int64));
  EXPECT_EQ(r->dtype, DType::Int64);
  EXPECT_EQ(values_of(r), (std::vector<double>{4, 3}));
}

TEST(OpPromotion, DivisionIsTrueDivision) {
  Tensor a = from_values({2}, {1, 7}, DType::Int64);
  Tensor b = from_values({2}, {2, 2}, DType::Int32);
  Tensor r = div(a, b);
  EXPECT_EQ(r->dtype, DType::Float32);
  EXPECT_EQ(values_of(r), (std::vector<double>{0.5, 3.5}));
}

TEST(OpPromotion, ComparisonsComputeInThePromotedType) {
  // 1 (int) vs 1.5 (float): compared as floats, so not equal.
  Tensor a = from_values({2}, {1, 2}, DType::Int32);
  Tensor r = lt(a, wrapped_scalar(1.5, DType::Float64));
  EXPECT_EQ(r->dtype, DType::Bool);
  EXPECT_EQ(values_of(r), (std::vector<double>{1, 0}));
}

TEST(OpPromotion, ReductionAndUnaryDtypes) {
  EXPECT_EQ(sum(from_values({2}, {1, 2}, DType::Int32))->dtype, DType::Int64);
  EXPECT_EQ(sum(from_values({3}, {1, 0, 1}, DType::Bool))->dtype, DType::Int64);
  EXPECT_EQ(item_as_double(*sum(from_values({3}, {1, 0, 1}, DType::Bool))), 2.0);
  EXPECT_EQ(sum(from_values({2}, {1, 2}, DType::Float64))->dtype, DType::Float64);
  EXPECT_EQ(sum(from_values({2}, {1, 2}, DType::Int32), std::nullopt, false, DType::Float64)->dtype,
            DType::Float64);
  EXPECT_EQ(sin(from_values({2}, {1, 2}, DType::Int64))->dtype, DType::Float32);
  EXPECT_EQ(abs(from_values({2}, {-1, 2}, DType::Int32))->dtype, DType::Int32);
  EXPECT_THROW(mean(from_values({2}, {1, 2}, DType::Int64)), std::runtime_error);
}

TEST(OpPromotion, WherePromotesBranches) {
  Tensor cond = from_values({2}, {1, 0}, DType::Bool);
  Tensor r = where(cond, from_values({2}, {1, 2}, DType::Int32),
                   from_values({2}, {0.5, 0.5}, DType::Float64));
  EXPECT_EQ(r->dtype, DType::Float64);
  EXPECT_EQ(values_of(r), (std::vector<double>{1, 0.5}));
}

}  // namespace
}  // namespace cgrad
