// The backward engine: gradients of small graphs, accumulation, retain_graph, grad mode,
// saved-tensor version checks, and graphs deep enough to break any recursion.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "cgrad/autograd/engine.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/autograd/node.h"
#include "cgrad/errors.h"
#include "cgrad/ops.h"
#include "test_util.h"

namespace cgrad {
namespace {

using test::from_values;
using test::leaf;
using test::values_of;

Tensor scalar(double v) { return wrapped_scalar(v, DType::Float64); }

void run_backward(const Tensor& root, bool retain_graph = false, bool create_graph = false) {
  backward({root}, {}, retain_graph, create_graph);
}

const Tensor& grad_of(const Tensor& t) {
  static const Tensor none;
  return t->autograd ? t->autograd->grad : none;
}

std::vector<double> grad_values(const Tensor& t) {
  const Tensor& g = grad_of(t);
  EXPECT_TRUE(g) << "no gradient";
  return g ? values_of(g) : std::vector<double>{};
}

// The message of the std::runtime_error `fn` throws ("" and a failure if none).
template <class F> std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected std::runtime_error";
  return "";
}

// ---- gradients of small graphs ----

TEST(Backward, MulAddGraph) {
  Tensor x = leaf({3}, {1, 2, 3});
  Tensor y = leaf({3}, {4, 5, 6});
  run_backward(sum(add(mul(x, y), x)));
  EXPECT_EQ(grad_values(x), (std::vector<double>{5, 6, 7}));  // y + 1
  EXPECT_EQ(grad_values(y), (std::vector<double>{1, 2, 3}));  // x
}

TEST(Backward, RecordsTorchNodeNamesAndEdges) {
  Tensor x = leaf({2}, {1, 2});
  Tensor z = add(mul(x, scalar(2.0)), x);
  ASSERT_TRUE(z->grad_fn());
  EXPECT_STREQ(z->grad_fn()->name(), "AddBackward0");
  EXPECT_FALSE(z->is_leaf());
  EXPECT_TRUE(z->requires_grad());
  const auto& edges = z->grad_fn()->next_edges();
  ASSERT_EQ(edges.size(), 2u);
  EXPECT_STREQ(edges[0].node->name(), "MulBackward0");
  EXPECT_STREQ(edges[1].node->name(), "torch::autograd::AccumulateGrad");
  // A leaf has one accumulator, shared by every use.
  EXPECT_EQ(edges[1].node, edges[0].node->next_edges()[0].node);
  EXPECT_FALSE(edges[0].node->next_edges()[1].is_valid());  // the constant needs no grad
  EXPECT_STREQ(sum(z)->grad_fn()->name(), "SumBackward0");
  EXPECT_STREQ(sum(z, DimList{0})->grad_fn()->name(), "SumBackward1");
  EXPECT_STREQ(mean(z)->grad_fn()->name(), "MeanBackward0");
}

TEST(Backward, SumAndMean) {
  Tensor x = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  run_backward(mean(x));
  for (double g : grad_values(x)) EXPECT_FLOAT_EQ(g, 1.0 / 6.0);

  Tensor w = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  run_backward(sum(mean(w, DimList{1})));
  for (double g : grad_values(w)) EXPECT_FLOAT_EQ(g, 1.0 / 3.0);

  Tensor v = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  // sum over dim 0 keeping it, then weight the three columns differently.
  Tensor s = sum(v, DimList{0}, /*keepdim=*/true);
  EXPECT_EQ(s->sizes, (Shape{1, 3}));
  run_backward(sum(mul(s, from_values({1, 3}, {1, 10, 100}))));
  EXPECT_EQ(grad_values(v), (std::vector<double>{1, 10, 100, 1, 10, 100}));
}

TEST(Backward, BroadcastingSumsGradientsBack) {
  Tensor x = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = leaf({3}, {0, 0, 0});
  run_backward(sum(add(x, b)));
  EXPECT_EQ(grad_values(x), (std::vector<double>(6, 1.0)));
  EXPECT_EQ(grad_of(b)->sizes, (Shape{3}));
  EXPECT_EQ(grad_values(b), (std::vector<double>{2, 2, 2}));

  Tensor col = leaf({2, 1}, {1, 2});
  Tensor row = leaf({1, 3}, {1, 2, 3});
  Tensor s = leaf({}, {5});
  run_backward(sum(mul(add(col, row), s)));
  EXPECT_EQ(grad_of(col)->sizes, (Shape{2, 1}));
  EXPECT_EQ(grad_values(col), (std::vector<double>{15, 15}));
  EXPECT_EQ(grad_values(row), (std::vector<double>{10, 10, 10}));
  EXPECT_EQ(grad_of(s)->sizes, Shape{});
  EXPECT_EQ(grad_values(s), (std::vector<double>{21}));  // sum of col + row over 2x3

  Tensor m = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor r = leaf({3}, {1, 1, 1});
  run_backward(sum(mul(m, r)));
  EXPECT_EQ(grad_values(r), (std::vector<double>{5, 7, 9}));  // column sums of m
}

TEST(Backward, DiamondAndSharedInputs) {
  // c = (2x) * (3x) = 6x^2: both paths reach x's accumulator once each.
  Tensor x = leaf({2}, {1, -2});
  run_backward(sum(mul(mul(x, scalar(2.0)), mul(x, scalar(3.0)))));
  EXPECT_EQ(grad_values(x), (std::vector<double>{12, -24}));
  // x * x: one node, both edges into the same accumulator.
  Tensor y = leaf({2}, {3, 4});
  run_backward(sum(mul(y, y)));
  EXPECT_EQ(grad_values(y), (std::vector<double>{6, 8}));
}

TEST(Backward, SeveralRootsAndExplicitGrads) {
  Tensor x = leaf({2}, {1, 2});
  Tensor a = sum(mul(x, scalar(2.0)));
  Tensor b = sum(mul(x, scalar(3.0)));
  backward({a, b}, {}, false, false);
  EXPECT_EQ(grad_values(x), (std::vector<double>{5, 5}));

  Tensor w = leaf({3}, {1, 2, 3});
  Tensor y = mul(w, w);
  backward({y}, {from_values({3}, {1, 0.5, -1})}, false, false);
  EXPECT_EQ(grad_values(w), (std::vector<double>{2, 2, -6}));
}

TEST(Backward, OnlyInputsThatRequireGradGetOne) {
  Tensor x = leaf({2}, {1, 2});
  Tensor c = from_values({2}, {3, 4});
  run_backward(sum(mul(x, c)));
  EXPECT_EQ(grad_values(x), (std::vector<double>{3, 4}));
  EXPECT_FALSE(grad_of(c));
}

TEST(Backward, GradientTakesTheLeafDtype) {
  Tensor x = leaf({2}, {1, 2}, DType::Float32);
  Tensor y = from_values({2}, {0.5, 0.25}, DType::Float64);
  Tensor z = mul(x, y);
  EXPECT_EQ(z->dtype, DType::Float64);
  run_backward(sum(z));
  EXPECT_EQ(grad_of(x)->dtype, DType::Float32);
  EXPECT_EQ(grad_values(x), (std::vector<double>{0.5, 0.25}));
}

TEST(Backward, LeafRoot) {
  Tensor x = leaf({}, {3});
  run_backward(x);
  EXPECT_EQ(grad_values(x), (std::vector<double>{1}));
}

TEST(Backward, RootErrors) {
  Tensor c = from_values({}, {1});
  EXPECT_NE(error_of([&] { run_backward(c); }).find("does not require grad"), std::string::npos);
  Tensor x = leaf({2}, {1, 2});
  EXPECT_NE(error_of([&] { run_backward(mul(x, x)); })
                .find("grad can be implicitly created only for scalar outputs"),
            std::string::npos);
}

TEST(Backward, CreateGraphGivesSecondDerivative) {
  Tensor x = leaf({}, {2.0}, DType::Float64);
  Tensor y = mul(mul(x, x), x);  // x^3
  // The gradient's own graph reads the forward's saved tensors, so they are retained
  // (torch's Python API defaults retain_graph to create_graph).
  run_backward(y, /*retain_graph=*/true, /*create_graph=*/true);
  Tensor g = grad_of(x);
  ASSERT_TRUE(g);
  EXPECT_EQ(item_as_double(*g), 12.0);  // 3x^2
  EXPECT_TRUE(g->requires_grad());
  EXPECT_TRUE(g->grad_fn());
  x->autograd->grad.reset();
  run_backward(g);
  EXPECT_EQ(item_as_double(*grad_of(x)), 12.0);  // 6x
}

TEST(Backward, SavedOutputsFormNoCycle) {
  Tensor x = leaf({2}, {0.0, 1.0}, DType::Float64);
  Tensor y = exp(x);  // ExpBackward0 saves its own output
  std::weak_ptr<Node> node = y->grad_fn();
  run_backward(sum(y), /*retain_graph=*/true);
  EXPECT_EQ(grad_values(x), (std::vector<double>{1.0, std::exp(1.0)}));
  y.reset();
  EXPECT_TRUE(node.expired());
}

// ---- accumulation and retain_graph ----

TEST(Accumulation, TwoBackwardCallsAddUp) {
  Tensor x = leaf({2}, {1, 2});
  run_backward(sum(mul(x, scalar(3.0))));
  Tensor first = grad_of(x);
  run_backward(sum(mul(x, scalar(3.0))));
  EXPECT_EQ(grad_values(x), (std::vector<double>{6, 6}));
  EXPECT_EQ(grad_of(x), first);  // accumulated in place into the same tensor
}

TEST(Accumulation, GradientIsNotAliasedToABroadcastBuffer) {
  // sum's backward expands a scalar: the leaf's .grad must own distinct elements so a
  // later in-place accumulation does not write through a stride-0 view.
  Tensor x = leaf({3}, {1, 2, 3});
  run_backward(sum(x));
  run_backward(sum(mul(x, from_values({3}, {1, 2, 3}))));
  EXPECT_EQ(grad_values(x), (std::vector<double>{2, 3, 4}));
}

TEST(RetainGraph, SecondBackwardNeedsIt) {
  Tensor x = leaf({3}, {1, 2, 3});
  Tensor y = leaf({3}, {4, 5, 6});
  Tensor z = sum(add(mul(x, y), x));
  run_backward(z, /*retain_graph=*/true);
  run_backward(z);  // allowed: the graph was retained; this one frees it
  EXPECT_EQ(grad_values(x), (std::vector<double>{10, 12, 14}));
  std::string msg = error_of([&] { run_backward(z); });
  EXPECT_NE(msg.find("backward through the graph a second time"), std::string::npos) << msg;
  EXPECT_EQ(grad_values(x), (std::vector<double>{10, 12, 14}));
}

TEST(RetainGraph, GraphWithoutSavedTensorsCanRunTwice) {
  // As in torch: only saved tensors are freed, so add/sum graphs may be reused.
  Tensor x = leaf({2}, {1, 2});
  Tensor z = sum(add(x, x));
  run_backward(z);
  run_backward(z);
  EXPECT_EQ(grad_values(x), (std::vector<double>{4, 4}));
}

TEST(RetainGraph, SavedTensorsAreReleasedAfterBackward) {
  Tensor x = leaf({3}, {1, 2, 3});
  Tensor w = from_values({3}, {4, 5, 6});
  Tensor z = sum(mul(x, w));
  EXPECT_EQ(w.use_count(), 2);  // saved by MulBackward0
  run_backward(z, /*retain_graph=*/true);
  EXPECT_EQ(w.use_count(), 2);
  run_backward(z);
  EXPECT_EQ(w.use_count(), 1);
}

// ---- grad mode ----

TEST(GradMode, NothingRecordedWhenDisabled) {
  Tensor x = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(GradMode::is_enabled());
  {
    GradModeGuard no_grad(false);
    EXPECT_FALSE(GradMode::is_enabled());
    const Tensor outs[] = {add(x, x),   mul(x, scalar(2.0)), sin(x),        exp(x),
                           sum(x),      mean(x, DimList{0}), norm(x),
                           to_dtype(x, DType::Float64), where(gt(x, scalar(2.0)), x, x)};
    for (const Tensor& t : outs) {
      EXPECT_FALSE(t->grad_fn());
      EXPECT_FALSE(t->requires_grad());
    }
    // Views record no node either, but require grad with their base, as in torch.
    const Tensor views[] = {expand(x, {4, 2, 3}), reshape(x, {6}), unsqueeze(x, 0)};
    for (const Tensor& t : views) {
      EXPECT_FALSE(t->grad_fn());
      EXPECT_TRUE(t->requires_grad());
      EXPECT_TRUE(t->is_leaf());
    }
    {
      GradModeGuard enable(true);
      EXPECT_TRUE(add(x, x)->grad_fn());
    }
    EXPECT_FALSE(GradMode::is_enabled());
  }
  EXPECT_TRUE(GradMode::is_enabled());
  // An unrecorded op makes no AccumulateGrad node for its leaf.
  Tensor y = leaf({2}, {1, 2});
  {
    GradModeGuard no_grad(false);
    mul(y, y);
  }
  EXPECT_TRUE(y->autograd->grad_accumulator.expired());
}

TEST(GradMode, GuardRestoresOnException) {
  try {
    GradModeGuard no_grad(false);
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(GradMode::is_enabled());
}

// ---- saved tensors and in-place writes ----

TEST(SavedTensor, InPlaceWriteBumpsVersion) {
  Tensor w = from_values({3}, {1, 2, 3});
  EXPECT_EQ(w->version->get(), 0u);
  fill_(w, 2.0);
  EXPECT_EQ(w->version->get(), 1u);
  add_(w, from_values({3}, {1, 1, 1}));
  EXPECT_EQ(w->version->get(), 2u);
  Tensor v = detach(w);  // views share the counter
  fill_(v, 0.0);
  EXPECT_EQ(w->version->get(), 3u);
}

TEST(SavedTensor, ModifiedOtherOperandMakesBackwardThrow) {
  Tensor x = leaf({3}, {1, 2, 3});
  Tensor w = from_values({3}, {4, 5, 6});
  Tensor z = sum(mul(x, w));  // saves w for x's gradient
  {
    GradModeGuard no_grad(false);
    fill_(w, 0.0);
  }
  std::string msg = error_of([&] { run_backward(z); });
  EXPECT_NE(msg.find("modified by an inplace operation"), std::string::npos) << msg;
  // torch's wording: an input saved by MulBackward0 is named by its type and shape only.
  EXPECT_NE(msg.find("[torch.FloatTensor [3]] is at version 1; expected version 0"),
            std::string::npos) << msg;
}

TEST(SavedTensor, ModifiedLeafUnderNoGradMakesBackwardThrow) {
  Tensor x = leaf({3}, {0.1, 0.2, 0.3});
  Tensor z = sum(sin(x));  // saves x
  {
    GradModeGuard no_grad(false);
    add_(x, from_values({3}, {1, 1, 1}));
  }
  std::string msg = error_of([&] { run_backward(z); });
  EXPECT_NE(msg.find("modified by an inplace operation"), std::string::npos) << msg;
}

TEST(SavedTensor, ModifiedSavedOutputMakesBackwardThrow) {
  Tensor x = leaf({2}, {0.5, 1.0});
  Tensor y = exp(x);  // ExpBackward0 saves y itself
  Tensor z = sum(y);
  {
    GradModeGuard no_grad(false);
    fill_(y, 1.0);
  }
  std::string msg = error_of([&] { run_backward(z); });
  EXPECT_NE(msg.find("modified by an inplace operation"), std::string::npos) << msg;
  EXPECT_NE(msg.find("which is output 0 of Exp, is at version 1"), std::string::npos) << msg;
}

TEST(SavedTensor, WriteThroughAViewIsNoticed) {
  Tensor x = leaf({2}, {1, 2});
  Tensor w = from_values({2}, {3, 4});
  Tensor z = sum(mul(x, w));
  Tensor view = make_view(w, {1}, {1}, 1);
  fill_(view, 9.0);  // w needs no grad: allowed even in grad mode
  EXPECT_THROW(run_backward(z), std::runtime_error);
}

TEST(SavedTensor, UnmodifiedGraphStillWorksAfterUnrelatedWrite) {
  Tensor x = leaf({2}, {1, 2});
  Tensor w = from_values({2}, {3, 4});
  Tensor other = from_values({2}, {0, 0});
  Tensor z = sum(mul(x, w));
  fill_(other, 1.0);
  run_backward(z);
  EXPECT_EQ(grad_values(x), (std::vector<double>{3, 4}));
}

TEST(SavedTensor, InPlaceOnLeafRequiringGradIsRefused) {
  Tensor x = leaf({2}, {1, 2});
  std::string msg = error_of([&] { fill_(x, 0.0); });
  EXPECT_NE(msg.find("a leaf Variable that requires grad is being used in an in-place operation"),
            std::string::npos)
      << msg;
}

// ---- deep graphs: no recursion in sorting, running or destroying ----

constexpr int kDepth = 100000;

TEST(DeepGraph, MulChainRunsAndIsDestroyed) {
  Tensor x = leaf({}, {1.0}, DType::Float64);
  Tensor y = x;
  for (int i = 0; i < kDepth; ++i) y = mul(y, scalar(1.0001));
  std::weak_ptr<Node> top = y->grad_fn();
  double want = 1.0;
  for (int i = 0; i < kDepth; ++i) want *= 1.0001;
  EXPECT_NEAR(item_as_double(*y), want, 1e-9 * want);
  run_backward(y);
  EXPECT_NEAR(item_as_double(*grad_of(x)), want, 1e-9 * want);
  y.reset();
  EXPECT_TRUE(top.expired());
}

TEST(DeepGraph, AddChainAccumulatesIntoOneLeaf) {
  Tensor x = leaf({2}, {1.0, 2.0}, DType::Float64);
  Tensor y = x;
  for (int i = 0; i < kDepth; ++i) y = add(y, x);
  run_backward(sum(y));
  EXPECT_EQ(grad_values(x), (std::vector<double>(2, kDepth + 1.0)));
}

TEST(DeepGraph, UnusedChainWithSavedTensorsIsDestroyed) {
  // Each MulBackward0 saves the previous output, so the chain is also held through saved
  // tensors, not only through edges. Dropping the last output frees it all.
  Tensor x = leaf({}, {1.0}, DType::Float64);
  Tensor y = x;
  for (int i = 0; i < kDepth; ++i) y = mul(y, x);
  std::weak_ptr<Node> top = y->grad_fn();
  y.reset();
  EXPECT_TRUE(top.expired());
  EXPECT_EQ(x.use_count(), 1);
}

}  // namespace
}  // namespace cgrad
