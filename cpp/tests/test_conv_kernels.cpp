// Convolution and pooling kernels (no autograd) against direct loops: im2col + gemm
// forward, the input and weight gradients as adjoints of the forward (<y, conv(x, w)> =
// <conv_input_grad(y, w), x> = <conv_weight_grad(x, y), w>), pooling windows, indices and
// the NaN rule.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/convolution.h"
#include "test_util.h"

namespace cgrad {
namespace {

using kernels::AxisWindows;
using kernels::ConvGeometry;
using test::from_values;
using test::values_of;

std::vector<double> random_values(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = dist(gen);
  return v;
}

ConvGeometry geometry(int64_t n, int64_t c, int64_t o, int64_t groups, int64_t h, int64_t w,
                      int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
  ConvGeometry g{};
  g.batch = n; g.in_channels = c; g.out_channels = o; g.groups = groups;
  g.in_h = h; g.in_w = w; g.kernel_h = k; g.kernel_w = k;
  g.stride_h = g.stride_w = stride; g.pad_h = g.pad_w = pad; g.dilation_h = g.dilation_w = dilation;
  g.out_h = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  g.out_w = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  return g;
}

// The convolution written as its definition.
std::vector<double> direct_conv(const ConvGeometry& g, const std::vector<double>& x,
                                const std::vector<double>& w, const std::vector<double>& b) {
  const int64_t og = g.out_channels / g.groups, cg = g.in_channels / g.groups;
  std::vector<double> y(g.batch * g.out_channels * g.out_h * g.out_w, 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t i = 0; i < g.out_h; ++i)
        for (int64_t j = 0; j < g.out_w; ++j) {
          double s = b.empty() ? 0.0 : b[o];
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t kh = 0; kh < g.kernel_h; ++kh)
              for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t r = i * g.stride_h - g.pad_h + kh * g.dilation_h;
                const int64_t q = j * g.stride_w - g.pad_w + kw * g.dilation_w;
                if (r < 0 || r >= g.in_h || q < 0 || q >= g.in_w) continue;
                const int64_t ci = (o / og) * cg + c;
                s += x[((n * g.in_channels + ci) * g.in_h + r) * g.in_w + q] *
                     w[((o * cg + c) * g.kernel_h + kh) * g.kernel_w + kw];
              }
          y[((n * g.out_channels + o) * g.out_h + i) * g.out_w + j] = s;
        }
  return y;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

class ConvKernels : public ::testing::TestWithParam<ConvGeometry> {};

TEST_P(ConvKernels, ForwardMatchesTheDefinition) {
  const ConvGeometry g = GetParam();
  const int64_t cg = g.in_channels / g.groups;
  auto xv = random_values(g.batch * g.in_channels * g.in_h * g.in_w, 1);
  auto wv = random_values(g.out_channels * cg * g.kernel_h * g.kernel_w, 2);
  auto bv = random_values(g.out_channels, 3);
  Tensor x = from_values({g.batch, g.in_channels, g.in_h, g.in_w}, xv, DType::Float64);
  Tensor w = from_values({g.out_channels, cg, g.kernel_h, g.kernel_w}, wv, DType::Float64);
  Tensor b = from_values({g.out_channels}, bv, DType::Float64);
  Tensor y = empty({g.batch, g.out_channels, g.out_h, g.out_w}, DType::Float64);
  kernels::conv2d(g, *x, *w, b.get(), *y);
  auto expected = direct_conv(g, xv, wv, bv);
  auto got = values_of(y);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-12) << i;
}

TEST_P(ConvKernels, BackwardKernelsAreTheForwardsAdjoints) {
  const ConvGeometry g = GetParam();
  const int64_t cg = g.in_channels / g.groups;
  auto xv = random_values(g.batch * g.in_channels * g.in_h * g.in_w, 4);
  auto wv = random_values(g.out_channels * cg * g.kernel_h * g.kernel_w, 5);
  auto yv = random_values(g.batch * g.out_channels * g.out_h * g.out_w, 6);
  Tensor x = from_values({g.batch, g.in_channels, g.in_h, g.in_w}, xv, DType::Float64);
  Tensor w = from_values({g.out_channels, cg, g.kernel_h, g.kernel_w}, wv, DType::Float64);
  Tensor y = from_values({g.batch, g.out_channels, g.out_h, g.out_w}, yv, DType::Float64);
  Tensor gx = empty(x->sizes, DType::Float64), gw = empty(w->sizes, DType::Float64);
  kernels::conv2d_backward_input(g, *y, *w, *gx);
  kernels::conv2d_backward_weight(g, *x, *y, *gw);
  const double forward = dot(yv, direct_conv(g, xv, wv, {}));
  EXPECT_NEAR(dot(values_of(gx), xv), forward, 1e-9);
  EXPECT_NEAR(dot(values_of(gw), wv), forward, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Geometries, ConvKernels, ::testing::Values(
    geometry(2, 3, 4, 1, 6, 5, 3, 1, 1, 1),    // padded 3x3
    geometry(2, 4, 6, 2, 7, 7, 3, 2, 1, 1),    // groups, stride
    geometry(1, 2, 3, 1, 9, 8, 3, 1, 0, 2),    // dilation
    geometry(3, 5, 2, 1, 4, 3, 1, 1, 0, 1),    // 1x1: no unfolding
    geometry(2, 3, 3, 3, 5, 6, 2, 3, 1, 1),    // depthwise, stride > kernel
    geometry(1, 2, 3, 1, 3, 33, 3, 1, 1, 1),    // wide rows: gemm panels across output rows
    geometry(2, 4, 6, 2, 5, 40, 3, 1, 3, 1)));  // padding past the kernel, groups, wide rows

TEST(PoolKernels, MaxPoolPicksTheMaximumAndItsIndex) {
  // One 3x4 plane, 2x2 windows with stride 2: [[0, 5, 2, 1], [3, 4, 7, 6], [8, 9, 10, 11]].
  Tensor x = from_values({1, 3, 4}, {0, 5, 2, 1, 3, 4, 7, 6, 8, 9, 10, 11});
  AxisWindows rows{{0}, {2}, 1}, cols{{0, 2}, {2, 4}, 1};
  Tensor out = empty({1, 1, 2}, DType::Float32), idx = empty({1, 1, 2}, DType::Int64);
  kernels::max_pool2d(*x, rows, cols, *out, *idx);
  EXPECT_EQ(values_of(out), (std::vector<double>{5, 7}));
  EXPECT_EQ(values_of(idx), (std::vector<double>{1, 6}));
}

TEST(PoolKernels, MaxPoolNanWinsAndMinusInfReportsTheFirstPosition) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  Tensor x = from_values({2, 2, 2}, {nan, 1, nan, 2, -inf, -inf, -inf, -inf});
  AxisWindows all{{0}, {2}, 1};
  Tensor out = empty({2, 1, 1}, DType::Float32), idx = empty({2, 1, 1}, DType::Int64);
  kernels::max_pool2d(*x, all, all, *out, *idx);
  EXPECT_TRUE(std::isnan(values_of(out)[0]));
  EXPECT_EQ(values_of(idx), (std::vector<double>{2, 0}));  // the last NaN; the first -inf
}

TEST(PoolKernels, ScatterAndGatherThroughIndicesAreAdjoint) {
  Tensor idx = from_values({1, 3}, {2, 0, 2}, DType::Int64);
  Tensor g = from_values({1, 3}, {1, 2, 3});
  Tensor gx = empty({1, 4}, DType::Float32);
  kernels::max_pool2d_backward(*g, *idx, *gx);
  EXPECT_EQ(values_of(gx), (std::vector<double>{2, 0, 4, 0}));  // repeated index accumulates
  Tensor back = empty({1, 3}, DType::Float32);
  kernels::gather_planes(*from_values({1, 4}, {10, 20, 30, 40}), *idx, *back);
  EXPECT_EQ(values_of(back), (std::vector<double>{30, 10, 30}));
}

TEST(PoolKernels, AveragePoolDividesByTheGivenDivisorsAndSpreadsBack) {
  Tensor x = from_values({1, 2, 3}, {1, 2, 3, 4, 5, 6});
  AxisWindows rows{{0}, {2}, 1}, cols{{0, 1}, {2, 3}, 1};  // overlapping windows
  const std::vector<double> divisors{4, 2};
  Tensor out = empty({1, 1, 2}, DType::Float32);
  kernels::avg_pool2d(*x, rows, cols, divisors, *out);
  EXPECT_EQ(values_of(out), (std::vector<double>{3, 8}));
  Tensor gx = empty({1, 2, 3}, DType::Float32);
  kernels::avg_pool2d_backward(*from_values({1, 1, 2}, {4, 2}), rows, cols, divisors, *gx);
  EXPECT_EQ(values_of(gx), (std::vector<double>{1, 2, 1, 1, 2, 1}));
}

}  // namespace
}  // namespace cgrad
