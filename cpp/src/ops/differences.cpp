// diff: composed of cat, narrow and sub as torch composes it, so the graph shows the
// same SubBackward0 / SliceBackward0 nodes.
#include <string>

#include "ops/common.h"

namespace cgrad {

namespace {

void check_joined(const Tensor& self, const Tensor& other, int64_t dim) {
  if (other->dim() != self->dim())
    throw std::runtime_error("diff expects prepend or append to be the same dimension as input");
  for (int64_t d = 0; d < self->dim(); ++d)
    if (d != dim && other->sizes[d] != self->sizes[d])
      throw std::runtime_error(
          "diff expects the shape of tensor to prepend or append to match that of input except "
          "along the differencing dimension; input.size(" + std::to_string(d) + ") = " +
          std::to_string(self->sizes[d]) + ", but got tensor.size(" + std::to_string(d) +
          ") = " + std::to_string(other->sizes[d]));
}

}  // namespace

Tensor diff(const Tensor& self, int64_t n, int64_t dim, const Tensor& prepend,
            const Tensor& append) {
  if (self->dim() == 0)
    throw std::runtime_error("diff expects input to be at least one-dimensional");
  if (n < 0) throw std::runtime_error("order must be non-negative but got " + std::to_string(n));
  const int64_t d = wrap_dim(dim, self->dim());
  Tensor result = self;
  if (prepend || append) {
    TensorList parts;
    for (const Tensor* t : {&prepend, &self, &append})
      if (*t) {
        check_joined(self, *t, d);
        parts.push_back(*t);
      }
    result = cat(parts, d);
  }
  if (n == 0) {  // torch returns a copy (CopyBackwards), never the input itself
    Tensor copy = empty(result->sizes, result->dtype);
    return copy_(copy, result);
  }
  // Differencing more often than there are elements leaves an empty dim.
  int64_t length = result->sizes[d];
  n = std::min(n, length);
  const bool boolean = result->dtype == DType::Bool;
  for (int64_t i = 0; i < n; ++i, --length) {
    Tensor later = narrow(result, d, 1, length - 1), earlier = narrow(result, d, 0, length - 1);
    result = boolean ? logical_xor(later, earlier) : sub(later, earlier);
  }
  return result;
}

}  // namespace cgrad
