// A tensor's whole storage as Python sees it, for copy.copy, copy.deepcopy and pickle
// (python/cgrad/_tensor_copy.py): they copy or serialize the storage once and rebuild
// each tensor over it from its sizes, strides and offset, as torch does.
#include <limits>
#include <string>

#include "bindings.h"

namespace cgrad::bindings {

namespace {

// The elements the storage of `t` holds.
int64_t storage_numel(const Tensor& t) {
  return static_cast<int64_t>(t->storage->nbytes() / itemsize(t->dtype));
}

// A tensor over `storage`'s memory with the given geometry; checked against its bounds,
// since a pickle may carry any numbers.
Tensor tensor_over(const Tensor& storage, const Shape& sizes, const Shape& strides,
                   int64_t offset) {
  if (sizes.size() != strides.size())
    throw std::runtime_error("mismatch in length of strides and shape");
  int64_t last = offset;  // the highest element the tensor reaches
  bool empty = false, overflow = false;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] < 0 || strides[d] < 0)
      throw std::runtime_error("tensor sizes and strides must be non-negative, got sizes " +
                               shape_str(sizes) + " and strides " + shape_str(strides));
    empty = empty || sizes[d] == 0;
    int64_t reach = 0;
    overflow = overflow || __builtin_mul_overflow(sizes[d] - 1, strides[d], &reach) ||
               __builtin_add_overflow(last, reach, &last);
  }
  const int64_t available = storage_numel(storage);
  overflow = overflow || last == std::numeric_limits<int64_t>::max();
  const int64_t needed = empty || overflow ? 0 : last + 1;
  if (offset < 0 || (!empty && (overflow || needed > available))) {
    const int64_t size = static_cast<int64_t>(itemsize(storage->dtype));
    int64_t needed_bytes = 0;  // a geometry from a pickle may overflow even in bytes
    const bool huge = overflow || __builtin_mul_overflow(needed, size, &needed_bytes);
    throw std::runtime_error(
        "setStorage: sizes " + shape_str(sizes) + ", strides " + shape_str(strides) +
        ", storage offset " + std::to_string(offset) + ", and itemsize " +
        std::to_string(size) + " requiring a storage size of " +
        (huge ? std::string("more than 2^63 bytes") : std::to_string(needed_bytes)) +
        " are out of bounds for storage of size " + std::to_string(available * size));
  }
  return make_view(storage, sizes, strides, offset);
}

}  // namespace

void init_storage(py::module_& m) {
  m.def("_storage_key", [](const Tensor& t) {
    return reinterpret_cast<uintptr_t>(t->storage.get());
  }, "Equal for tensors that share one storage (while they live).");
  m.def("_storage_flat", [](const Tensor& t) {
    return make_view(t, {storage_numel(t)}, {1}, 0);
  }, "A 1-D tensor over the whole storage of `t` (no autograd).");
  m.def("_tensor_over", [](const Tensor& storage, const Shape& sizes, const Shape& strides,
                           int64_t offset) { return tensor_over(storage, sizes, strides, offset); },
        py::arg("storage"), py::arg("sizes"), py::arg("strides"), py::arg("offset"),
        "A tensor over the storage of `storage` with the given geometry (no autograd).");
}

}  // namespace cgrad::bindings
