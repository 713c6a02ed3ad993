// unique and unique_consecutive (functions and methods); searchsorted and bucketize
// (functions only: torch's Tensor has no such methods).
#include "bindings.h"

namespace cgrad::bindings {

namespace {

// torch returns the values alone, or a plain tuple with the inverse and/or the counts
// that were asked for.
py::object unique_result(const UniqueResult& r, bool return_inverse, bool return_counts) {
  if (!return_inverse && !return_counts) return py::cast(r.values);
  py::list items;
  items.append(r.values);
  if (return_inverse) items.append(r.inverse);
  if (return_counts) items.append(r.counts);
  return py::tuple(items);
}

}  // namespace

void init_search(py::module_& m, TensorClass& cls) {
  // `sorted` is accepted and has no effect: torch's CPU unique sorts either way.
  def_method_and_function(
      m, cls, "unique",
      [](const Tensor& a, bool /*sorted*/, bool return_inverse, bool return_counts,
         py::object dim) {
        std::optional<int64_t> d;
        if (!dim.is_none()) d = dim_from_py(dim);
        UniqueResult r = without_gil_if_large(a->numel(), [&] {
          return d ? unique_dim(a, *d) : unique(a);
        });
        return unique_result(r, return_inverse, return_counts);
      },
      py::arg("sorted") = true, py::arg("return_inverse") = false,
      py::arg("return_counts") = false, py::arg("dim") = py::none());
  def_method_and_function(
      m, cls, "unique_consecutive",
      [](const Tensor& a, bool return_inverse, bool return_counts, py::object dim) {
        std::optional<int64_t> d;
        if (!dim.is_none()) d = dim_from_py(dim);
        UniqueResult r = without_gil_if_large(a->numel(), [&] { return unique_consecutive(a, d); });
        return unique_result(r, return_inverse, return_counts);
      },
      py::arg("return_inverse") = false, py::arg("return_counts") = false,
      py::arg("dim") = py::none());
  // The values (and bucketize's input) may be a Python number: torch's Number overload.
  m.def(
      "searchsorted",
      [](const Tensor& sorted_sequence, py::handle values, bool out_int32, bool right,
         std::optional<std::string> side, std::optional<Tensor> sorter) {
        const Tensor v = operand_or_throw(values, "searchsorted", "input");
        const Tensor order = sorter.value_or(nullptr);
        return without_gil_if_large(std::max(sorted_sequence->numel(), v->numel()), [&] {
          return searchsorted(sorted_sequence, v, out_int32, right, side, order);
        });
      },
      py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false,
      py::arg("right") = false, py::arg("side") = py::none(), py::arg("sorter") = py::none());
  m.def(
      "bucketize",
      [](py::handle input, const Tensor& boundaries, bool out_int32, bool right) {
        Tensor in = py::isinstance<TensorImpl>(input) ? input.cast<Tensor>()
                                                      : operand_or_throw(input, "bucketize", "input");
        return without_gil_if_large(std::max(in->numel(), boundaries->numel()), [&] {
          return bucketize(in, boundaries, out_int32, right);
        });
      },
      py::arg("input"), py::arg("boundaries"), py::kw_only(), py::arg("out_int32") = false,
      py::arg("right") = false);
}

}  // namespace cgrad::bindings
