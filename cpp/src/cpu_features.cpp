// Note [One CPU feature check] (cgrad/cpu_features.h).
#include "cgrad/cpu_features.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace cgrad::cpu {

namespace {

Isa detect() {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();  // (a static initializer may run before libgcc's)
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
    return Isa::Avx512;
  if (avx2) return Isa::Avx2;
#endif
  return Isa::Baseline;
}

Isa clamp(Isa isa) { return isa > best_isa() ? best_isa() : isa; }

}  // namespace

namespace detail {

std::atomic<int8_t> active{-1};

Isa first_active() {
  Isa isa = best_isa();
  if (const char* wanted = std::getenv("CGRAD_ISA")) {
    for (Isa lower : {Isa::Baseline, Isa::Avx2})
      if (std::strcmp(wanted, isa_name(lower)) == 0) isa = clamp(lower);
  }
  active.store(static_cast<int8_t>(isa), std::memory_order_relaxed);
  return isa;
}

}  // namespace detail

Isa best_isa() {
  static const Isa best = detect();
  return best;
}

void set_isa(Isa isa) {
  detail::active.store(static_cast<int8_t>(clamp(isa)), std::memory_order_relaxed);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    case Isa::Baseline: return "baseline";
  }
  return "baseline";
}

}  // namespace cgrad::cpu
