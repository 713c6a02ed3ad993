#pragma once
// DLPack, the in-memory tensor exchange ABI shared by array libraries
// (https://dmlc.github.io/dlpack/latest/c_api.html), and cgrad's conversions to and from
// it. The structs below are written from the specification: their field order, types and
// enum values are the ABI, so they must stay exactly as specified (version 1.1).
#include <cstdint>

#include "cgrad/tensor.h"

namespace cgrad {

namespace dlpack {

// The ABI version this header describes.
constexpr uint32_t kMajorVersion = 1;
constexpr uint32_t kMinorVersion = 1;

struct Version {
  uint32_t major;
  uint32_t minor;
};

// DLDeviceType: the values of the spec's enum (only the CPU is ours; the others are
// named so that errors can say which device a foreign tensor lives on).
enum DeviceType : int32_t {
  kCPU = 1,
  kCUDA = 2,
  kCUDAHost = 3,
  kOpenCL = 4,
  kVulkan = 7,
  kMetal = 8,
  kVPI = 9,
  kROCM = 10,
  kROCMHost = 11,
  kExtDev = 12,
  kCUDAManaged = 13,
  kOneAPI = 14,
  kWebGPU = 15,
  kHexagon = 16,
  kMAIA = 17,
};

struct Device {
  DeviceType device_type;
  int32_t device_id;
};

// DLDataTypeCode.
enum TypeCode : uint8_t {
  kInt = 0,
  kUInt = 1,
  kFloat = 2,
  kOpaqueHandle = 3,
  kBfloat = 4,
  kComplex = 5,
  kBool = 6,
};

struct DataType {
  uint8_t code;   // a TypeCode
  uint8_t bits;   // bits per lane
  uint16_t lanes; // 1 for scalars
};

// DLTensor: a non-owning description of strided memory. `shape` and `strides` have
// `ndim` entries (strides in elements; null strides mean compact row-major).
struct TensorView {
  void* data;
  Device device;
  int32_t ndim;
  DataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};

// DLManagedTensor: the legacy (pre-1.0) owning wrapper, in a "dltensor" capsule.
struct ManagedTensor {
  TensorView dl_tensor;
  void* manager_ctx;
  void (*deleter)(ManagedTensor* self);
};

// DLManagedTensorVersioned (1.0 and later), in a "dltensor_versioned" capsule.
constexpr uint64_t kFlagReadOnly = uint64_t(1) << 0;
constexpr uint64_t kFlagIsCopied = uint64_t(1) << 1;
struct ManagedTensorVersioned {
  Version version;
  void* manager_ctx;
  void (*deleter)(ManagedTensorVersioned* self);
  uint64_t flags;
  TensorView dl_tensor;
};

}  // namespace dlpack

// A DLPack description of `t` that keeps t's memory alive until its deleter runs (no
// copy). `is_copied` sets the versioned form's IS_COPIED flag.
dlpack::ManagedTensor* to_dlpack(const Tensor& t);
dlpack::ManagedTensorVersioned* to_dlpack_versioned(const Tensor& t, bool is_copied);

// A tensor over the memory a DLPack producer handed over (no copy). The tensor takes
// ownership: the producer's deleter runs when its storage dies. Throws (leaving the
// ownership with the caller) when the memory is not on the CPU or its element type has
// no cgrad dtype.
Tensor from_dlpack(dlpack::ManagedTensor* managed);
Tensor from_dlpack(dlpack::ManagedTensorVersioned* managed);

}  // namespace cgrad
