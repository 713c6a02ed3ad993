// Factories and the random generator.
#include <cmath>
#include <mutex>
#include <random>

#include "ops/common.h"

namespace cgrad {

Tensor full(const Shape& sizes, double value, DType dtype) {
  Tensor t = empty(sizes, dtype);
  kernels::fill(*t, value);
  return t;
}

// Note [arange with integer dtypes]: torch truncates start and step to integers before
// stepping, so arange(-2.5, 0, 0.7, dtype=int32) repeats -2; for int64 it also sizes the
// range from the truncated bounds (a zero step is then an error). We follow both rules.
Tensor arange(double start, double end, double step, DType dtype) {
  if (dtype == DType::Bool) throw NotImplementedError("\"arange_cpu\" not implemented for 'Bool'");
  if (step == 0) throw std::runtime_error("arange(): step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end))
    throw std::runtime_error("arange(): unsupported range: " + std::to_string(start) + " -> " +
                             std::to_string(end));
  if ((step > 0 && end < start) || (step < 0 && end > start))
    throw std::runtime_error("arange(): upper bound and larger bound inconsistent with step sign");
  double size = std::ceil((end - start) / step);
  if (is_integral(dtype, false)) {
    start = std::trunc(start);
    step = std::trunc(step);
    if (dtype == DType::Int64) {
      if (step == 0) throw ValueError("arange(): step must be nonzero");
      size = std::ceil((std::trunc(end) - start) / step);
    }
  }
  const int64_t n = static_cast<int64_t>(std::max(size, 0.0));
  Tensor t = empty({n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (n < 0) throw std::runtime_error("n must be greater or equal to 0, got " + std::to_string(n));
  if (m < 0) throw std::runtime_error("m must be greater or equal to 0, got " + std::to_string(m));
  Tensor t = full({n, m}, 0.0, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = static_cast<T>(1);
  });
  return t;
}

namespace {
// One process-wide generator, as torch's default CPU generator; a fixed default seed
// makes a fresh process reproducible.
struct Generator {
  std::mutex mutex;
  std::mt19937_64 engine{67280421310721ULL};
};
Generator& generator() {
  static Generator g;
  return g;
}

// Uniform [0, 1) with the full mantissa of the target type.
template <class T> T uniform01(std::mt19937_64& e) {
  if constexpr (std::is_same_v<T, float>) return static_cast<float>(e() >> 40) * 0x1.0p-24f;
  else return static_cast<double>(e() >> 11) * 0x1.0p-53;
}

template <class F> Tensor random_float(const Shape& sizes, DType dtype, const char* op, F draw) {
  if (!is_floating(dtype))
    throw NotImplementedError(std::string("\"") + op + "\" not implemented for '" +
                             dtype_torch_name(dtype) + "'");
  Tensor t = empty(sizes, dtype);
  auto& g = generator();
  std::lock_guard<std::mutex> lock(g.mutex);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {
      T* p = t->data<T>();
      const int64_t n = t->numel();
      for (int64_t i = 0; i < n; ++i) p[i] = draw(g.engine, TypeTag<T>{});
    }
  });
  return t;
}
}  // namespace

Tensor rand(const Shape& sizes, DType dtype) {
  return random_float(sizes, dtype, "check_uniform_bounds", [](auto& e, auto tag) {
    using T = typename decltype(tag)::type;
    return uniform01<T>(e);
  });
}

Tensor randn(const Shape& sizes, DType dtype) {
  return random_float(sizes, dtype, "normal_kernel_cpu", [](auto& e, auto tag) {
    using T = typename decltype(tag)::type;
    // Box-Muller; 1 - u keeps the log argument in (0, 1].
    double u1 = 1.0 - uniform01<double>(e), u2 = uniform01<double>(e);
    return static_cast<T>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
  });
}

void manual_seed(uint64_t seed) {
  auto& g = generator();
  std::lock_guard<std::mutex> lock(g.mutex);
  g.engine.seed(seed);
}

}  // namespace cgrad
