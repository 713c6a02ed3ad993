#include "cgrad/dtype.h"

#include <atomic>
#include <stdexcept>

#include "cgrad/scalar.h"

namespace cgrad {

// Note [Default dtype]: torch.set_default_dtype changes one process-wide setting that
// every thread sees (not a thread-local one like grad mode), so it is one atomic here;
// ops read it once per call.
namespace {
std::atomic<DType> default_float_dtype{DType::Float32};
}  // namespace

DType default_float() { return default_float_dtype.load(std::memory_order_relaxed); }
void set_default_float(DType t) { default_float_dtype.store(t, std::memory_order_relaxed); }

size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool: return 1;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::Float32: return 4;
    case DType::Float64: return 8;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

const char* dtype_torch_name(DType t) {
  switch (t) {
    case DType::Bool: return "Bool";
    case DType::Int32: return "Int";
    case DType::Int64: return "Long";
    case DType::Float32: return "Float";
    case DType::Float64: return "Double";
  }
  return "?";
}

const char* dtype_cpp_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int32: return "int";
    case DType::Int64: return "long int";
    case DType::Float32: return "float";
    case DType::Float64: return "double";
  }
  return "?";
}

void check_scalar_fits(const Scalar& value, DType dtype) {
  if (value.fits(dtype)) return;
  const char* names[kNumDTypes] = {"bool", "int", "int64_t", "float", "double"};
  throw std::runtime_error(std::string("value cannot be converted to type ") +
                           names[static_cast<int>(dtype)] + " without overflow");
}

DType promote_types(DType a, DType b) {
  // Our five types form a chain under torch's lattice: bool < int32 < int64 < float32 <
  // float64 (int64 with float32 gives float32).
  return static_cast<uint8_t>(a) > static_cast<uint8_t>(b) ? a : b;
}

}  // namespace cgrad
