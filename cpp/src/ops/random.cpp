// Random sampling, stream for stream as torch's CPU generator (Note [Torch's CPU random
// streams], cpp/src/kernels/random.h). Each op takes its generator's lock once and
// fills its whole output, so a seed fixes every sequence.
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>

#include "kernels/random.h"
#include "ops/common.h"

namespace cgrad {

// Note [Generators]: each Generator (torch.Generator) owns torch's CPU generator state
// (kernels::RandomState: an mt19937 and the cached normal, Note [Torch's CPU random
// streams]) behind a mutex; every sampling op draws from the default one (torch's
// default seed, so a fresh process repeats torch's draws), unless the thread holds a
// GeneratorGuard naming another — which is how `generator=` reaches every op without a
// parameter on each.
struct Generator::Impl {
  std::mutex mutex;
  kernels::RandomState state;
  explicit Impl(uint64_t s) : state(s) {}
};

Generator::Generator(uint64_t seed) : impl_(std::make_unique<Impl>(seed)) {}
Generator::~Generator() = default;

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->state.reseed(seed);
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->state.engine.seed_;
}

uint64_t Generator::seed() {
  // torch draws a 64-bit nondeterministic seed too.
  const uint64_t s = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  manual_seed(s);
  return s;
}

std::vector<uint8_t> Generator::get_state() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return kernels::save_state(impl_->state);
}

void Generator::set_state(const uint8_t* bytes, size_t size) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  kernels::load_state(impl_->state, bytes, size);
}

Generator& default_generator() {
  static Generator* g = new Generator(Generator::kDefaultSeed);  // never destroyed: used at exit
  return *g;
}

namespace {
thread_local Generator* current_generator __attribute__((tls_model("initial-exec"))) = nullptr;
}  // namespace

GeneratorGuard::GeneratorGuard(Generator* g) : previous_(current_generator) {
  current_generator = g;
}
GeneratorGuard::~GeneratorGuard() { current_generator = previous_; }

template <class F> void Generator::with_state(F f) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  f(impl_->state);
}

namespace {

using kernels::RandomState;

template <class F> void with_state(F f) {
  (current_generator ? *current_generator : default_generator()).with_state(f);
}

// Note [Sampling order]: torch fills a tensor in its memory order (TensorIterator walks
// the output's dimensions from the largest stride to the smallest), so a transposed
// view or a *_like of one gets its draws in that order. Sampling ops draw into a buffer
// in draw order, then place element k at the k-th position of `layout`'s memory order.
// Dimensions ordered outermost first for strides `layout` (ties keep the given order).
std::vector<size_t> memory_order(const Shape& sizes, const Shape& layout) {
  std::vector<size_t> dims, ones;
  for (size_t d = 0; d < sizes.size(); ++d) (sizes[d] == 1 ? ones : dims).push_back(d);
  std::stable_sort(dims.begin(), dims.end(), [&](size_t a, size_t b) { return layout[a] > layout[b]; });
  dims.insert(dims.begin(), ones.begin(), ones.end());  // size-1 dims: anywhere
  return dims;
}

bool row_major(const Shape& sizes, const Shape& layout) {
  int64_t expected = 1;
  for (size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] != 1 && layout[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

// Moves values drawn in `layout`'s memory order into row-major order, in place.
template <class T> void to_row_major(T* p, const Shape& sizes, const Shape& layout) {
  const int64_t n = numel_of(sizes);
  const std::vector<size_t> dims = memory_order(sizes, layout);
  const Shape row = contiguous_strides(sizes);
  std::vector<T> drawn(p, p + n);
  std::vector<int64_t> index(dims.size(), 0);
  int64_t at = 0;  // row-major offset of the element at `index`
  for (int64_t k = 0; k < n; ++k) {
    p[at] = drawn[k];
    for (size_t j = dims.size(); j-- > 0;) {  // odometer, innermost dim last in `dims`
      const size_t d = dims[j];
      if (++index[d] < sizes[d]) {
        at += row[d];
        break;
      }
      at -= (sizes[d] - 1) * row[d];
      index[d] = 0;
    }
  }
}

// A fresh tensor filled by fill(state, T* buffer, n, contiguous) in `layout`'s memory
// order (contiguous: whether that order is row-major).
template <class Fill>
Tensor sample(const Shape& sizes, DType dtype, const Shape& layout, Fill fill) {
  Tensor t = empty(sizes, dtype);
  const int64_t n = t->numel();
  const bool contiguous = row_major(sizes, layout);
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    with_state([&](RandomState& s) { fill(s, p, n, contiguous); });
    if (!contiguous) to_row_major(p, sizes, layout);
  });
  return t;
}

template <class Fill> Tensor sample(const Shape& sizes, DType dtype, Fill fill) {
  return sample(sizes, dtype, contiguous_strides(sizes), fill);
}

// torch's empty_like(like).<sampler>_(): a result in like's preserve_format layout,
// which is dense, so its memory order is its buffer's order.
template <class Fill> Tensor sample_like(const TensorImpl& like, DType dtype, Fill fill) {
  Tensor t = detail::empty_preserving_layout(like, dtype);
  const int64_t n = t->numel();
  const bool contiguous = t->is_contiguous();
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_state([&](RandomState& s) { fill(s, t->data<T>(), n, contiguous); });
  });
  return t;
}

// fill for a value per element: value(state) in the element's type T.
#define CGRAD_PER_ELEMENT(expr)                                               \
  [&](RandomState& s, auto* out, int64_t n, bool) {                           \
    using T = std::remove_pointer_t<decltype(out)>;                           \
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(expr);            \
  }

// torch's random_(from, to): from + r % range, r 64-bit for ranges of 2^32 or more.
template <class T> T from_to(RandomState& s, uint64_t range, int64_t base) {
  const uint64_t r = range >= (uint64_t{1} << 32) ? s.random64() : s.random32();
  return static_cast<T>(static_cast<int64_t>(r % range + static_cast<uint64_t>(base)));
}

// float16/bfloat16 values drawn as float32 by fill(float* buffer) and rounded once
// (Note [Torch's CPU random streams]).
template <class T, class Fill> void through_float(T* out, int64_t n, Fill fill) {
  std::vector<float> drawn(static_cast<size_t>(n));
  fill(drawn.data());
  for (int64_t i = 0; i < n; ++i) out[i] = T(drawn[i]);
}

// Normals as torch's normal kernel: the 16-at-a-time path for floating contiguous runs
// of 16 or more, else the cached per-element path.
auto normal_fill(double mean, double stdev) {
  return [=](RandomState& s, auto* p, int64_t n, bool contiguous) {
    using T = std::remove_pointer_t<decltype(p)>;
    if constexpr (std::is_floating_point_v<T>) {
      if (contiguous && n >= 16)
        kernels::normal_fill_blocks(s, p, n, static_cast<T>(mean), static_cast<T>(stdev));
      else
        kernels::normal_fill_serial(s, p, n, mean, stdev);
    } else if constexpr (is_small_float_v<T>) {
      through_float(p, n, [&](float* drawn) {
        if (contiguous && n >= 16)
          kernels::normal_fill_blocks_16bit(s, drawn, n, static_cast<float>(mean),
                                            static_cast<float>(stdev));
        else
          kernels::normal_fill_serial(s, drawn, n, mean, stdev);
      });
    }
  };
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

// Samples in self's shape and dtype, in self's memory order, as a new tensor for
// apply_inplace, recorded under torch's node name with self's old value (and a tensor
// p) as inputs.
template <class Fill>
Tensor resampled(const Tensor& self, const char* name, Fill fill, const Tensor& p = nullptr) {
  Tensor out = sample(self->sizes, self->dtype, self->strides, fill);
  if (any_requires_grad({&self, &p}))
    record(make_node(name, p ? TensorList{self, p} : TensorList{self}, zero_grads), {out});
  return out;
}

auto uniform_fill(double from, double to) {
  return [=](RandomState& s, auto* p, int64_t n, bool) {
    using T = std::remove_pointer_t<decltype(p)>;
    if constexpr (std::is_floating_point_v<T>)
      kernels::uniform_fill(s, p, n, static_cast<T>(from), static_cast<T>(to));
    else if constexpr (is_small_float_v<T>) {
      through_float(p, n, [&](float* drawn) {
        kernels::uniform_fill(s, drawn, n, static_cast<float>(from), static_cast<float>(to));
      });
      // A draw that rounds up to `to` becomes `from`, as torch keeps [from, to) half-open.
      const float upper = T(to), lower = T(from);
      for (int64_t i = 0; i < n; ++i)
        if (static_cast<float>(p[i]) == upper) p[i] = T(lower);
    }
  };
}

// Bernoulli draws against probabilities pp (in draw order): a uniform of p's type.
auto bernoulli_fill(const Tensor& probs) {
  return [&probs](RandomState& s, auto* out, int64_t n, bool) {
    using T = std::remove_pointer_t<decltype(out)>;
    if (probs->dtype == DType::Float64) {
      const double* pp = probs->data<double>();
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(s.uniform_double() < pp[i]);
    } else {
      const float* pp = probs->data<float>();
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(s.uniform_float() < pp[i]);
    }
  };
}

// p as float or double (its own type unless float64), broadcast to `sizes` and laid out
// in `layout`'s memory order, to read in draw order.
Tensor probabilities_in_order(const Tensor& p, const Shape& sizes, const Shape& layout) {
  const DType type = p->dtype == DType::Float64 ? DType::Float64 : DType::Float32;
  Tensor src = expand(detach(p), sizes);
  const std::vector<size_t> dims = memory_order(sizes, layout);
  Shape perm_sizes, perm_strides;
  for (size_t d : dims) perm_sizes.push_back(sizes[d]), perm_strides.push_back(src->strides[d]);
  Tensor ordered = empty(perm_sizes, type);
  kernels::copy(*make_view(src, perm_sizes, perm_strides, src->offset), *ordered);
  return ordered;
}

}  // namespace

Tensor rand(const Shape& sizes, DType dtype) {
  require_floating(dtype, "check_uniform_bounds");
  return sample(sizes, dtype, uniform_fill(0.0, 1.0));
}

Tensor rand_like(const Tensor& like, DType dtype) {
  require_floating(dtype, "check_uniform_bounds");
  return sample_like(*like, dtype, uniform_fill(0.0, 1.0));
}

Tensor randn(const Shape& sizes, DType dtype) {
  require_floating(dtype, "normal_kernel_cpu");
  return sample(sizes, dtype, normal_fill(0.0, 1.0));
}

Tensor randn_like(const Tensor& like, DType dtype) {
  require_floating(dtype, "normal_kernel_cpu");
  return sample_like(*like, dtype, normal_fill(0.0, 1.0));
}

namespace {
void check_randint_range(int64_t low, int64_t high, DType dtype) {
  if (low >= high)
    throw std::runtime_error("random_ expects 'from' to be less than 'to', but got from=" +
                             std::to_string(low) + " >= to=" + std::to_string(high));
  // Narrow types must hold both ends (float32/float64 take any range, as torch allows;
  // float16 and bfloat16 their largest finite value).
  if (dtype == DType::Int64 || dtype == DType::Float32 || dtype == DType::Float64) return;
  double lo = 0, hi = 0;
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (is_small_float_v<T>) lo = -max_finite(dtype), hi = max_finite(dtype);
    else lo = static_cast<double>(std::numeric_limits<T>::lowest()),
         hi = static_cast<double>(std::numeric_limits<T>::max());
  });
  const std::string type = dtype_cpp_name(dtype);
  if (static_cast<double>(low) < lo) throw std::runtime_error("from is out of bounds for " + type);
  if (static_cast<double>(high - 1) > hi)
    throw std::runtime_error("to - 1 is out of bounds for " + type);
}

auto from_to_fill(int64_t low, int64_t high) {
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  return [=](RandomState& s, auto* p, int64_t n, bool) {
    using T = std::remove_pointer_t<decltype(p)>;
    for (int64_t i = 0; i < n; ++i) p[i] = from_to<T>(s, range, low);
  };
}
}  // namespace

Tensor randint(int64_t low, int64_t high, const Shape& sizes, DType dtype) {
  check_randint_range(low, high, dtype);
  return sample(sizes, dtype, from_to_fill(low, high));
}

Tensor randint_like(const Tensor& like, int64_t low, int64_t high, DType dtype) {
  check_randint_range(low, high, dtype);
  return sample_like(*like, dtype, from_to_fill(low, high));
}

Tensor randperm(int64_t n, DType dtype) {
  if (dtype == DType::Float32 && n > (int64_t{1} << 24) + 1)
    throw std::runtime_error("n cannot be greater than 2^24+1 for Float type.");
  Tensor t = empty({n}, dtype);  // (a negative n is refused here first, as in torch)
  if (dtype == DType::Bool) throw NotImplementedError("\"randperm\" not implemented for 'Bool'");
  // As torch's: the largest value, n - 1, must convert to the dtype; float16 must also
  // hold every integer up to it exactly (bfloat16 is let round).
  check_scalar_fits(Scalar(n > 0 ? n - 1 : n), dtype);
  if (dtype == DType::Float16 && n > 2049)
    throw std::runtime_error("n cannot be greater than 2049 for Half type.");
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), int64_t{0});
  with_state([&](RandomState& s) {
    if (n < std::numeric_limits<uint32_t>::max() / 20) {  // torch's small-n shuffle
      for (int64_t i = 0; i < n - 1; ++i)
        std::swap(perm[i], perm[i + static_cast<int64_t>(s.random32() % static_cast<uint64_t>(n - i))]);
    } else {  // inside-out Fisher-Yates on 64-bit draws
      for (int64_t i = 0; i < n; ++i) {
        const int64_t z = static_cast<int64_t>(s.random64() % static_cast<uint64_t>(i + 1));
        perm[i] = perm[z];
        perm[z] = i;
      }
    }
  });
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = convert<T>(perm[i]);
  });
  return t;
}

Tensor normal(double mean, double stdev, const Shape& sizes, DType dtype) {
  require_floating(dtype, "normal_kernel_cpu");
  check_std(stdev);
  return sample(sizes, dtype, normal_fill(mean, stdev));
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
  const Shape shape = broadcast_shapes(mean->sizes, stdev->sizes);
  Tensor out;
  if (std_scalar) {  // torch: normal_(0, std), then + mean
    Tensor z = normal(0.0, item_as_double(*stdev), shape, dtype);
    out = detail::binary_forward(kernels::BinaryOp::Add, z, mean, dtype, dtype);
  } else {  // torch: normal_(0, 1), then * std + mean
    Tensor z = randn(shape, dtype);
    Tensor scaled = detail::binary_forward(kernels::BinaryOp::Mul, z, stdev, dtype, dtype);
    out = detail::binary_forward(kernels::BinaryOp::Add, scaled, mean, dtype, dtype);
  }
  if (any_requires_grad({&mean, &stdev})) {
    TensorList inputs;
    if (!mean_scalar) inputs.push_back(mean);
    if (!std_scalar) inputs.push_back(stdev);
    const char* name = mean_scalar  ? "NormalBackward2"
                       : std_scalar ? "NormalBackward1"
                                    : "NormalBackward3";
    record(make_node(name, inputs, zero_grads), {out});
  }
  return out;
}

Tensor bernoulli(const Tensor& p) {
  require_floating(p->dtype, "bernoulli_tensor_cpu_p_");
  if (!every(p, [](double v) { return v >= 0.0 && v <= 1.0; }))
    throw std::runtime_error("bernoulli expects all elements of p to be in [0, 1]");
  // torch samples into a row-major result here (not empty_like's layout).
  Tensor probs = probabilities_in_order(p, p->sizes, contiguous_strides(p->sizes));
  Tensor out = sample(p->sizes, p->dtype, bernoulli_fill(probs));
  if (any_requires_grad({&p}))
    record(make_node("BernoulliBackward0", {p}, zero_grads), {out});
  return out;
}

Tensor bernoulli(const Tensor& input, double p) {
  check_p(p, "bernoulli_");
  Tensor out = sample(input->sizes, input->dtype, CGRAD_PER_ELEMENT(s.uniform_double() < p));
  // torch has no derivative for this overload: its node raises when reached.
  if (any_requires_grad({&input}))
    record(make_node("torch::autograd::NotImplemented", {input},
                                 [](Node&, TensorList&) -> TensorList {
      throw std::runtime_error("derivative for aten::bernoulli is not implemented");
    }), {out});
  return out;
}

Tensor& uniform_(Tensor& self, double from, double to) {
  require_floating(self->dtype, "check_uniform_bounds");
  const double max = max_finite(self->dtype);
  const std::string type = dtype_cpp_name(self->dtype);
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
    return resampled(self, "UniformBackward0", uniform_fill(from, to));
  });
}

Tensor& normal_(Tensor& self, double mean, double stdev) {
  require_floating(self->dtype, "normal_kernel_cpu");
  check_std(stdev);
  return apply_inplace(self, "normal_", [&] {
    return resampled(self, "NormalBackward0", normal_fill(mean, stdev));
  });
}

Tensor& bernoulli_(Tensor& self, double p) {
  check_p(p, "bernoulli_");
  return apply_inplace(self, "bernoulli_", [&] {
    return resampled(self, "BernoulliBackward2", CGRAD_PER_ELEMENT(s.uniform_double() < p));
  });
}

Tensor& bernoulli_(Tensor& self, const Tensor& p) {
  Tensor probs = probabilities_in_order(p, self->sizes, self->strides);
  if (!every(probs, [](double v) { return v >= 0.0 && v <= 1.0; }))
    throw std::runtime_error("bernoulli_ expects all elements of p to be in [0, 1]");
  return apply_inplace(self, "bernoulli_", [&] {
    return resampled(self, "BernoulliBackward1", bernoulli_fill(probs), p);
  });
}

Tensor& random_(Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to) {
  if (to) {  // random_(to) or random_(from, to): torch's RandomBackward1 / RandomBackward0
    const int64_t low = from.value_or(0);
    check_randint_range(low, *to, self->dtype);
    return apply_inplace(self, "random_", [&] {
      return resampled(self, from ? "RandomBackward0" : "RandomBackward1", from_to_fill(low, *to));
    });
  }
  // random_(): integers in [0, 2^digits] for floats, [0, max] for integers.
  return apply_inplace(self, "random_", [&] {
    return resampled(self, "RandomBackward2", [](RandomState& s, auto* out, int64_t n, bool) {
      using T = std::remove_pointer_t<decltype(out)>;
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<T, bool>) out[i] = s.random32() & 1;
        else if constexpr (std::is_same_v<T, int64_t>) out[i] = static_cast<T>(s.random64() % (uint64_t{1} << 63));
        else if constexpr (std::is_same_v<T, int32_t>) out[i] = static_cast<T>(s.random32() % (uint64_t{1} << 31));
        else if constexpr (std::is_same_v<T, float>) out[i] = static_cast<T>(s.random32() % ((uint64_t{1} << 24) + 1));
        else if constexpr (std::is_same_v<T, Half>) out[i] = T(s.random32() % ((1u << 11) + 1));
        else if constexpr (std::is_same_v<T, BFloat16>) out[i] = T(s.random32() % ((1u << 8) + 1));
        else if constexpr (is_small_int_v<T>)
          out[i] = static_cast<T>(s.random32() % (uint64_t{std::numeric_limits<T>::max()} + 1));
        else out[i] = static_cast<T>(s.random64() % ((uint64_t{1} << 53) + 1));
      }
    });
  });
}

namespace {
void check_exponential(DType dtype, double lambda) {
  if (!is_floating(dtype))
    throw std::runtime_error(
        std::string("Exponential distribution is a continuous probability distribution. dtype "
                    "must be a floating point but you specified ") + dtype_torch_name(dtype));
  if (!(lambda > 0.0))
    throw std::runtime_error("exponential_ expects lambda > 0.0, but found lambda=" + num(lambda));
}
auto exponential_fill(double lambda) {
  return [lambda](RandomState& s, auto* out, int64_t n, bool) {
    using T = std::remove_pointer_t<decltype(out)>;
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(-1.0 / lambda * std::log1p(-s.uniform_double()));
  };
}
}  // namespace

Tensor& exponential_(Tensor& self, double lambda) {
  check_exponential(self->dtype, lambda);
  return apply_inplace(self, "exponential_", [&] {
    return resampled(self, "ExponentialBackward0", exponential_fill(lambda));
  });
}

namespace {
// With replacement: each sample a double uniform, found by binary search in the row's
// cumulative sums normalised in the input's type (the last forced to 1), as torch.
template <class T>
void multinomial_with_replacement(RandomState& s, const T* probs, int64_t rows, int64_t cats,
                                  int64_t samples, int64_t* out) {
  std::vector<T> cum(cats);
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = probs + r * cats;
    T sum = 0;
    for (int64_t j = 0; j < cats; ++j) {
      if (!(row[j] >= 0))
        throw std::runtime_error("invalid multinomial distribution (encountering probability entry < 0)");
      if (!std::isfinite(row[j]))
        throw std::runtime_error(
            "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      sum += row[j];
      cum[j] = sum;
    }
    if (!(sum > 0))
      throw std::runtime_error("invalid multinomial distribution (sum of probabilities <= 0)");
    for (T& c : cum) c /= sum;
    cum[cats - 1] = 1;
    for (int64_t k = 0; k < samples; ++k) {
      const double u = s.uniform_double();
      int64_t left = 0, right = cats;
      while (right > left) {
        const int64_t mid = left + (right - left) / 2;
        if (cum[mid] < u) left = mid + 1;
        else right = mid;
      }
      out[r * samples + k] = left;
    }
  }
}
}  // namespace

Tensor multinomial(const Tensor& input, int64_t samples, bool replacement) {
  if (!is_floating(input->dtype))
    throw std::runtime_error(std::string("multinomial only supports floating-point dtypes for input, got: ") +
                             dtype_torch_name(input->dtype));
  const int64_t dim = static_cast<int64_t>(input->sizes.size());
  if (dim != 1 && dim != 2) throw std::runtime_error("prob_dist must be 1 or 2 dim");
  const int64_t cats = input->sizes.back(), rows = dim == 2 ? input->sizes[0] : 1;
  if (samples <= 0) throw std::runtime_error("cannot sample n_sample <= 0 samples");
  if (!replacement && samples > cats)
    throw std::runtime_error("cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  if (cats > (int64_t{1} << 24)) throw std::runtime_error("number of categories cannot exceed 2^24");
  const Shape out_sizes = dim == 2 ? Shape{rows, samples} : Shape{samples};
  Tensor out = empty(out_sizes, DType::Int64);
  // float16/bfloat16 probabilities are read as float32 (exact); the keys below round
  // to the input's dtype, as torch divides in it.
  const bool reduced = is_reduced_float(input->dtype);
  Tensor probs = contiguous(detail::cast(detach(input), reduced ? DType::Float32 : input->dtype));
  int64_t* o = out->data<int64_t>();
  if (replacement && samples > 1) {
    dispatch(probs->dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_floating_point_v<T>)
        with_state([&](RandomState& s) {
          multinomial_with_replacement(s, probs->data<T>(), rows, cats, samples, o);
        });
    });
    return out;
  }
  // torch's sampling without replacement (and of one sample): the top `samples` of
  // p / q with q ~ Exponential(1) drawn in the input's layout and dtype.
  if (!every(probs, [](double v) { return v >= 0.0 && v < INFINITY; }))
    throw std::runtime_error("probability tensor contains either `inf`, `nan` or element < 0");
  Tensor q = sample(input->sizes, input->dtype, detail::preserved_strides(*input),
                    exponential_fill(1.0));
  if (reduced) q = detail::cast(q, DType::Float32);
  const DType key_dtype = input->dtype;
  dispatch(probs->dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {
      const auto rounded = [key_dtype](T v) -> T {
        if (key_dtype == DType::Float16) return static_cast<float>(Half(v));
        if (key_dtype == DType::BFloat16) return static_cast<float>(BFloat16(v));
        return v;
      };
      const T* p = probs->data<T>();
      const T* qq = q->data<T>();
      std::vector<T> key(cats);
      std::vector<int64_t> order(cats);
      for (int64_t r = 0; r < rows; ++r) {
        T sum = 0;
        for (int64_t j = 0; j < cats; ++j) sum += p[r * cats + j];
        if (sum == 0)
          throw std::runtime_error("invalid multinomial distribution (sum of probabilities <= 0)");
        for (int64_t j = 0; j < cats; ++j) key[j] = rounded(p[r * cats + j] / qq[r * cats + j]);
        std::iota(order.begin(), order.end(), int64_t{0});
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key[a] > key[b]; });
        for (int64_t k = 0; k < samples; ++k) o[r * samples + k] = order[k];
      }
    }
  });
  return out;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace cgrad
