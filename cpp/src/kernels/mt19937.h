#pragma once
// The 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998) with its state kept in the
// fields torch's CPU generator saves (seed, draws left, seeded flag, next index, 624
// words), so get_state/set_state can read and write torch's byte layout
// (Note [Torch's CPU random streams], cpp/src/kernels/random.h).
#include <cstdint>

namespace cgrad::kernels {

class Mt19937 {
 public:
  static constexpr int kStateWords = 624;

  explicit Mt19937(uint64_t seed = 5489) { seed_with(seed); }

  // Knuth's initialisation from the low 32 bits of the seed (torch keeps all 64 for
  // initial_seed() but feeds the twister only these).
  void seed_with(uint64_t seed) {
    seed_ = seed;
    seeded_ = true;
    state_[0] = static_cast<uint32_t>(seed);
    for (int j = 1; j < kStateWords; ++j)
      state_[j] = 1812433253u * (state_[j - 1] ^ (state_[j - 1] >> 30)) + static_cast<uint32_t>(j);
    left_ = 1;  // the first draw twists
    next_ = 0;
  }

  uint32_t operator()() {
    if (--left_ == 0) twist();
    uint32_t y = state_[next_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  // torch's validity rule for a restored state.
  bool is_valid() const {
    return seeded_ && left_ > 0 && left_ <= kStateWords && next_ <= static_cast<uint32_t>(kStateWords);
  }

  uint64_t seed_;
  int32_t left_;
  bool seeded_;
  uint32_t next_;
  uint32_t state_[kStateWords];

 private:
  static uint32_t mix(uint32_t u, uint32_t v) {
    return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
  }
  void twist() {
    constexpr int n = kStateWords, m = 397;
    int i = 0;
    for (; i < n - m; ++i) state_[i] = state_[i + m] ^ mix(state_[i], state_[i + 1]);
    for (; i < n - 1; ++i) state_[i] = state_[i + m - n] ^ mix(state_[i], state_[i + 1]);
    state_[n - 1] = state_[m - 1] ^ mix(state_[n - 1], state_[0]);
    left_ = n;
    next_ = 0;
  }
};

}  // namespace cgrad::kernels
