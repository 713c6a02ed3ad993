// nn.functional.pad's constant, reflect and replicate modes (circular is composed in
// Python: python/cgrad/nn/_functional_layers.py), and cgrad.constant_pad_nd.
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

std::vector<int64_t> pad_arg(py::handle h, const char* op) {
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw TypeError(std::string(op) + "(): argument 'pad' (position 2) must be tuple of ints, "
                    "not " + type_name(h));
  std::vector<int64_t> pad;
  for (py::handle item : h) {
    if (!PyLong_Check(item.ptr()) && !py::isinstance<TensorImpl>(item))
      throw TypeError(std::string(op) + "(): argument 'pad' (position 2) must be tuple of ints, "
                      "but found element of type " + type_name(item) + " at pos " +
                      std::to_string(pad.size()));
    pad.push_back(int64_from_py(item));
  }
  return pad;
}

// torch's checks of the pad's length against the input's rank, for the modes that pad
// with the input's own values (reflect, replicate, circular).
void check_non_constant_pad(const Tensor& input, const std::vector<int64_t>& pad) {
  if (pad.size() % 2 != 0) throw std::runtime_error("Padding length must be divisible by 2");
  const int64_t k = static_cast<int64_t>(pad.size()) / 2, nd = input->dim();
  if (k > nd)  // torch checks this before the mode's supported ranks
    throw std::runtime_error("Padding length should be less than or equal to two times the input "
                             "dimension but got padding length " + std::to_string(pad.size()) +
                             " and input of dimension " + std::to_string(nd));
  if (k < 1 || k > 3 || (nd != k + 1 && nd != k + 2))
    throw NotImplementedError(
        "Padding size " + std::to_string(pad.size()) + " is not supported for " +
        std::to_string(nd) + "D input tensor.\nSupported combinations for non-constant padding:\n"
        "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
        "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
        "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)");
}

// Then the sizes, for reflect and replicate.
void check_edge_pad(const Tensor& input, const std::vector<int64_t>& pad, bool reflect) {
  check_non_constant_pad(input, pad);
  const int64_t k = static_cast<int64_t>(pad.size()) / 2, nd = input->dim();
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = nd - 1 - i, size = input->sizes[d];
    const int64_t left = pad[2 * i], right = pad[2 * i + 1];
    if (reflect && (left >= size || right >= size))
      throw std::runtime_error("Argument #4: Padding size should be less than the corresponding "
                               "input dimension, but got: padding (" + std::to_string(left) +
                               ", " + std::to_string(right) + ") at dimension " +
                               std::to_string(d) + " of input " + shape_str(input->sizes));
    if (size + left + right <= 0 || (!reflect && size == 0))
      throw std::runtime_error("input tensor has an empty dimension " + std::to_string(d) +
                               " to pad, or padding leaves no output");
  }
}

}  // namespace

void init_padding(py::module_& m) {
  py::module_ nn = m.attr("_nn");
  m.def("constant_pad_nd", [](const Tensor& input, py::handle pad, double value) {
    const std::vector<int64_t> amounts = pad_arg(pad, "constant_pad_nd");
    return without_gil_if_large(input->numel(), [&] {
      return constant_pad_nd(input, amounts, value);
    });
  }, py::arg("input"), py::arg("pad"), py::arg("value") = 0);
  // nn.functional.pad is the Python wrapper (for "circular") over this.
  nn.def("pad", [](const Tensor& input, py::handle pad, const std::string& mode,
                    std::optional<double> value) {
    std::vector<int64_t> amounts = pad_arg(pad, "pad");
    if (mode == "constant")
      return without_gil_if_large(input->numel(), [&] {
        return constant_pad_nd(input, amounts, value.value_or(0.0));
      });
    const bool reflect = mode == "reflect";
    if (!reflect && mode != "replicate")
      throw NotImplementedError("Unrecognised padding mode " + mode);
    if (value && *value != 0.0)
      throw std::runtime_error("Padding mode \"" + mode + "\" doesn't take in value argument");
    check_edge_pad(input, amounts, reflect);
    const EdgePadMode how = reflect ? EdgePadMode::Reflect : EdgePadMode::Replicate;
    return without_gil_if_large(input->numel(), [&] { return edge_pad(input, amounts, how); });
  }, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = py::none());
  // The rank checks of circular padding, which the Python wrapper does by slicing.
  nn.def("_check_non_constant_pad", [](const Tensor& input, py::handle pad) {
    check_non_constant_pad(input, pad_arg(pad, "pad"));
  });
}

}  // namespace cgrad::bindings
