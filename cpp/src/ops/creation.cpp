// Factories (random ones live in random.cpp).
#include <cmath>

#include "ops/common.h"

namespace cgrad {

Tensor full(const Shape& sizes, Scalar value, DType dtype) {
  check_scalar_fits(value, dtype);
  Tensor t = empty(sizes, dtype);
  kernels::fill(*t, value);
  return t;
}

// Note [arange with integer dtypes]: torch truncates start and step to integers before
// stepping, so arange(-2.5, 0, 0.7, dtype=int32) repeats -2; for int64 it also sizes the
// range from the truncated bounds (a zero step is then an error). We follow both rules.
// When bounds and step are all integers the range is counted and stepped in int64
// (128-bit for the count), so arange(2**60, 2**60 + 3) is exact where doubles would
// round the bounds together.
namespace {
Tensor arange_int64(int64_t start, int64_t end, int64_t step, DType dtype) {
  const __int128 span = static_cast<__int128>(end) - start;
  const __int128 count = step > 0 ? (span + step - 1) / step : (span + step + 1) / step;
  const int64_t n = static_cast<int64_t>(std::max<__int128>(count, 0));
  Tensor t = empty({n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    // start + i * step lies between start and end, but i * step alone may not fit in
    // int64: computed modulo 2**64, the sum comes out exact.
    for (int64_t i = 0; i < n; ++i)
      p[i] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(start) +
                                                 static_cast<uint64_t>(i) * static_cast<uint64_t>(step)));
  });
  return t;
}
}  // namespace

Tensor arange(Scalar start_s, Scalar end_s, Scalar step_s, DType dtype) {
  if (dtype == DType::Bool) throw NotImplementedError("\"arange_cpu\" not implemented for 'Bool'");
  double start = start_s.to_double(), end = end_s.to_double(), step = step_s.to_double();
  if (step == 0) throw std::runtime_error("arange(): step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end))
    throw std::runtime_error("arange(): unsupported range: " + std::to_string(start) + " -> " +
                             std::to_string(end));
  if ((step > 0 && end < start) || (step < 0 && end > start))
    throw std::runtime_error("arange(): upper bound and larger bound inconsistent with step sign");
  if (is_integral(dtype, false) && !start_s.is_floating() && !end_s.is_floating() &&
      !step_s.is_floating())
    return arange_int64(start_s.to_int64(), end_s.to_int64(), step_s.to_int64(), dtype);
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
