// Sorting and selection: sort/argsort/msort, topk, kthvalue, median/nanmedian, mode and
// cummax/cummin, as methods and functions returning torch.return_types-style tuples.
#include <cstring>
#include <functional>

#include "bindings.h"
#include "cgrad/errors.h"

namespace cgrad::bindings {

namespace {

// sort's `stable` picks torch's second overload (SortBackward1); it takes a bool only.
std::optional<bool> stable_from_py(py::handle stable, const char* op) {
  if (stable.is_none()) return std::nullopt;
  if (!PyBool_Check(stable.ptr()))
    throw TypeError(std::string(op) + "(): argument 'stable' must be bool, not " +
                    type_name(stable));
  return stable.ptr() == Py_True;
}

using TypeOf = std::function<py::object(const char*)>;

// sort, argsort and msort.
void def_sorts(py::module_& m, TensorClass& cls, const TypeOf& type) {
  def_method_and_function(
      m, cls, "sort",
      [t = type("sort")](const Tensor& a, py::object dim, bool descending, py::object stable) {
        const int64_t d = dim_from_py(dim);
        const std::optional<bool> s = stable_from_py(stable, "sort");
        return values_indices(t, without_gil_if_large(a->numel(), [&] {
          return sort(a, d, descending, s);
        }));
      },
      py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
      py::arg("stable") = py::none());
  def_method_and_function(
      m, cls, "argsort",
      [](const Tensor& a, py::object dim, bool descending, py::object stable) {
        const int64_t d = dim_from_py(dim);
        const bool s = stable_from_py(stable, "argsort").value_or(false);
        return without_gil_if_large(a->numel(), [&] { return argsort(a, d, descending, s); });
      },
      py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
      py::arg("stable") = py::none());
  def_method_and_function(m, cls, "msort", [](const Tensor& a) {
    return without_gil_if_large(a->numel(), [&] { return sort(a, 0).first; });
  });
}

// topk, kthvalue, median/nanmedian, mode and cummax/cummin: values with their indices.
void def_selections(py::module_& m, TensorClass& cls, const TypeOf& type) {
  def_method_and_function(
      m, cls, "topk",
      [t = type("topk")](const Tensor& a, int64_t k, py::object dim, bool largest, bool sorted) {
        const int64_t d = dim_from_py(dim);
        return values_indices(t, without_gil_if_large(a->numel(), [&] {
          return topk(a, k, d, largest, sorted);
        }));
      },
      py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  def_method_and_function(
      m, cls, "kthvalue",
      [t = type("kthvalue")](const Tensor& a, int64_t k, py::object dim, bool keepdim) {
        const int64_t d = dim_from_py(dim);
        return values_indices(t, without_gil_if_large(a->numel(), [&] {
          return kthvalue(a, k, d, keepdim);
        }));
      },
      py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);
  // median()/nanmedian(): of everything, a tensor; with dim: (values, indices). keepdim
  // belongs to the dim overload only.
  for (bool ignore_nan : {false, true}) {
    const char* name = ignore_nan ? "nanmedian" : "median";
    def_method_and_function(
        m, cls, name,
        [ignore_nan, name, t = type(name)](const Tensor& a, py::object dim,
                                           py::object keepdim) -> py::object {
          if (dim.is_none()) {
            if (!keepdim.is_none())
              throw TypeError(std::string(name) + "() missing 1 required positional arguments: \"dim\"");
            return py::cast(without_gil_if_large(a->numel(), [&] {
              return ignore_nan ? nanmedian(a) : median(a);
            }));
          }
          const int64_t d = dim_from_py(dim);
          const bool kd = !keepdim.is_none() && keepdim.cast<bool>();
          return values_indices(t, without_gil_if_large(a->numel(), [&] {
            return ignore_nan ? nanmedian(a, d, kd) : median(a, d, kd);
          }));
        },
        py::arg("dim") = py::none(), py::arg("keepdim") = py::none());
  }
  def_method_and_function(
      m, cls, "mode",
      [t = type("mode")](const Tensor& a, py::object dim, bool keepdim) {
        const int64_t d = dim_from_py(dim);
        return values_indices(t, without_gil_if_large(a->numel(), [&] {
          return mode(a, d, keepdim);
        }));
      },
      py::arg("dim") = -1, py::arg("keepdim") = false);
  for (bool is_max : {true, false}) {
    const char* name = is_max ? "cummax" : "cummin";
    def_method_and_function(
        m, cls, name,
        [is_max, t = type(name)](const Tensor& a, py::object dim) {
          const int64_t d = dim_from_py(dim);
          return values_indices(t, without_gil_if_large(a->numel(), [&] {
            return is_max ? cummax(a, d) : cummin(a, d);
          }));
        },
        py::arg("dim"));
  }
}

}  // namespace

void init_sorting(py::module_& m, TensorClass& cls) {
  py::module_ types = m.attr("return_types");
  // The type keeps a pointer to its name, so the names are literals.
  for (const char* qualified : {"cgrad.return_types.sort", "cgrad.return_types.topk",
                                "cgrad.return_types.kthvalue", "cgrad.return_types.median",
                                "cgrad.return_types.nanmedian", "cgrad.return_types.mode",
                                "cgrad.return_types.cummax",
                                "cgrad.return_types.cummin"})
    types.attr(std::strrchr(qualified, '.') + 1) = make_return_type(qualified);

  const TypeOf type = [types](const char* name) { return py::object(types.attr(name)); };
  def_sorts(m, cls, type);
  def_selections(m, cls, type);
}

}  // namespace cgrad::bindings
