#pragma once
// Random sampling (definitions in cpp/src/ops/random.cpp), drawing torch's CPU streams:
// after the same manual_seed, each function returns torch's values.
#include <memory>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad {

// A seeded stream of random numbers, as torch.Generator (Note [Generators]).
class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // torch's default CPU seed
  explicit Generator(uint64_t seed = kDefaultSeed);
  ~Generator();
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const;
  uint64_t seed();  // reseeds from the OS and returns the new seed
  // torch's 5056-byte state (Note [Torch's CPU random streams]); set_state throws
  // std::runtime_error with torch's message on a bad size or state.
  std::vector<uint8_t> get_state() const;
  void set_state(const uint8_t* bytes, size_t size);
  // Runs f(state) holding the generator's lock (random.cpp's sampling loops).
  template <class F> void with_state(F f);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The generator every op draws from unless a GeneratorGuard says otherwise.
Generator& default_generator();

// While alive, this thread's sampling ops draw from `g` (null: the default generator).
class GeneratorGuard {
 public:
  explicit GeneratorGuard(Generator* g);
  ~GeneratorGuard();
  GeneratorGuard(const GeneratorGuard&) = delete;
  GeneratorGuard& operator=(const GeneratorGuard&) = delete;

 private:
  Generator* previous_;
};

Tensor rand(const Shape& sizes, DType dtype);   // uniform in [0, 1)
Tensor randn(const Shape& sizes, DType dtype);  // standard normal
// In like's shape, drawn in the memory order empty_like(like) has, as torch.
Tensor rand_like(const Tensor& like, DType dtype);
Tensor randn_like(const Tensor& like, DType dtype);
Tensor randint_like(const Tensor& like, int64_t low, int64_t high, DType dtype);
// Integers uniform in [low, high), stored in any dtype that can hold them.
Tensor randint(int64_t low, int64_t high, const Shape& sizes, DType dtype);
Tensor randperm(int64_t n, DType dtype);  // a random permutation of 0..n-1
Tensor normal(double mean, double stdev, const Shape& sizes, DType dtype);
// Elementwise mean and std, broadcast together; either may be a Python scalar. Recorded
// as torch does, with zero gradients: NormalBackward1 (mean a tensor), NormalBackward2
// (std a tensor), NormalBackward3 (both).
Tensor normal(const Tensor& mean, const Tensor& stdev);
// 1 with probability p, elementwise over a floating tensor of probabilities
// (BernoulliBackward0, zero gradient)...
Tensor bernoulli(const Tensor& p);
// ... or with one probability, in input's shape and dtype.
Tensor bernoulli(const Tensor& input, double p);

// In place, recorded with a zero gradient for self's old value: UniformBackward0,
// NormalBackward0, BernoulliBackward2 (one p) and BernoulliBackward1 (a tensor of p,
// broadcast to self's shape).
Tensor& uniform_(Tensor& self, double from, double to);
Tensor& normal_(Tensor& self, double mean, double stdev);
Tensor& bernoulli_(Tensor& self, double p);
Tensor& bernoulli_(Tensor& self, const Tensor& p);

void manual_seed(uint64_t seed);

}  // namespace cgrad
