// torch._C._nn's upsample_* functions (cgrad._C._nn): the ops nn.functional.interpolate
// (python/cgrad/nn/_functional_resample.py) calls, with torch's signatures.
#include "bindings.h"

namespace cgrad::bindings {

namespace {

std::optional<std::vector<int64_t>> optional_sizes(py::handle h) {
  if (h.is_none()) return std::nullopt;
  std::vector<int64_t> out;
  if (!py::isinstance<py::sequence>(h)) return std::vector<int64_t>{unpack_int64(h)};
  for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) out.push_back(unpack_int64(item));
  return out;
}

std::optional<std::vector<double>> optional_scales(py::handle h) {
  if (h.is_none()) return std::nullopt;
  std::vector<double> out;
  for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) out.push_back(item.cast<double>());
  return out;
}

struct Variant {
  const char* name;
  UpsampleMode mode;
  int64_t dims;
};

}  // namespace

void init_resample(py::module_& m) {
  py::module_ nn = m.attr("_nn");
  for (Variant v : {Variant{"upsample_nearest1d", UpsampleMode::Nearest, 1},
                    Variant{"upsample_nearest2d", UpsampleMode::Nearest, 2},
                    Variant{"upsample_nearest3d", UpsampleMode::Nearest, 3},
                    Variant{"_upsample_nearest_exact1d", UpsampleMode::NearestExact, 1},
                    Variant{"_upsample_nearest_exact2d", UpsampleMode::NearestExact, 2},
                    Variant{"_upsample_nearest_exact3d", UpsampleMode::NearestExact, 3}})
    nn.def(v.name, [v](const Tensor& input, py::object output_size, py::object scale_factors) {
      auto sizes = optional_sizes(output_size);
      auto scales = optional_scales(scale_factors);
      return without_gil_if_large(input->numel(), [&] {
        return upsample(input, v.mode, v.dims, sizes, scales, false);
      });
    }, py::arg("input"), py::arg("output_size"), py::arg("scale_factors") = py::none());
  for (Variant v : {Variant{"upsample_linear1d", UpsampleMode::Linear, 1},
                    Variant{"upsample_bilinear2d", UpsampleMode::Linear, 2},
                    Variant{"upsample_trilinear3d", UpsampleMode::Linear, 3},
                    Variant{"upsample_bicubic2d", UpsampleMode::Cubic, 2}})
    nn.def(v.name, [v](const Tensor& input, py::object output_size, bool align_corners,
                       py::object scale_factors) {
      auto sizes = optional_sizes(output_size);
      auto scales = optional_scales(scale_factors);
      return without_gil_if_large(input->numel(), [&] {
        return upsample(input, v.mode, v.dims, sizes, scales, align_corners);
      });
    }, py::arg("input"), py::arg("output_size"), py::arg("align_corners"),
       py::arg("scale_factors") = py::none());
}

}  // namespace cgrad::bindings
