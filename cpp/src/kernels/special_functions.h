#pragma once
// Scalar special functions for the pointwise kernels: lgamma (libm's, thread-safe form),
// digamma, polygamma (trigamma and the Hurwitz zeta function), erfinv, and the modified
// Bessel functions i0 and i1. No autograd, no tensors: testable on their own.
//
// Note [Special functions]: each is written from the mathematics (recurrences,
// reflection formulas, asymptotic series with Bernoulli numbers, power series), with the
// same numerical recipe torch documents or uses where torch's value is visibly not the
// exact one, so that cgrad prints what torch prints:
//   - digamma and trigamma compute in the element type (float32 sums in float32, as
//     torch does); trigamma truncates its asymptotic series after the B6 term after six
//     recurrence steps, as torch does, which leaves torch's ~5e-10 relative error in
//     float64 (polygamma(1, 1.) is 1.6449340676383375, not pi^2/6): gradients of digamma
//     then equal torch's to the last bits rather than differ at 1e-10;
//   - digamma is -inf at +0, +inf at -0, NaN at the negative integers (torch >= 1.8);
//   - polygamma for n >= 2 is (-1)^(n+1) n! zeta(n+1, x), zeta summed in double by
//     Euler-Maclaurin (nine terms, then up to twelve Bernoulli corrections), infinite
//     at x a non-positive integer and NaN at +inf, as torch's;
//   - erfinv starts from a closed-form approximation and refines it with Halley steps on
//     erf (erfc for |y| > 1/2, where 1 - |y| is exact), in double: within an ulp of the
//     exact value, where torch's rational approximations are too (float32 results may
//     then differ from torch's by an ulp);
//   - i0 and i1 sum their power series in double up to |x| = 25 and their asymptotic
//     series beyond, the factor e^|x| taken in the element type so that it overflows
//     where torch's does (i0 of float32 89 is inf in torch although I0(89) < FLT_MAX),
//     and NaN at +-inf, as torch's e^x / sqrt(x) there.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace cgrad::kernels::special {

inline constexpr double kPi = 3.14159265358979323846;

// log|Gamma(x)| without touching the global `signgam` that std::lgamma writes (the
// kernels run on several threads).
template <class T> inline T lgamma(T x) {
#if defined(__GLIBC__) || defined(__APPLE__)
  int sign;
  if constexpr (std::is_same_v<T, float>) return ::lgammaf_r(x, &sign);
  else return ::lgamma_r(x, &sign);
#else
  return std::lgamma(x);
#endif
}

// psi(x) = d/dx log Gamma(x).
template <class T> T digamma(T x) {
  if (x == T(0)) return std::copysign(std::numeric_limits<T>::infinity(), -x);
  if (x < T(0)) {
    if (x == std::trunc(x)) return std::numeric_limits<T>::quiet_NaN();  // poles, -inf
    // Reflection psi(x) = psi(1 - x) - pi / tan(pi x), with tan taken of the fractional
    // part of x, where it is accurate, and in double (rounded to T, as torch does).
    T whole;
    const double fraction = std::modf(x, &whole);
    return digamma(T(1) - x) - static_cast<T>(kPi / std::tan(kPi * fraction));
  }
  // psi(x) = psi(x + 1) - 1/x up to x >= 10 ...
  T shift = 0;
  while (x < T(10)) {
    shift -= T(1) / x;
    x += T(1);
  }
  if (x == T(10)) return shift + static_cast<T>(2.25175258906672110764);  // psi(10)
  // ... then psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k).
  const T z = T(1) / (x * x);
  const T tail =
      z * (T(1.0 / 12) -
           z * (T(1.0 / 120) -
                z * (T(1.0 / 252) -
                     z * (T(1.0 / 240) -
                          z * (T(1.0 / 132) - z * (T(691.0 / 32760) - z * T(1.0 / 12)))))));
  return shift + std::log(x) - T(0.5) / x - tail;
}

// psi'(x), by reflection below 1/2, six recurrence steps and the asymptotic series
// 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1) to B6 (Note [Special functions]).
template <class T> T trigamma(T x) {
  const T pi = static_cast<T>(kPi);
  T sign = 1, sum = 0;
  if (x < T(0.5)) {
    // psi'(1 - x) + psi'(x) = pi^2 / sin^2(pi x)
    const T s = std::sin(pi * x);
    sum -= pi * pi / (s * s);
    sign = -1;
    x = T(1) - x;
  }
  for (int i = 0; i < 6; ++i) {
    sum += T(1) / (x * x);
    x += T(1);
  }
  const T z = T(1) / (x * x);
  sum += (T(1) + T(1) / (T(2) * x) + z * (T(1.0 / 6) - z * (T(1.0 / 30) - z * T(1.0 / 42)))) / x;
  return sign * sum;
}

// The Hurwitz zeta function sum_k (k + q)^-s for integer s >= 2, by Euler-Maclaurin.
inline double hurwitz_zeta(double s, double q) {
  constexpr double kEps = 1.11022302462515654042e-16;
  if (q <= 0 && q == std::floor(q)) return std::numeric_limits<double>::infinity();
  // (2k)! / B_2k for k = 1..12 (B2 = 1/6, B4 = -1/30, ..., B24 = -236364091/2730).
  static constexpr double kFactorialOverBernoulli[12] = {
      12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
      7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
      -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18};
  double sum = std::pow(q, -s), a = q, b = 0;
  for (int i = 0; i < 9 || a <= 9.0; ++i) {
    a += 1.0;
    b = std::pow(a, -s);
    sum += b;
    if (std::fabs(b / sum) < kEps) return sum;
  }
  // The tail: integral, half the last term, and the Bernoulli corrections. At q = +inf
  // b * a is 0 * inf: NaN, as torch's.
  const double w = a;
  sum += b * w / (s - 1) - 0.5 * b;
  double rising = 1, k = 0;
  for (double f : kFactorialOverBernoulli) {
    rising *= s + k;
    b /= w;
    const double term = rising * b / f;
    sum += term;
    if (std::fabs(term / sum) < kEps) break;
    k += 1;
    rising *= s + k;
    b /= w;
    k += 1;
  }
  return sum;
}

// The n-th derivative of digamma.
template <class T> T polygamma(int64_t n, T x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  const double nd = static_cast<double>(n);
  const double factorial = std::exp(lgamma(nd + 1.0));
  return static_cast<T>((n % 2 ? 1.0 : -1.0) * factorial * hurwitz_zeta(nd + 1.0, x));
}

// The inverse of erf on [-1, 1].
template <class T> T erfinv(T y_in) {
  const double y = y_in, ay = std::fabs(y);
  if (!(ay <= 1.0)) return std::numeric_limits<T>::quiet_NaN();
  if (ay == 1.0) return std::copysign(std::numeric_limits<T>::infinity(), y_in);
  if (ay == 0.0) return y_in;  // keeps -0.
  double x;
  if (ay < 0.25) {
    // erfinv(y) = sqrt(pi)/2 (y + pi/12 y^3 + ...)
    x = 0.5 * std::sqrt(kPi) * ay * (1.0 + kPi / 12.0 * ay * ay);
  } else {
    // Winitzki's approximation: erf(x)^2 ~ 1 - exp(-x^2 (4/pi + a x^2) / (1 + a x^2)).
    constexpr double a = 0.147;
    const double l = std::log1p(-ay * ay), t = 2.0 / (kPi * a) + 0.5 * l;
    x = std::sqrt(std::sqrt(t * t - l / a) - t);
  }
  const double tail = 1.0 - ay;  // exact for ay >= 1/2
  for (int i = 0; i < 3; ++i) {
    // Halley on f(x) = erf(x) - ay, with f'' = -2x f': x -= (f/f') / (1 + x f/f').
    const double f = ay <= 0.5 ? std::erf(x) - ay : tail - std::erfc(x);
    const double step = f / (2.0 / std::sqrt(kPi) * std::exp(-x * x));
    x -= step / (1.0 + x * step);
  }
  return static_cast<T>(std::copysign(x, y));
}

// The modified Bessel functions of the first kind, I0 and I1: the power series
// sum_k (x/2)^(2k+nu) / (k! (k+nu)!) up to |x| = 25, beyond it
// e^|x| / sqrt(2 pi |x|) sum_k t_k with t_k = t_{k-1} ((2k-1)^2 - 4nu^2) / (8k|x|).
template <class T> T bessel_i(int nu, T x_in) {
  const double x = x_in, ax = std::fabs(x);
  // torch's e^x / sqrt(x) is inf / inf at the infinities.
  if (std::isnan(x) || std::isinf(x)) return std::numeric_limits<T>::quiet_NaN();
  double value;
  if (ax <= 25.0) {
    const double q = 0.25 * x * x;
    double term = nu == 0 ? 1.0 : 0.5 * ax, sum = term;
    for (int k = 1; k < 500; ++k) {
      term *= q / (k * static_cast<double>(k + nu));
      sum += term;
      if (term <= 1e-17 * sum) break;
    }
    value = sum;
  } else {
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 200; ++k) {
      const double next = term * ((2.0 * k - 1) * (2.0 * k - 1) - 4.0 * nu * nu) / (8.0 * k * ax);
      if (std::fabs(next) >= std::fabs(term)) break;  // the series starts diverging
      term = next;
      sum += term;
      if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
    }
    const T growth = std::exp(static_cast<T>(ax));  // overflows where torch's does
    value = static_cast<double>(growth) == std::numeric_limits<double>::infinity()
                ? std::numeric_limits<double>::infinity()
                : static_cast<double>(growth * static_cast<T>(sum / std::sqrt(2.0 * kPi * ax)));
  }
  return static_cast<T>(nu == 1 && x < 0 ? -value : value);
}
template <class T> T i0(T x) { return bessel_i(0, x); }
template <class T> T i1(T x) { return bessel_i(1, x); }

}  // namespace cgrad::kernels::special
