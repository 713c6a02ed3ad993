// Factories (random ones live in random.cpp).
#include <cmath>

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

}  // namespace cgrad
