// Measures the error of cgrad's vector math (cpp/src/kernels/vecmath.cpp) over every
// float32 input (or every `stride`-th bit pattern), for each instruction set the CPU
// has, against libm's float64 functions: the bounds quoted in vecmath_simd.inc.
//
//   g++ -O2 -fopenmp -std=gnu++17 -Icpp/src -Icpp/include tools/vecmath_ulp.cpp \
//       cpp/src/kernels/vecmath.cpp cpp/src/cpu_features.cpp -o /tmp/vecmath_ulp && /tmp/vecmath_ulp [stride [name]]
//
// Error in ulps: |got - want| / ulp(want), where want is the float64 result and ulp is
// the spacing of float32 at want (2^-149 for denormals); an overflowed result counts as
// 2^128. NaN must match NaN exactly, and an exact infinity (exp(inf), log(0)) must match.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cgrad/cpu_features.h"
#include "kernels/vecmath.h"

using cgrad::vecmath::Func;
using cgrad::cpu::Isa;

namespace {

double reference(Func f, double x) {
  switch (f) {
    case Func::Exp: return std::exp(x);
    case Func::Expm1: return std::expm1(x);
    case Func::Log: return std::log(x);
    case Func::Log1p: return std::log1p(x);
    case Func::Tanh: return std::tanh(x);
    case Func::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Func::Sin: return std::sin(x);
    case Func::Cos: return std::cos(x);
    case Func::Erf: return std::erf(x);
  }
  return 0;
}

double ulp32(double want) {
  double a = std::fabs(want);
  if (a < 0x1p-126) return 0x1p-149;
  if (a >= 0x1p127) return 0x1p104;
  int e;
  std::frexp(a, &e);  // a = m 2^e, m in [0.5, 1)
  return std::ldexp(1.0, e - 1 - 23);
}

struct Worst {
  double ulps = 0;
  float x = 0;
  long mismatches = 0;
  float bad_x = 0;
};

Worst sweep(Func f, uint64_t stride) {
  constexpr uint64_t kChunk = 1 << 16;
  const uint64_t total = (uint64_t(1) << 32) / stride;
  std::vector<Worst> per_chunk((total + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t c = 0; c < static_cast<int64_t>(per_chunk.size()); ++c) {
    std::vector<float> xs, ys;
    for (uint64_t i = c * kChunk; i < std::min(total, (c + 1) * kChunk); ++i) {
      uint32_t bits = static_cast<uint32_t>(i * stride);
      float x;
      std::memcpy(&x, &bits, 4);
      xs.push_back(x);
    }
    ys.resize(xs.size());
    cgrad::vecmath::apply(f, xs.data(), ys.data(), static_cast<int64_t>(xs.size()));
    Worst w;
    for (size_t i = 0; i < xs.size(); ++i) {
      const double want = reference(f, xs[i]);
      const double got = ys[i];
      bool bad = false;
      double err = 0;
      if (std::isnan(want) || std::isnan(got)) {
        bad = std::isnan(want) != std::isnan(got);
      } else if (std::isinf(want)) {
        bad = got != want;
      } else {
        // Beyond float32's range both sides count as +-2^128 (one ulp past FLT_MAX).
        const double g = std::isinf(got) ? std::copysign(0x1p128, got) : got;
        const double w = std::fabs(want) > 0x1p128 ? std::copysign(0x1p128, want) : want;
        err = std::fabs(g - w) / ulp32(w);
      }
      if (bad && w.mismatches++ == 0) w.bad_x = xs[i];
      if (err > w.ulps) {
        w.ulps = err;
        w.x = xs[i];
      }
    }
    per_chunk[c] = w;
  }
  Worst all;
  for (const Worst& w : per_chunk) {
    if (w.ulps > all.ulps) {
      all.ulps = w.ulps;
      all.x = w.x;
    }
    if (w.mismatches && !all.mismatches) all.bad_x = w.bad_x;
    all.mismatches += w.mismatches;
  }
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t stride = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  const char* names[] = {"exp", "expm1", "log", "log1p", "tanh", "sigmoid", "sin", "cos", "erf"};
  const char* only = argc > 2 ? argv[2] : nullptr;  // one function by name
  for (int isa = static_cast<int>(cgrad::cpu::best_isa()); isa >= 1; --isa) {
    cgrad::cpu::set_isa(static_cast<Isa>(isa));
    for (int f = 0; f < 9; ++f) {
      if (only && std::strcmp(only, names[f]) != 0) continue;
      Worst w = sweep(static_cast<Func>(f), stride);
      std::printf("%-7s %-8s max %.3f ulp at %.9g   special-value mismatches %ld (first %.9g)\n",
                  cgrad::cpu::isa_name(static_cast<Isa>(isa)), names[f], w.ulps, w.x,
                  w.mismatches, w.bad_x);
      std::fflush(stdout);
    }
  }
}
