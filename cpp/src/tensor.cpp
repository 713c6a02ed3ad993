#include "cgrad/tensor.h"

// TensorImpl's members that reach into the graph (its destructor and grad_fn) are in
// autograd/tensor_autograd.cpp: the tensor layer sits below the graph (Note [Layers]).

#include <algorithm>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"
#include "live_counts.h"

namespace cgrad {

int64_t live_tensor_count() { return live_counts::total(live_counts::kTensors); }

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage_, Shape sizes_, Shape strides_,
                       int64_t offset_, DType dtype_)
    : storage(std::move(storage_)),
      sizes(std::move(sizes_)),
      strides(std::move(strides_)),
      offset(offset_),
      dtype(dtype_),
      is_inference(InferenceMode::is_enabled()),
      version(&storage->version) {
  live_counts::add(live_counts::kTensors, 1);
}

bool TensorImpl::is_non_overlapping_and_dense() const {
  if (numel() == 0) return true;  // contiguous, as torch counts it
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of dims of size > 1
  for (size_t d = 0; d < sizes.size(); ++d)
    if (sizes[d] != 1) dims.emplace_back(strides[d], sizes[d]);
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (auto [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

void AutogradMetaDeleter::operator()(AutogradMeta* meta) const {
  meta->~AutogradMeta();
  CachingAllocator<AutogradMeta>().deallocate(meta, 1);
}

AutogradMeta& TensorImpl::autograd_meta() {
  if (!autograd) {
    AutogradMeta* meta = CachingAllocator<AutogradMeta>().allocate(1);
    autograd.reset(new (meta) AutogradMeta());  // AutogradMeta() does not throw
  }
  return *autograd;
}

void TensorImpl::set_requires_grad(bool value) {
  // Note [Leaf checks read the recorded grad_fn]
  if (has_recorded_grad_fn() && !value)
    throw std::runtime_error(
        "you can only change requires_grad flags of leaf variables. If you want to use a "
        "computed variable in a subgraph that doesn't require differentiation use "
        "var_no_grad = var.detach().");
  if (value && !is_floating(dtype))
    throw std::runtime_error(
        "Only Tensors of floating point and complex dtype can require gradients");
  if (!value && !autograd) return;
  if (has_recorded_grad_fn()) return;  // a non-leaf requires grad already
  autograd_meta().requires_grad = value;
}

Tensor empty(Shape sizes, DType dtype) {
  // torch words an element count or a byte count that overflows alike.
  auto overflowed = [&] {
    return std::runtime_error("Storage size calculation overflowed with sizes=" +
                              shape_str(sizes));
  };
  int64_t n = 1;
  for (int64_t s : sizes) {
    if (s < 0) numel_of(sizes);  // raises torch's negative-dimension error
    if (__builtin_mul_overflow(n, s, &n)) throw overflowed();
  }
  if (static_cast<size_t>(n) > std::numeric_limits<size_t>::max() / itemsize(dtype))
    throw overflowed();
  auto storage = std::allocate_shared<Storage>(CachingAllocator<Storage>(),
                                              static_cast<size_t>(n) * itemsize(dtype));
  Shape strides = contiguous_strides(sizes);
  return std::allocate_shared<TensorImpl>(CachingAllocator<TensorImpl>(), std::move(storage),
                                          std::move(sizes), std::move(strides), 0, dtype);
}

Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset) {
  auto t = std::allocate_shared<TensorImpl>(CachingAllocator<TensorImpl>(), base->storage,
                                            std::move(sizes), std::move(strides), offset,
                                            base->dtype);
  t->version = base->version;
  return t;
}

Tensor scalar_tensor(Scalar value, DType dtype) {
  Tensor t = empty({}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *static_cast<T*>(t->raw_data()) = value.to<T>();
  });
  return t;
}

Tensor wrapped_scalar(Scalar value, DType dtype) {
  Tensor t = scalar_tensor(value, dtype);
  t->is_wrapped_number = true;
  return t;
}

namespace {
int64_t flat_to_offset(const TensorImpl& t, int64_t flat) {
  if (flat < 0 || flat >= t.numel())  // (an empty tensor would divide by its zero size)
    throw std::runtime_error("a Tensor with " + std::to_string(t.numel()) +
                             " elements cannot be converted to Scalar");
  int64_t off = 0;
  for (size_t i = t.sizes.size(); i-- > 0;) {
    off += (flat % t.sizes[i]) * t.strides[i];
    flat /= t.sizes[i];
  }
  return off;
}
}  // namespace

double item_as_double(const TensorImpl& t, int64_t flat) {
  int64_t off = flat_to_offset(t, flat);
  return dispatch_all(t.dtype, [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    return static_cast<double>(t.data<T>()[off]);
  });
}

Scalar item_as_scalar(const TensorImpl& t, int64_t flat) {
  int64_t off = flat_to_offset(t, flat);
  return dispatch_all(t.dtype, [&](auto tag) -> Scalar {
    using T = typename decltype(tag)::type;
    if constexpr (is_small_float_v<T>) return Scalar(static_cast<float>(t.data<T>()[off]));
    else return Scalar(t.data<T>()[off]);
  });
}

int64_t item_as_int64(const TensorImpl& t, int64_t flat) {
  int64_t off = flat_to_offset(t, flat);
  return dispatch_all(t.dtype, [&](auto tag) -> int64_t {
    using T = typename decltype(tag)::type;
    return static_cast<int64_t>(t.data<T>()[off]);
  });
}

}  // namespace cgrad
