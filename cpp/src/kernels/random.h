#pragma once
// Random draws in torch's CPU streams: the generator state (an mt19937 and the cached
// second normal) and the distributions' transforms, on raw buffers filled in draw order.
// The op layer (cpp/src/ops/random.cpp) checks arguments and places values in a tensor.
//
// Note [Torch's CPU random streams]
// Found by experiment against torch 2.13 CPU (tests/test_random_streams.py keeps it so):
// - The engine is the 32-bit mt19937 seeded with the low 32 bits of the seed (Knuth's
//   initialisation); the first draw after seeding twists. random32 is one output;
//   random64 is two, the first in the high half.
// - uniform: float takes the low 24 bits of one random32, double the low 53 bits of one
//   random64, times 2^-24 / 2^-53; [from, to) is fma(u, to - from, from) in the dtype.
// - normal, double or fewer than 16 elements or not contiguous: per element, a
//   double Box-Muller pair from two double uniforms u1, u2 (r = sqrt(-2 log1p(-u2)),
//   theta = 2 pi u1), returning r cos(theta) and caching r sin(theta) in the generator for
//   the next normal draw (it survives across calls until reseeded, and is in the saved
//   state). The value is fma(z, std, mean), rounded to the dtype.
// - normal, 16 or more contiguous elements: all n uniforms of the dtype are drawn first;
//   then each block of 16 pairs element j with j + 8 (u1 = 1 - x[j], u2 = x[j + 8]) by
//   Box-Muller, cos into j and sin into j + 8; a tail (n % 16) redraws 16 fresh uniforms
//   into the last 16 elements and transforms them again. float32 uses Cephes-style
//   single-precision log and sincos (the polynomials of the widely used avx_mathfun,
//   with torch's build's fused multiply-adds), theta = float(2 pi) * u2 in float;
//   double uses libm log/cos/sin. No cache is touched.
// - float16/bfloat16 draw as float32 does and round each value once at the end
//   (uniform, normal, exponential, bernoulli alike), except that the 16-at-a-time normal
//   path draws uniforms for the whole blocks only, before its fresh tail of 16.
//   random_() gives [0, 2^digits] (2049 values for float16, 257 for bfloat16); the
//   small integers take random32 % (max + 1).
// - integers: random_(from, to) is from + r % range with r a random64 when range >= 2^32
//   (int64, float, double) else a random32; randperm(n) swaps i with i + random32 % (n - i)
//   for i < n - 1 (random64 % (i + 1), inside-out, once n >= 2^32 / 20).
// - bernoulli: a double uniform < p per element (float tensors of p: a float uniform).
// - exponential: (-1 / lambda) * log1p(-u) with u a double uniform.
// - multinomial: with replacement, a double uniform per sample searched in the row's
//   normalised cumulative sums; without, q = exponential_(1) in the input's dtype and
//   the top k of p / q.
// - The saved state is torch's 5056 bytes: seed u64, left i32, seeded i32, next u64,
//   624 words as u64, normal_x, normal_y (the cached double normal), normal_rho doubles,
//   normal_is_valid i32, 4 pad, next float normal, its valid flag, 3 pad.
#include <cstdint>
#include <optional>
#include <vector>

#include "mt19937.h"

namespace cgrad::kernels {

struct RandomState {
  Mt19937 engine;
  std::optional<double> next_double_normal;
  std::optional<float> next_float_normal;

  explicit RandomState(uint64_t seed) : engine(seed) {}
  void reseed(uint64_t seed) {
    engine.seed_with(seed);
    next_double_normal.reset();
    next_float_normal.reset();
  }
  uint32_t random32() { return engine(); }
  uint64_t random64() {
    const uint64_t hi = engine();
    return (hi << 32) | engine();
  }
  float uniform_float() { return static_cast<float>(random32() & ((1u << 24) - 1)) * 0x1.0p-24f; }
  double uniform_double() {
    return static_cast<double>(random64() & ((uint64_t{1} << 53) - 1)) * 0x1.0p-53;
  }
  // One standard normal, using and refilling the cached second value of a pair.
  double standard_normal();
};

constexpr size_t kRandomStateBytes = 5056;
std::vector<uint8_t> save_state(const RandomState& s);
// Throws std::runtime_error with torch's message on a wrong size or invalid state.
void load_state(RandomState& s, const uint8_t* bytes, size_t size);

// out[i] = uniform in [from, to) in draw order.
void uniform_fill(RandomState& s, float* out, int64_t n, float from, float to);
void uniform_fill(RandomState& s, double* out, int64_t n, double from, double to);
// Per-element normals (the cached path), in draw order.
template <class T> void normal_fill_serial(RandomState& s, T* out, int64_t n, double mean, double std);
// The 16-at-a-time path for n >= 16 contiguous elements.
void normal_fill_blocks(RandomState& s, float* out, int64_t n, float mean, float std);
void normal_fill_blocks(RandomState& s, double* out, int64_t n, double mean, double std);
// The same path as float16/bfloat16 take it, into a float buffer that the caller rounds.
void normal_fill_blocks_16bit(RandomState& s, float* out, int64_t n, float mean, float std);

}  // namespace cgrad::kernels
