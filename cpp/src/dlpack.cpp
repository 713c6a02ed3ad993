// Conversions between cgrad tensors and DLPack's managed tensors, both zero-copy.
#include "cgrad/dlpack.h"

#include <string>
#include <vector>

#include "cgrad/errors.h"

namespace cgrad {

namespace {

dlpack::DataType dlpack_type_of(DType t) {
  const uint8_t bits = static_cast<uint8_t>(8 * itemsize(t));
  switch (t) {
    case DType::Bool: return {dlpack::kBool, bits, 1};
    case DType::Int8:
    case DType::Int16:
    case DType::Int32:
    case DType::Int64: return {dlpack::kInt, bits, 1};
    case DType::UInt8: return {dlpack::kUInt, bits, 1};
    case DType::Float16:
    case DType::Float32:
    case DType::Float64: return {dlpack::kFloat, bits, 1};
    case DType::BFloat16: return {dlpack::kBfloat, bits, 1};
  }
  throw TypeError(std::string("to_dlpack: no DLPack type for ") + dtype_name(t));
}

const char* type_code_name(uint8_t code) {
  switch (code) {
    case dlpack::kInt: return "int";
    case dlpack::kUInt: return "uint";
    case dlpack::kFloat: return "float";
    case dlpack::kOpaqueHandle: return "opaque handle";
    case dlpack::kBfloat: return "bfloat";
    case dlpack::kComplex: return "complex";
    case dlpack::kBool: return "bool";
  }
  return "unknown";
}

DType dtype_of_dlpack(dlpack::DataType t) {
  if (t.lanes == 1) {
    for (int i = 0; i < kNumDTypes; ++i) {
      const DType d = static_cast<DType>(i);
      const dlpack::DataType ours = dlpack_type_of(d);
      if (ours.code == t.code && ours.bits == t.bits) return d;
    }
  }
  throw TypeError("from_dlpack: cgrad has no dtype for DLPack's " +
                  std::string(type_code_name(t.code)) + std::to_string(t.bits) +
                  (t.lanes == 1 ? std::string() : " x" + std::to_string(t.lanes) + " lanes") +
                  "; its dtypes are float16, bfloat16, float32, float64, uint8, int8, int16, int32, "
                  "int64 and bool");
}

// What a producer-owned DLPack tensor carries for us: the tensor that keeps the memory
// alive, and the shape and strides arrays the DLTensor points at.
template <class Managed> struct ExportContext {
  Tensor owner;
  std::vector<int64_t> shape, strides;
  Managed managed{};
};

template <class Managed> void delete_export(Managed* managed) {
  delete static_cast<ExportContext<Managed>*>(managed->manager_ctx);
}

template <class Managed> Managed* export_tensor(const Tensor& t) {
  auto* ctx = new ExportContext<Managed>();
  // An alias without autograd metadata: shares the storage, so the memory outlives `t`.
  ctx->owner = make_view(t, t->sizes, t->strides, t->offset);
  ctx->shape.assign(t->sizes.begin(), t->sizes.end());
  ctx->strides.assign(t->strides.begin(), t->strides.end());
  dlpack::TensorView& view = ctx->managed.dl_tensor;
  view.data = t->numel() == 0 ? nullptr : t->raw_data();  // as torch exports empty tensors
  view.device = {dlpack::kCPU, 0};
  view.ndim = static_cast<int32_t>(t->dim());
  view.dtype = dlpack_type_of(t->dtype);
  view.shape = ctx->shape.data();
  view.strides = ctx->strides.data();
  view.byte_offset = 0;
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = &delete_export<Managed>;
  return &ctx->managed;
}

// Note [DLPack imports]: the imported tensor's storage borrows the producer's memory and
// owns the managed tensor, whose deleter runs when the storage dies (from whichever
// thread drops the last reference: the spec asks producers' deleters to allow that).
// The storage is new, so the tensor has a version counter of its own, as torch's
// from_dlpack gives even for one of its own tensors. cgrad tensors have no negative
// strides, so memory described with them is refused rather than misread.
template <class Managed> Tensor import_tensor(Managed* managed) {
  const dlpack::TensorView& view = managed->dl_tensor;
  if (view.device.device_type != dlpack::kCPU && view.device.device_type != dlpack::kCUDAHost)
    throw std::runtime_error("from_dlpack: the tensor is on DLPack device type " +
                             std::to_string(view.device.device_type) +
                             "; cgrad tensors live in CPU memory only");
  const DType dtype = dtype_of_dlpack(view.dtype);
  if (view.ndim < 0) throw std::runtime_error("from_dlpack: negative ndim");
  const int64_t item = static_cast<int64_t>(itemsize(dtype));
  Shape sizes(view.shape, view.shape + view.ndim), strides(sizes.size());
  for (int64_t d = view.ndim - 1, contiguous = 1; d >= 0; --d) {
    strides[d] = view.strides ? view.strides[d] : contiguous;  // null: row-major
    contiguous *= sizes[d];
  }
  int64_t numel = 1, extent = 1;  // elements spanned from the first to the last
  for (int64_t d = 0; d < view.ndim; ++d) {
    if (sizes[d] < 0) throw std::runtime_error("from_dlpack: negative size " + shape_str(sizes));
    if (strides[d] < 0)
      throw ValueError("from_dlpack: the tensor has negative strides " + shape_str(strides) +
                       ", which cgrad tensors cannot have; copy it first");
    numel *= sizes[d];
    extent += (sizes[d] - 1) * strides[d];
  }
  if (numel == 0) extent = 0;
  if (view.byte_offset % item != 0)
    throw std::runtime_error("from_dlpack: byte_offset is not a multiple of the element size");
  const int64_t offset = static_cast<int64_t>(view.byte_offset) / item;
  std::shared_ptr<void> keep_alive(managed, [](void* p) {
    auto* m = static_cast<Managed*>(p);
    if (m->deleter) m->deleter(m);
  });
  auto storage = std::make_shared<Storage>(view.data, static_cast<size_t>((offset + extent) * item),
                                           std::move(keep_alive));
  return std::make_shared<TensorImpl>(std::move(storage), std::move(sizes), std::move(strides),
                                      offset, dtype);
}

}  // namespace

dlpack::ManagedTensor* to_dlpack(const Tensor& t) {
  return export_tensor<dlpack::ManagedTensor>(t);
}

dlpack::ManagedTensorVersioned* to_dlpack_versioned(const Tensor& t, bool is_copied) {
  auto* managed = export_tensor<dlpack::ManagedTensorVersioned>(t);
  managed->version = {dlpack::kMajorVersion, dlpack::kMinorVersion};
  managed->flags = is_copied ? dlpack::kFlagIsCopied : 0;
  return managed;
}

Tensor from_dlpack(dlpack::ManagedTensor* managed) { return import_tensor(managed); }

Tensor from_dlpack(dlpack::ManagedTensorVersioned* managed) {
  if (managed->version.major > dlpack::kMajorVersion)
    throw std::runtime_error("from_dlpack: DLPack version " +
                             std::to_string(managed->version.major) + "." +
                             std::to_string(managed->version.minor) +
                             " is newer than the 1.x cgrad reads");
  return import_tensor(managed);
}

}  // namespace cgrad
