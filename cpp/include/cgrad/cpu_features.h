#pragma once
// Note [One CPU feature check]: which x86 vector instruction set the kernels use (vecmath,
// gemm, the wide + - * / loops). The CPU is asked once; every kernel reads active_isa(),
// so forcing a narrower set (tests only: set_isa, or CGRAD_ISA=avx2|baseline in the
// environment when the library loads, which the C++ tests use) moves all of them at once.
#include <atomic>
#include <cstdint>

namespace cgrad::cpu {

// Each implies the ones before it. Avx2 is AVX2 with FMA; Avx512 is AVX-512 F, DQ, VL
// and BW. Baseline is plain x86-64 (SSE2) or another architecture.
enum class Isa : int8_t { Baseline, Avx2, Avx512 };

Isa best_isa();  // the widest this CPU runs
const char* isa_name(Isa isa);
// Tests only, not to be called while kernels run: forces a narrower set (clamped to
// best_isa()).
void set_isa(Isa isa);

namespace detail {
extern std::atomic<int8_t> active;  // -1 until first read
Isa first_active();
}  // namespace detail

// What the kernels use now. Inline and a relaxed load: it is read on every kernel call.
inline Isa active_isa() {
  int8_t a = detail::active.load(std::memory_order_relaxed);
  return a >= 0 ? static_cast<Isa>(a) : detail::first_active();
}

}  // namespace cgrad::cpu
