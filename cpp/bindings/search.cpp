// unique and unique_consecutive (functions and methods); searchsorted, bucketize and isin
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

// isin: one of elements and test_elements may be a Python number, not both (torch's
// three overloads).
void def_isin(py::module_& m) {
  m.def(
      "isin",
      [](py::handle elements, py::handle test_elements, py::handle assume_unique,
         py::handle invert) {
        const Tensor a = as_operand(elements), b = as_operand(test_elements);
        const bool a_tensor = py::isinstance<TensorImpl>(elements);
        const bool b_tensor = py::isinstance<TensorImpl>(test_elements);
        const bool flags = (assume_unique.is_none() || PyBool_Check(assume_unique.ptr())) &&
                           (invert.is_none() || PyBool_Check(invert.ptr()));
        if (!a || !b || (!a_tensor && !b_tensor) || !flags) {
          std::string got = "(" + type_name(elements) + ", " + type_name(test_elements);
          if (!assume_unique.is_none()) got += ", assume_unique=" + type_name(assume_unique);
          if (!invert.is_none()) got += ", invert=" + type_name(invert);
          const char* rest =
              ", *, bool assume_unique = False, bool invert = False, Tensor out = None)\n";
          throw TypeError("isin() received an invalid combination of arguments - got " + got +
                          "), but expected one of:\n * (Tensor elements, Tensor test_elements" +
                          rest + " * (Number element, Tensor test_elements" + rest +
                          " * (Tensor elements, Number test_element" + rest);
        }
        return without_gil_if_large(std::max(a->numel(), b->numel()), [&] {
          return isin(a, b, assume_unique.ptr() == Py_True, invert.ptr() == Py_True);
        });
      },
      py::arg("elements"), py::arg("test_elements"), py::kw_only(),
      py::arg("assume_unique") = py::none(), py::arg("invert") = py::none());
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
  def_isin(m);
}

}  // namespace cgrad::bindings
