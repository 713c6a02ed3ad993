#pragma once
// Small helpers shared by the C++ tests: build tensors from values, read them back.
#include <cstdint>
#include <vector>

#include "cgrad/tensor.h"

namespace cgrad::test {

// A fresh contiguous tensor of `sizes` holding `values` (row-major), cast to `dtype`.
inline Tensor from_values(const Shape& sizes, const std::vector<double>& values,
                          DType dtype = DType::Float32) {
  Tensor t = empty(sizes, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t->data<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<T>(values[i]);
  });
  return t;
}

// Every element of `t` in row-major order (follows strides and offset).
inline std::vector<double> values_of(const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t->numel()));
  for (int64_t i = 0; i < t->numel(); ++i) out[i] = item_as_double(*t, i);
  return out;
}

// A leaf that requires grad.
inline Tensor leaf(const Shape& sizes, const std::vector<double>& values,
                   DType dtype = DType::Float32) {
  Tensor t = from_values(sizes, values, dtype);
  t->set_requires_grad(true);
  return t;
}

}  // namespace cgrad::test
