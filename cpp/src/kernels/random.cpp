// Torch's CPU random streams (Note [Torch's CPU random streams] in random.h): the state
// layout, uniforms and the per-element normals.
#include "random.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace cgrad::kernels {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;

// Byte offsets in torch's CPUGeneratorImplState.
constexpr size_t kSeedAt = 0, kLeftAt = 8, kSeededAt = 12, kNextAt = 16, kWordsAt = 24;
constexpr size_t kNormalYAt = kWordsAt + 8 * Mt19937::kStateWords + 8;
constexpr size_t kNormalValidAt = kNormalYAt + 16;
constexpr size_t kFloatNormalAt = 5048, kFloatNormalValidAt = 5052;

template <class T> void put(std::vector<uint8_t>& b, size_t at, T v) { std::memcpy(&b[at], &v, sizeof v); }
template <class T> T get(const uint8_t* b, size_t at) {
  T v;
  std::memcpy(&v, b + at, sizeof v);
  return v;
}
}  // namespace

double RandomState::standard_normal() {
  if (next_double_normal) {
    const double z = *next_double_normal;
    next_double_normal.reset();
    return z;
  }
  const double u1 = uniform_double();
  const double u2 = uniform_double();
  const double r = std::sqrt(-2.0 * std::log1p(-u2));
  const double theta = kTwoPi * u1;
  next_double_normal = r * std::sin(theta);
  return r * std::cos(theta);
}

std::vector<uint8_t> save_state(const RandomState& s) {
  std::vector<uint8_t> b(kRandomStateBytes, 0);
  const Mt19937& e = s.engine;
  put<uint64_t>(b, kSeedAt, e.seed_);
  put<int32_t>(b, kLeftAt, e.left_);
  put<int32_t>(b, kSeededAt, e.seeded_ ? 1 : 0);
  put<uint64_t>(b, kNextAt, e.next_);
  for (int i = 0; i < Mt19937::kStateWords; ++i) put<uint64_t>(b, kWordsAt + 8 * i, e.state_[i]);
  if (s.next_double_normal) {
    put<double>(b, kNormalYAt, *s.next_double_normal);
    put<int32_t>(b, kNormalValidAt, 1);
  }
  if (s.next_float_normal) {
    put<float>(b, kFloatNormalAt, *s.next_float_normal);
    b[kFloatNormalValidAt] = 1;
  }
  return b;
}

void load_state(RandomState& s, const uint8_t* b, size_t size) {
  if (size != kRandomStateBytes)
    throw std::runtime_error("Expected a CPUGeneratorImplState of size " +
                             std::to_string(kRandomStateBytes) +
                             " but found the input RNG state size to be " + std::to_string(size));
  Mt19937 e;
  e.seed_ = get<uint64_t>(b, kSeedAt);
  e.left_ = get<int32_t>(b, kLeftAt);
  e.seeded_ = get<int32_t>(b, kSeededAt) != 0;
  e.next_ = static_cast<uint32_t>(get<uint64_t>(b, kNextAt));
  for (int i = 0; i < Mt19937::kStateWords; ++i)
    e.state_[i] = static_cast<uint32_t>(get<uint64_t>(b, kWordsAt + 8 * i));
  if (!e.is_valid()) throw std::runtime_error("Invalid mt19937 state");
  s.engine = e;
  s.next_double_normal.reset();
  s.next_float_normal.reset();
  if (get<int32_t>(b, kNormalValidAt)) s.next_double_normal = get<double>(b, kNormalYAt);
  if (b[kFloatNormalValidAt]) s.next_float_normal = get<float>(b, kFloatNormalAt);
}

void uniform_fill(RandomState& s, float* out, int64_t n, float from, float to) {
  const float span = to - from;
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(s.uniform_float(), span, from);
}

void uniform_fill(RandomState& s, double* out, int64_t n, double from, double to) {
  const double span = to - from;
  for (int64_t i = 0; i < n; ++i) out[i] = std::fma(s.uniform_double(), span, from);
}

template <class T> void normal_fill_serial(RandomState& s, T* out, int64_t n, double mean, double std) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(std::fma(s.standard_normal(), std, mean));
}
template void normal_fill_serial(RandomState&, float*, int64_t, double, double);
template void normal_fill_serial(RandomState&, double*, int64_t, double, double);

}  // namespace cgrad::kernels
