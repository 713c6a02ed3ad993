// Every backward formula against float64 central finite differences, once (gradcheck) and,
// for the non-linear ops, twice through create_graph (gradgradcheck).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "cgrad/autograd/engine.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/ops.h"
#include "test_util.h"

namespace cgrad {
namespace {

using Fn = std::function<Tensor(const TensorList&)>;

constexpr double kEps = 1e-6;

// Deterministic values spread over [lo, hi).
std::vector<double> spread(int64_t n, double lo, double hi, int salt) {
  std::vector<double> v(n);
  for (int64_t k = 0; k < n; ++k) {
    double s = std::sin(12.9898 * static_cast<double>(k + 1) + 78.233 * salt) * 43758.5453;
    v[k] = lo + (hi - lo) * (s - std::floor(s));
  }
  return v;
}

Tensor input(const Shape& sizes, double lo, double hi, int salt) {
  return test::leaf(sizes, spread(numel_of(sizes), lo, hi, salt), DType::Float64);
}

// Fixed weights of `sizes` so the loss sum(out * w) sees every output element differently.
Tensor weights(const Shape& sizes, int salt) {
  return test::from_values(sizes, spread(numel_of(sizes), 0.5, 1.5, salt), DType::Float64);
}

void clear_grads(const TensorList& inputs) {
  for (const Tensor& t : inputs)
    if (t->autograd) t->autograd->grad.reset();
}

// Gradients of sum(f(inputs) * w) with respect to every input (zeros where none flowed).
TensorList first_grads(const Fn& f, const TensorList& inputs, bool create_graph) {
  clear_grads(inputs);
  Tensor out = f(inputs);
  Tensor loss = sum(mul(out, weights(out->sizes, 7)));
  backward({loss}, {}, /*retain_graph=*/create_graph, create_graph);
  TensorList grads;
  for (const Tensor& t : inputs) {
    Tensor g = t->autograd ? t->autograd->grad : Tensor();
    grads.push_back(g ? g : full(t->sizes, 0.0, t->dtype));
  }
  clear_grads(inputs);
  return grads;
}

double loss_of(const Fn& f, const TensorList& inputs) {
  GradModeGuard no_grad(false);
  Tensor out = f(inputs);
  return item_as_double(*sum(mul(out, weights(out->sizes, 7))));
}

// Central differences of `scalar_fn` with respect to every element of every input,
// perturbing the leaves' buffers directly.
std::vector<std::vector<double>> numeric_grads(const std::function<double()>& scalar_fn,
                                               const TensorList& inputs) {
  std::vector<std::vector<double>> out;
  for (const Tensor& t : inputs) {
    std::vector<double> g(t->numel());
    double* p = t->data<double>();
    for (int64_t k = 0; k < t->numel(); ++k) {
      const double saved = p[k];
      p[k] = saved + kEps;
      double plus = scalar_fn();
      p[k] = saved - kEps;
      double minus = scalar_fn();
      p[k] = saved;
      g[k] = (plus - minus) / (2 * kEps);
    }
    out.push_back(std::move(g));
  }
  return out;
}

void expect_grads_match(const TensorList& analytic, const std::vector<std::vector<double>>& numeric,
                        const std::string& what) {
  ASSERT_EQ(analytic.size(), numeric.size());
  for (size_t i = 0; i < analytic.size(); ++i) {
    ASSERT_EQ(analytic[i]->numel(), static_cast<int64_t>(numeric[i].size())) << what;
    for (size_t k = 0; k < numeric[i].size(); ++k) {
      double a = item_as_double(*analytic[i], static_cast<int64_t>(k));
      double n = numeric[i][k];
      EXPECT_NEAR(a, n, 1e-5 + 1e-4 * std::fabs(n))
          << what << ": input " << i << " element " << k;
    }
  }
}

void gradcheck(const std::string& name, const Fn& f, const TensorList& inputs) {
  TensorList analytic = first_grads(f, inputs, /*create_graph=*/false);
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_EQ(analytic[i]->sizes, inputs[i]->sizes) << name << " input " << i;
  expect_grads_match(analytic, numeric_grads([&] { return loss_of(f, inputs); }, inputs), name);
}

// Checks the gradient of S(x) = sum_i sum(g_i(x) * v_i), g = first_grads, where the
// analytic side differentiates the first backward's own graph (create_graph=True).
void gradgradcheck(const std::string& name, const Fn& f, const TensorList& inputs) {
  TensorList g = first_grads(f, inputs, /*create_graph=*/true);
  Tensor s = scalar_tensor(0.0, DType::Float64);
  for (size_t i = 0; i < g.size(); ++i) s = add(s, sum(mul(g[i], weights(g[i]->sizes, 11 + i))));
  ASSERT_TRUE(s->requires_grad()) << name << ": the first gradient has no graph";
  clear_grads(inputs);
  backward({s}, {}, false, false);
  TensorList analytic;
  for (const Tensor& t : inputs) {
    Tensor gg = t->autograd ? t->autograd->grad : Tensor();
    analytic.push_back(gg ? gg : full(t->sizes, 0.0, t->dtype));
  }
  clear_grads(inputs);
  auto s_of = [&] {
    TensorList gs = first_grads(f, inputs, false);
    double total = 0;
    for (size_t i = 0; i < gs.size(); ++i)
      total += item_as_double(*sum(mul(gs[i], weights(gs[i]->sizes, 11 + i))));
    return total;
  };
  expect_grads_match(analytic, numeric_grads(s_of, inputs), name + " (second order)");
}

Tensor c(double v) { return wrapped_scalar(v, DType::Float64); }

struct Case {
  std::string name;
  Fn f;
  std::function<TensorList()> make_inputs;  // fresh leaves per check
  bool second_order;
};

std::vector<Case> cases() {
  auto one = [](Shape s, double lo, double hi) {
    return [=] { return TensorList{input(s, lo, hi, 1)}; };
  };
  auto two = [](Shape sa, Shape sb, double lo, double hi) {
    return [=] { return TensorList{input(sa, lo, hi, 1), input(sb, lo, hi, 2)}; };
  };
  return {
      {"add broadcast", [](auto& x) { return add(x[0], x[1]); }, two({2, 3}, {3}, -2, 2), false},
      {"sub broadcast", [](auto& x) { return sub(x[0], x[1]); }, two({2, 1}, {1, 3}, -2, 2), false},
      {"rsub", [](auto& x) { return rsub(x[0], x[1]); }, two({3}, {2, 3}, -2, 2), false},
      {"rsub scalar", [](auto& x) { return rsub(x[0], c(2.0)); }, one({2, 3}, -2, 2), false},
      {"mul broadcast", [](auto& x) { return mul(x[0], x[1]); }, two({2, 1}, {1, 3}, -2, 2), true},
      {"mul 0-d", [](auto& x) { return mul(x[0], x[1]); }, two({2, 3}, {}, -2, 2), true},
      {"mul self", [](auto& x) { return mul(x[0], x[0]); }, one({4}, -2, 2), true},
      {"div broadcast", [](auto& x) { return div(x[0], x[1]); }, two({3}, {2, 3}, 0.5, 2), true},
      {"pow tensor tensor", [](auto& x) { return pow(x[0], x[1]); }, two({2, 3}, {3}, 0.5, 2), true},
      {"pow tensor scalar", [](auto& x) { return pow(x[0], c(2.5)); }, one({2, 3}, 0.5, 2), true},
      {"pow tensor int scalar", [](auto& x) { return pow(x[0], c(3.0)); }, one({5}, -2, 2), true},
      {"pow scalar tensor", [](auto& x) { return pow(c(1.7), x[0]); }, one({2, 3}, -1, 1), true},
      {"neg", [](auto& x) { return neg(x[0]); }, one({3}, -2, 2), false},
      {"reciprocal", [](auto& x) { return reciprocal(x[0]); }, one({2, 2}, 0.5, 2), true},
      {"sin", [](auto& x) { return sin(x[0]); }, one({2, 3}, -3, 3), true},
      {"cos", [](auto& x) { return cos(x[0]); }, one({2, 3}, -3, 3), true},
      {"exp", [](auto& x) { return exp(x[0]); }, one({2, 3}, -2, 2), true},
      {"log", [](auto& x) { return log(x[0]); }, one({2, 3}, 0.3, 3), true},
      {"tanh", [](auto& x) { return tanh(x[0]); }, one({2, 3}, -2, 2), true},
      {"sigmoid", [](auto& x) { return sigmoid(x[0]); }, one({2, 3}, -3, 3), true},
      {"relu", [](auto& x) { return relu(x[0]); }, one({2, 3}, -2, 2), false},
      {"sqrt", [](auto& x) { return sqrt(x[0]); }, one({2, 3}, 0.3, 3), true},
      {"abs", [](auto& x) { return abs(x[0]); }, one({2, 3}, -2, 2), false},
      {"where", [](auto& x) {
         Tensor cond = test::from_values({2, 3}, {1, 0, 1, 0, 0, 1}, DType::Bool);
         return where(cond, x[0], x[1]);
       }, two({3}, {2, 1}, -2, 2), false},
      {"sum all", [](auto& x) { return sum(mul(x[0], x[0])); }, one({2, 3}, -2, 2), true},
      {"sum dim", [](auto& x) { return sum(x[0], DimList{1}); }, one({2, 3, 2}, -2, 2), false},
      {"sum dims keepdim", [](auto& x) { return sum(x[0], DimList{0, -1}, true); },
       one({2, 3, 2}, -2, 2), false},
      {"mean all", [](auto& x) { return mean(x[0]); }, one({2, 3}, -2, 2), false},
      {"mean dim", [](auto& x) { return mean(x[0], DimList{0}); }, one({2, 3}, -2, 2), false},
      {"mean dim keepdim", [](auto& x) { return mean(x[0], DimList{-1}, true); },
       one({2, 3}, -2, 2), false},
      {"norm 2", [](auto& x) { return norm(x[0]); }, one({2, 3}, -2, 2), true},
      {"norm 2 dim", [](auto& x) { return norm(x[0], 2.0, DimList{1}); }, one({2, 3}, -2, 2), true},
      {"norm 1", [](auto& x) { return norm(x[0], 1.0); }, one({2, 3}, -2, 2), false},
      {"norm 3 dim keepdim", [](auto& x) { return norm(x[0], 3.0, DimList{0}, true); },
       one({2, 3}, -2, 2), true},
      {"norm inf dim", [](auto& x) {
         return norm(x[0], std::numeric_limits<double>::infinity(), DimList{1});
       }, one({2, 3}, -2, 2), false},
      {"norm -inf", [](auto& x) { return norm(x[0], -std::numeric_limits<double>::infinity()); },
       one({2, 3}, -2, 2), false},
      {"expand", [](auto& x) { return expand(x[0], {4, 2, 3}); }, one({2, 1}, -2, 2), false},
      {"reshape", [](auto& x) { return reshape(x[0], {3, -1}); }, one({2, 3}, -2, 2), false},
      {"reshape of expanded", [](auto& x) { return reshape(expand(x[0], {2, 3}), {6}); },
       one({3}, -2, 2), false},
      {"unsqueeze", [](auto& x) { return unsqueeze(x[0], -1); }, one({2, 3}, -2, 2), false},
      {"clone", [](auto& x) { return clone(x[0]); }, one({2, 3}, -2, 2), false},
      {"sum_to", [](auto& x) { return sum_to(x[0], {3}); }, one({2, 3}, -2, 2), false},
      {"composite", [](auto& x) {
         return div(mul(sin(x[0]), exp(x[1])), add(mul(x[0], x[0]), c(1.0)));
       }, two({2, 3}, {3}, -1, 1), true},
  };
}

TEST(GradCheck, FirstOrder) {
  for (const Case& k : cases()) gradcheck(k.name, k.f, k.make_inputs());
}

TEST(GradCheck, SecondOrderThroughCreateGraph) {
  for (const Case& k : cases())
    if (k.second_order) gradgradcheck(k.name, k.f, k.make_inputs());
}

}  // namespace
}  // namespace cgrad
