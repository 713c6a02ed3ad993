#include "cgrad/dtype.h"

#include <atomic>
#include <limits>
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

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::UInt8: return "uint8";
    case DType::Int8: return "int8";
    case DType::Int16: return "int16";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
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
    case DType::UInt8: return "Byte";
    case DType::Int8: return "Char";
    case DType::Int16: return "Short";
    case DType::Float16: return "Half";
    case DType::BFloat16: return "BFloat16";
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
    case DType::UInt8: return "unsigned char";
    case DType::Int8: return "signed char";
    case DType::Int16: return "short int";
    case DType::Float16: return "c10::Half";
    case DType::BFloat16: return "c10::BFloat16";
  }
  return "?";
}

std::string dtype_legacy_type_name(DType t) {
  // Dtypes with a legacy Python tensor class print it; bool and bfloat16 have none, so
  // torch prints their backend type instead.
  if (t == DType::Bool || t == DType::BFloat16)
    return std::string("CPU") + dtype_torch_name(t) + "Type";
  return std::string("torch.") + dtype_torch_name(t) + "Tensor";
}

void check_scalar_fits(const Scalar& value, DType dtype) {
  if (value.fits(dtype)) return;
  const char* names[kNumDTypes] = {"bool", "int", "int64_t", "float", "double", "uint8_t",
                                   "int8_t", "int16_t", "c10::Half", "c10::BFloat16"};
  throw std::runtime_error(std::string("value cannot be converted to type ") +
                           names[static_cast<int>(dtype)] + " without overflow");
}

void throw_not_implemented_for(const char* kernel, DType t) {
  throw NotImplementedError(std::string("\"") + kernel + "\" not implemented for '" +
                            dtype_torch_name(t) + "'");
}

double max_finite(DType t) {
  switch (t) {
    case DType::Float16: return 65504.0;
    case DType::BFloat16: return 3.3895313892515355e38;  // (2 - 2**-7) * 2**127
    case DType::Float32: return std::numeric_limits<float>::max();
    default: return std::numeric_limits<double>::max();
  }
}

DType promote_types_of_different(DType a, DType b) {
  // torch's lattice: bool below everything; integers by width, except that uint8 with
  // int8 needs int16 and uint8 with any wider signed type is that type; any floating type
  // above every integer; among floats the wider wins, but float16 with bfloat16 (neither
  // holds the other) is float32.
  if (a == b || b == DType::Bool) return a;
  if (a == DType::Bool) return b;
  const bool fa = is_floating(a), fb = is_floating(b);
  if (fa != fb) return fa ? a : b;
  if (fa && is_reduced_float(a) && is_reduced_float(b)) return DType::Float32;
  if (!fa && (a == DType::UInt8 || b == DType::UInt8)) {
    const DType other = a == DType::UInt8 ? b : a;
    return other == DType::Int8 ? DType::Int16 : other;
  }
  return itemsize(a) >= itemsize(b) ? a : b;
}

}  // namespace cgrad
