// Random sampling. All draws come from one generator behind a mutex; each op takes the
// lock once and fills its whole output, so a seed fixes every sequence.
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>

#include "ops/common.h"

namespace cgrad {

namespace {

// Note [Random engine]: xoshiro256++ (Blackman and Vigna): 256 bits of state, period
// 2^256 - 1, passes BigCrush, and a draw is a few adds, shifts and rotates — several
// times cheaper than mt19937_64, whose draws dominated rand and randint. Seeds are spread
// over the state by splitmix64, as the authors recommend. (torch uses mt19937; matching
// its exact streams is not a goal, only reproducibility under manual_seed.)
class Engine {
 public:
  explicit Engine(uint64_t seed) { this->seed(seed); }

  void seed(uint64_t seed) {
    for (uint64_t& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t operator()() {
    uint64_t* s = state_;
    const uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace

// Note [Generators]: each Generator (torch.Generator) owns an engine behind a mutex;
// every sampling op draws from the default one (a fixed default seed makes a fresh
// process reproducible, as torch's default CPU generator), unless the thread holds a
// GeneratorGuard naming another — which is how `generator=` reaches every op without a
// parameter on each.
struct Generator::Impl {
  std::mutex mutex;
  Engine engine;
  uint64_t seed;
  explicit Impl(uint64_t s) : engine(s), seed(s) {}
};

Generator::Generator(uint64_t seed) : impl_(std::make_unique<Impl>(seed)) {}
Generator::~Generator() = default;

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->engine.seed(seed);
  impl_->seed = seed;
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->seed;
}

uint64_t Generator::seed() {
  const uint64_t s = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  manual_seed(s);
  return s;
}

Generator& default_generator() {
  static Generator* g = new Generator(67280421310721ULL);  // never destroyed: used at exit
  return *g;
}

namespace {
thread_local Generator* current_generator = nullptr;
}  // namespace

GeneratorGuard::GeneratorGuard(Generator* g) : previous_(current_generator) {
  current_generator = g;
}
GeneratorGuard::~GeneratorGuard() { current_generator = previous_; }

template <class F> void Generator::with_engine(F f) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  f(impl_->engine);
}

namespace {

template <class F> void with_engine(F f) {
  (current_generator ? *current_generator : default_generator()).with_engine(f);
}

// Uniform [0, 1) with the full mantissa of float when T is float, else of double.
template <class T> auto uniform01(Engine& e) {
  if constexpr (std::is_same_v<T, float>) return static_cast<float>(e() >> 40) * 0x1.0p-24f;
  else return static_cast<double>(e() >> 11) * 0x1.0p-53;
}

// Standard normal draws by Marsaglia's polar method: a point uniform in the unit disc
// gives two independent normals for one log and one sqrt (Box-Muller's sin/cos cost
// more than the rest of the draw). The second is kept for the next call; one object
// per sampling op, so a seed still fixes every op's values.
class StandardNormal {
 public:
  double operator()(Engine& e) {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform01<double>(e) - 1.0;
      v = 2.0 * uniform01<double>(e) - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double scale = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * scale;
    has_spare_ = true;
    return u * scale;
  }

 private:
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Uniform in [0, range) without bias, by Lemire's multiply-shift: the high half of
// draw * range, redrawn in the rare case the low half falls below 2^64 mod range.
uint64_t uniform_below(Engine& e, uint64_t range) {
  __uint128_t m = static_cast<__uint128_t>(e()) * range;
  if (static_cast<uint64_t>(m) < range) {
    const uint64_t threshold = (0 - range) % range;
    while (static_cast<uint64_t>(m) < threshold) m = static_cast<__uint128_t>(e()) * range;
  }
  return static_cast<uint64_t>(m >> 64);
}

// A fresh tensor whose elements are draw(engine, TypeTag<T>{}), in row-major order.
template <class Draw> Tensor sample(const Shape& sizes, DType dtype, Draw draw) {
  Tensor t = empty(sizes, dtype);
  const int64_t n = t->numel();
  with_engine([&](Engine& e) {
    dispatch(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* p = t->data<T>();
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(draw(e, tag));
    });
  });
  return t;
}

void require_floating(DType t, const char* kernel) {
  if (!is_floating(t))
    throw NotImplementedError(std::string("\"") + kernel + "\" not implemented for '" +
                             dtype_torch_name(t) + "'");
}

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void check_std(double stdev) {
  if (!(stdev >= 0.0))
    throw std::runtime_error("normal expects std >= 0.0, but found std " + num(stdev));
}

void check_p(double p, const char* op) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::runtime_error(std::string(op) + " expects p to be in [0, 1], but got p=" + num(p));
}

// Every element of `t` (any layout) passes `ok`.
template <class Ok> bool every(const Tensor& t, Ok ok) {
  Tensor d = empty(t->sizes, DType::Float64);
  kernels::copy(*t, *d);
  const double* p = d->data<double>();
  for (int64_t i = 0; i < d->numel(); ++i)
    if (!ok(p[i])) return false;
  return true;
}

// Sampling is not reparameterized: torch gives every input a zero gradient.
TensorList zero_grads(Node& n, TensorList& g) {
  TensorList zeros;
  for (const InputMeta& in : n.input_meta()) zeros.push_back(full(in.sizes, 0.0, g[0]->dtype));
  return zeros;
}

// Samples in self's shape and dtype as a new tensor for apply_inplace, recorded under
// torch's node name with self's old value (and a tensor p) as inputs.
template <class Draw>
Tensor resampled(const Tensor& self, const char* name, Draw draw, const Tensor& p = nullptr) {
  Tensor out = sample(self->sizes, self->dtype, draw);
  if (any_requires_grad({&self, &p}))
    set_history({out}, make_node(name, p ? TensorList{self, p} : TensorList{self}, zero_grads));
  return out;
}

// torch names C types in these messages ("out of bounds for float").
const char* c_type_name(DType t) { return t == DType::Float32 ? "float" : "double"; }

}  // namespace

Tensor rand(const Shape& sizes, DType dtype) {
  require_floating(dtype, "check_uniform_bounds");
  return sample(sizes, dtype, [](auto& e, auto tag) {
    return uniform01<typename decltype(tag)::type>(e);
  });
}

Tensor randn(const Shape& sizes, DType dtype) {
  require_floating(dtype, "normal_kernel_cpu");
  StandardNormal z;
  return sample(sizes, dtype, [&](auto& e, auto) { return z(e); });
}

Tensor randint(int64_t low, int64_t high, const Shape& sizes, DType dtype) {
  if (low >= high)
    throw std::runtime_error("random_ expects 'from' to be less than 'to', but got from=" +
                             std::to_string(low) + " >= to=" + std::to_string(high));
  // Narrow types must hold both ends (floats take any range, as torch allows).
  if (dtype == DType::Bool || dtype == DType::Int32) {
    const bool is_bool = dtype == DType::Bool;
    const int64_t lo = is_bool ? 0 : std::numeric_limits<int32_t>::min();
    const int64_t hi = is_bool ? 1 : std::numeric_limits<int32_t>::max();
    const std::string type = is_bool ? "bool" : "int";
    if (low < lo) throw std::runtime_error("from is out of bounds for " + type);
    if (high - 1 > hi) throw std::runtime_error("to - 1 is out of bounds for " + type);
  }
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  return sample(sizes, dtype, [&](auto& e, auto) {
    return static_cast<int64_t>(static_cast<uint64_t>(low) + uniform_below(e, range));
  });
}

Tensor randperm(int64_t n, DType dtype) {
  if (dtype == DType::Bool) throw NotImplementedError("\"randperm\" not implemented for 'Bool'");
  if (dtype == DType::Float32 && n > (int64_t{1} << 24) + 1)
    throw std::runtime_error("n cannot be greater than 2^24+1 for Float type.");
  Tensor t = empty({n}, dtype);
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), int64_t{0});
  with_engine([&](Engine& e) {  // Fisher-Yates
    for (int64_t i = n - 1; i > 0; --i)
      std::swap(perm[i], perm[uniform_below(e, static_cast<uint64_t>(i) + 1)]);
  });
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(perm[i]);
  });
  return t;
}

Tensor normal(double mean, double stdev, const Shape& sizes, DType dtype) {
  require_floating(dtype, "normal_kernel_cpu");
  check_std(stdev);
  StandardNormal z;
  return sample(sizes, dtype, [&](auto& e, auto) { return mean + stdev * z(e); });
}

Tensor normal(const Tensor& mean, const Tensor& stdev) {
  const bool mean_scalar = mean->is_wrapped_number, std_scalar = stdev->is_wrapped_number;
  if (mean_scalar && std_scalar)
    throw TypeError("normal(): with a number for both mean and std, a size is required");
  // The tensor argument (mean when both are) sets the dtype, as in torch.
  const DType dtype = mean_scalar ? stdev->dtype : mean->dtype;
  require_floating(dtype, "normal_kernel_cpu");
  if (std_scalar) check_std(item_as_double(*stdev));
  else if (!every(stdev, [](double s) { return s >= 0.0; }))
    throw std::runtime_error("normal expects all elements of std >= 0.0");
  Tensor z = randn(broadcast_shapes(mean->sizes, stdev->sizes), dtype);
  Tensor scaled = detail::binary_forward(kernels::BinaryOp::Mul, z, stdev, dtype, dtype);
  Tensor out = detail::binary_forward(kernels::BinaryOp::Add, scaled, mean, dtype, dtype);
  if (any_requires_grad({&mean, &stdev})) {
    TensorList inputs;
    if (!mean_scalar) inputs.push_back(mean);
    if (!std_scalar) inputs.push_back(stdev);
    const char* name = mean_scalar  ? "NormalBackward2"
                       : std_scalar ? "NormalBackward1"
                                    : "NormalBackward3";
    set_history({out}, make_node(name, inputs, zero_grads));
  }
  return out;
}

Tensor bernoulli(const Tensor& p) {
  require_floating(p->dtype, "bernoulli_tensor_cpu_p_");
  if (!every(p, [](double v) { return v >= 0.0 && v <= 1.0; }))
    throw std::runtime_error("bernoulli expects all elements of p to be in [0, 1]");
  Tensor probs = empty(p->sizes, DType::Float64);
  kernels::copy(*p, *probs);
  const double* pp = probs->data<double>();
  int64_t i = 0;
  Tensor out = sample(p->sizes, p->dtype,
                      [&](auto& e, auto) { return uniform01<double>(e) < pp[i++]; });
  if (any_requires_grad({&p}))
    set_history({out}, make_node("BernoulliBackward0", {p}, zero_grads));
  return out;
}

Tensor bernoulli(const Tensor& input, double p) {
  check_p(p, "bernoulli_");
  Tensor out = sample(input->sizes, input->dtype,
                      [&](auto& e, auto) { return uniform01<double>(e) < p; });
  // torch has no derivative for this overload: its node raises when reached.
  if (any_requires_grad({&input}))
    set_history({out}, make_node("torch::autograd::NotImplemented", {input},
                                 [](Node&, TensorList&) -> TensorList {
      throw std::runtime_error("derivative for aten::bernoulli is not implemented");
    }));
  return out;
}

Tensor& uniform_(Tensor& self, double from, double to) {
  require_floating(self->dtype, "check_uniform_bounds");
  const double max = self->dtype == DType::Float32 ? std::numeric_limits<float>::max()
                                                   : std::numeric_limits<double>::max();
  const std::string type = c_type_name(self->dtype);
  if (!(std::abs(from) <= max)) throw std::runtime_error("from is out of bounds for " + type);
  if (!(std::abs(to) <= max)) throw std::runtime_error("to is out of bounds for " + type);
  if (from > to)
    throw std::runtime_error("uniform_ expects to return a [from, to) range, but found from=" +
                             num(from) + " > to=" + num(to));
  if (!(to - from <= max))
    throw std::runtime_error("uniform_ expects to-from <= std::numeric_limits<" +
                             std::string(dtype_torch_name(self->dtype)) +
                             ">::max(), but found to=" + num(to) + " and from=" + num(from) +
                             " which result in to-from to exceed the limit");
  return apply_inplace(self, "uniform_", [&] {
    return resampled(self, "UniformBackward0", [&](auto& e, auto tag) {
      using T = typename decltype(tag)::type;
      // Rounding to T can land on `to`; step back below it to keep [from, to) half-open.
      const T v = static_cast<T>(from + (to - from) * uniform01<double>(e));
      return v < static_cast<T>(to) ? v : std::nextafter(static_cast<T>(to), static_cast<T>(from));
    });
  });
}

Tensor& normal_(Tensor& self, double mean, double stdev) {
  require_floating(self->dtype, "normal_kernel_cpu");
  check_std(stdev);
  StandardNormal z;
  return apply_inplace(self, "normal_", [&] {
    return resampled(self, "NormalBackward0", [&](auto& e, auto) { return mean + stdev * z(e); });
  });
}

Tensor& bernoulli_(Tensor& self, double p) {
  check_p(p, "bernoulli_");
  return apply_inplace(self, "bernoulli_", [&] {
    return resampled(self, "BernoulliBackward2",
                     [&](auto& e, auto) { return uniform01<double>(e) < p; });
  });
}

Tensor& bernoulli_(Tensor& self, const Tensor& p) {
  Tensor probs = empty(self->sizes, DType::Float64);
  kernels::copy(*expand(detach(p), self->sizes), *probs);
  if (!every(probs, [](double v) { return v >= 0.0 && v <= 1.0; }))
    throw std::runtime_error("bernoulli_ expects all elements of p to be in [0, 1]");
  const double* pp = probs->data<double>();
  return apply_inplace(self, "bernoulli_", [&] {
    int64_t i = 0;
    return resampled(self, "BernoulliBackward1",
                     [&](auto& e, auto) { return uniform01<double>(e) < pp[i++]; }, p);
  });
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace cgrad
