// cgrad.embedding (torch.embedding's signature: weight first, padding_idx -1 for none);
// nn.functional.embedding wraps it in Python (max_norm, padding_idx checks).
#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

void init_embedding(py::module_& m) {
  m.def("embedding", [](const Tensor& weight, const Tensor& indices, int64_t padding_idx,
                        bool scale_grad_by_freq, bool sparse) {
    if (scale_grad_by_freq || sparse)
      throw NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported yet");
    std::optional<int64_t> pad;
    if (padding_idx >= 0) pad = padding_idx;
    return without_gil_if_large(indices->numel() * (weight->dim() == 2 ? weight->sizes[1] : 1),
                                [&] { return embedding(weight, indices, pad); });
  }, py::arg("weight"), py::arg("indices"), py::arg("padding_idx") = -1,
     py::arg("scale_grad_by_freq") = false, py::arg("sparse") = false);
}

}  // namespace cgrad::bindings
