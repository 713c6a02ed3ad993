// cgrad.memory_format objects (contiguous_format, channels_last, ...) and
// Tensor.is_contiguous(memory_format=...).
#include <string>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

enum class MemoryFormat { Contiguous, Preserve, ChannelsLast, ChannelsLast3d };

struct MemoryFormatObject {
  MemoryFormat format;
  const char* name;
};

// One object per format, returned by reference so `fmt is cgrad.channels_last` holds.
MemoryFormatObject formats[] = {{MemoryFormat::Contiguous, "contiguous_format"},
                                {MemoryFormat::Preserve, "preserve_format"},
                                {MemoryFormat::ChannelsLast, "channels_last"},
                                {MemoryFormat::ChannelsLast3d, "channels_last_3d"}};

// Note [Channels-last contiguity]: a tensor is channels-last contiguous when walking the
// dims innermost first as C, then W, H (, D), then N, each dim of size other than 1 has
// the stride of the dims walked before it multiplied together (dims of size 1 may have any
// stride), as torch decides it. Only 4-d (channels_last) and 5-d (channels_last_3d) tensors
// qualify.
bool channels_last_contiguous(const TensorImpl& t, std::initializer_list<int> order) {
  if (t.dim() != static_cast<int64_t>(order.size())) return false;
  int64_t expected = 1;
  for (int d : order) {
    if (t.sizes[d] == 1) continue;
    if (t.strides[d] != expected) return false;
    expected *= t.sizes[d];
  }
  return true;
}

}  // namespace

bool is_contiguous_as(const TensorImpl& t, py::handle memory_format) {
  if (!py::isinstance<MemoryFormatObject>(memory_format))
    throw TypeError("is_contiguous(): argument 'memory_format' must be cgrad.memory_format, "
                    "not " + type_name(memory_format));
  switch (memory_format.cast<MemoryFormatObject*>()->format) {
    case MemoryFormat::ChannelsLast: return channels_last_contiguous(t, {1, 3, 2, 0});
    case MemoryFormat::ChannelsLast3d: return channels_last_contiguous(t, {1, 4, 3, 2, 0});
    default: return t.is_contiguous();  // preserve_format asks about the default layout too
  }
}

py::object contiguous_format_object() {
  return py::cast(&formats[0], py::return_value_policy::reference);
}

void init_memory_format(py::module_& m) {
  py::class_<MemoryFormatObject>(m, "memory_format")
      .def("__repr__", [](const MemoryFormatObject& f) { return std::string("cgrad.") + f.name; })
      .def("__reduce__", [](const MemoryFormatObject& f) { return std::string(f.name); });
  for (MemoryFormatObject& f : formats)
    m.attr(f.name) = py::cast(&f, py::return_value_policy::reference);
}

}  // namespace cgrad::bindings
