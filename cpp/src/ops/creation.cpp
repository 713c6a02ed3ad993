// Factories (random ones live in random.cpp).
#include <cmath>
#include <vector>

#include "ops/common.h"

namespace cgrad {

Tensor full(const Shape& sizes, Scalar value, DType dtype) {
  check_scalar_fits(value, dtype);
  Tensor t = empty(sizes, dtype);
  kernels::fill(*t, value);
  return t;
}

Tensor empty_like(const Tensor& like, DType dtype) {
  return detail::empty_preserving_layout(*like, dtype);
}

Shape empty_like_strides(const Tensor& like) { return detail::preserved_strides(*like); }

Tensor full_like(const Tensor& like, Scalar value, DType dtype) {
  check_scalar_fits(value, dtype);
  Tensor t = empty_like(like, dtype);
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
  dispatch_all(dtype, [&](auto tag) {
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
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = convert<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (n < 0) throw std::runtime_error("n must be greater or equal to 0, got " + std::to_string(n));
  if (m < 0) throw std::runtime_error("m must be greater or equal to 0, got " + std::to_string(m));
  Tensor t = full({n, m}, 0.0, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = static_cast<T>(1);
  });
  return t;
}

// Note [linspace rounding]: torch's CPU linspace is bitwise reproducible only if we
// round as it does. Measured against torch 2.13 (AVX2 and AVX512 kernels, thousands of
// random start/end/steps in float32, float64, int32 and int64):
//   - start and end are first converted to the output type (integers truncate);
//   - step = (end - start) / (steps - 1), in the output type for floating outputs and in
//     double for integer ones;
//   - the first steps / 2 values count up from start, start + i * step, and the rest
//     count down from end, end - (steps - 1 - i) * step, so both ends come out exact;
//   - each product and sum is one fused multiply-add (a single rounding): torch's
//     vectorized kernels are built with FMA, and its results differ from a separately
//     rounded multiply and add in about 85% of random cases. Only a torch forced onto
//     its non-vector kernel (ATEN_CPU_CAPABILITY=default) rounds twice;
//   - integer outputs truncate the double result;
//   - float16 and bfloat16 round every step to the dtype, as torch's arithmetic on them
//     does: end - start, its quotient by steps - 1, each product and each sum.
// logspace is computed elsewhere in torch, with no FMA: the exponent is
// start + i * step (or end - (steps - 1 - i) * step) in double, with start and end in the
// output type and step = double(end - start) / (steps - 1) (the subtraction in the output
// type), then std::pow(base, exponent) in double, cast to the output type; one step is
// pow(base, start) with start as given.
namespace {
void check_steps(int64_t steps, DType dtype, const char* op) {
  if (steps < 0) throw std::runtime_error("number of steps must be non-negative");
  if (dtype == DType::Bool)
    throw NotImplementedError(std::string("\"") + op + "_cpu\" not implemented for 'Bool'");
}
// torch converts start (one step or more) and end (two or more) to the dtype with its
// checked conversion.
void check_ends_fit(const Scalar& start, const Scalar& end, int64_t steps, DType dtype) {
  if (steps >= 1) check_scalar_fits(start, dtype);
  if (steps >= 2) check_scalar_fits(end, dtype);
}
}  // namespace

namespace {
// The fused multiply-adds are one instruction where the CPU has FMA (chosen at run time,
// Note [Portable builds]) and libm's exact emulation elsewhere: the same bits either way.
#define CGRAD_LINSPACE_FILL(Step)                                                              \
  __attribute__((target_clones("fma", "default"))) void linspace_fill_##Step(                \
      Step* out, Step start, Step end, Step step, int64_t steps) {                             \
    const int64_t halfway = steps / 2;                                                         \
    for (int64_t i = 0; i < halfway; ++i) out[i] = std::fma(step, static_cast<Step>(i), start); \
    for (int64_t i = halfway; i < steps; ++i)                                                  \
      out[i] = std::fma(-step, static_cast<Step>(steps - 1 - i), end);                         \
  }
CGRAD_LINSPACE_FILL(float)
CGRAD_LINSPACE_FILL(double)
#undef CGRAD_LINSPACE_FILL
void linspace_fill(float* out, float a, float b, float step, int64_t n) { linspace_fill_float(out, a, b, step, n); }
void linspace_fill(double* out, double a, double b, double step, int64_t n) { linspace_fill_double(out, a, b, step, n); }
}  // namespace

Tensor linspace(Scalar start_s, Scalar end_s, int64_t steps, DType dtype) {
  check_steps(steps, dtype, "linspace");
  check_ends_fit(start_s, end_s, steps, dtype);
  Tensor t = empty({steps}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Step = std::conditional_t<std::is_floating_point_v<T>, T, double>;
    T* p = t->data<T>();
    const T start = start_s.to<T>(), end = end_s.to<T>();
    if (steps == 1) p[0] = start;
    if (steps <= 1) return;
    if constexpr (is_small_float_v<T>) {
      // float16/bfloat16 round every operation to T (Note [linspace rounding]).
      const T step = T(static_cast<float>(T(static_cast<float>(end) - static_cast<float>(start))) /
                       static_cast<float>(steps - 1));
      const int64_t halfway = steps / 2;
      for (int64_t i = 0; i < steps; ++i) {
        const T offset = T(static_cast<float>(step) * static_cast<float>(i < halfway ? i : steps - 1 - i));
        p[i] = i < halfway ? T(static_cast<float>(start) + static_cast<float>(offset))
                           : T(static_cast<float>(end) - static_cast<float>(offset));
      }
      return;
    }
    const Step step = (static_cast<Step>(end) - static_cast<Step>(start)) / static_cast<Step>(steps - 1);
    if constexpr (std::is_same_v<T, Step>) {
      linspace_fill(p, start, end, step, steps);
    } else {  // integers: the double values, truncated
      std::vector<double> values(static_cast<size_t>(steps));
      linspace_fill(values.data(), static_cast<double>(start), static_cast<double>(end), step, steps);
      for (int64_t i = 0; i < steps; ++i) p[i] = convert<T>(values[i]);
    }
  });
  return t;
}

Tensor logspace(Scalar start_s, Scalar end_s, int64_t steps, double base, DType dtype) {
  check_steps(steps, dtype, "logspace");
  if (steps >= 2) check_ends_fit(start_s, end_s, steps, dtype);  // (one step: pow(base, start))
  Tensor t = empty({steps}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    if (steps == 1) p[0] = convert<T>(std::pow(base, start_s.to_double()));
    if (steps <= 1) return;
    const T start = start_s.to<T>(), end = end_s.to<T>();
    // end - start in C++'s arithmetic, as torch's: integers promote to int (no wrap),
    // float16/bfloat16 round the difference to T.
    const auto span = end - start;
    const double step = static_cast<double>(static_cast<std::conditional_t<is_small_float_v<T>, T, decltype(span)>>(span)) /
                        static_cast<double>(steps - 1);
    const int64_t halfway = steps / 2;
    // Kept as two roundings (volatile products): torch's logspace loop has no FMA.
    for (int64_t i = 0; i < steps; ++i) {
      volatile double offset = step * static_cast<double>(i < halfway ? i : steps - 1 - i);
      const double exponent = i < halfway ? static_cast<double>(start) + offset
                                          : static_cast<double>(end) - offset;
      p[i] = convert<T>(std::pow(base, exponent));
    }
  });
  return t;
}

}  // namespace cgrad
