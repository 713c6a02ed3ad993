// The bindings generated from the pointwise op tables (Note [Pointwise op tables]):
// cgrad.name and Tensor.name for every row and alias, their in-place variants as torch
// has them, and cgrad._C._pointwise_ops(), the table as data for the tests.
#include <deque>
#include <string>

#include "bindings.h"
#include "cgrad/autograd/grad_mode.h"
#include "cgrad/errors.h"
#include "cgrad/pointwise/table.h"

namespace cgrad::bindings {

namespace {
using UnaryFn = Tensor (*)(const Tensor&);

struct UnaryRow {
  const char* name;
  const char* inplace_name;
  UnaryFn fn;
  const char* node;      // torch's grad_fn name (the aliased row's for an alias)
  const char* alias_of;  // nullptr for a row of its own
  pointwise::Inplace inplace;
};

// Each alias names its row's node by finding the row.
#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, scalar, node, saved, backward, \
                       inplace)                                                            \
  {#name, #name "_", &name, node, nullptr, pointwise::inplace},
#define CGRAD_UNARY_ALIAS(alias, name, inplace) \
  {#alias, #alias "_", &name, nullptr, #name, pointwise::inplace},
const UnaryRow kUnaryRows[] = {
#include "cgrad/pointwise/unary_ops.def"
};

// The row an alias names (the row itself otherwise).
const UnaryRow& target_row(const UnaryRow& row) {
  if (row.alias_of)
    for (const UnaryRow& target : kUnaryRows)
      if (!target.alias_of && std::string(target.name) == row.alias_of) return target;
  return row;
}

// x.exp_(): the out-of-place op written back (Note [In-place ops]). An op torch records
// no node for (logical_not_) is not checked as an in-place op of the graph either: it may
// write a leaf that requires grad, or a view that may not be written, and leaves the
// history as it was. A row whose in-place form torch cannot differentiate is recorded as
// torch records it (AcoshBackward1, whose backward raises).
auto unary_inplace(const UnaryRow& row) {
  const bool recorded = target_row(row).node != nullptr;
  const char* node = nullptr;
  const char* op = target_row(row).name;
  if (row.inplace == pointwise::kWithoutDerivative) {
    static std::deque<std::string> names;  // stable addresses for the nodes' names
    std::string name = target_row(row).node;
    names.push_back(name.substr(0, name.size() - 1) + "1");
    node = names.back().c_str();
  }
  return [f = row.fn, name = row.inplace_name, node, op, recorded](py::object self_obj) {
    Tensor self = self_obj.cast<Tensor>();
    check_inplace_overlap(self, {});
    std::optional<GradModeGuard> unrecorded;
    if (!recorded) unrecorded.emplace(false);
    apply_inplace(self, name, [&] { return node ? without_derivative(f, self, node, op) : f(self); });
    return self_obj;
  };
}

bool has_inplace_function(pointwise::Inplace inplace) {
  return inplace == pointwise::kMethodAndFunction || inplace == pointwise::kWithoutDerivative;
}
}  // namespace

void def_unary_ops(py::module_& m, TensorClass& cls) {
  for (const UnaryRow& row : kUnaryRows)
    def_method_and_function(m, cls, row.name,
                            [fn = row.fn](const Tensor& self) { return call_op(fn, self); });
}

void def_unary_inplace(py::module_& m, TensorClass& cls) {
  for (const UnaryRow& row : kUnaryRows) {
    if (row.inplace == pointwise::kNoInplace) continue;
    auto method = unary_inplace(row);
    cls.def(row.inplace_name, method);
    if (!has_inplace_function(row.inplace)) continue;
    m.def(row.inplace_name, [method, name = row.inplace_name](py::object input) {
      if (!py::isinstance<TensorImpl>(input))
        throw TypeError(std::string(name) + "(): argument 'input' (position 1) must be Tensor, not " +
                        std::string(py::str(py::type::of(input).attr("__name__"))));
      return method(input);
    }, py::arg("input"));
  }
}

void init_pointwise_table(py::module_& m) {
  m.def("_pointwise_ops", [] {
    py::list rows;
    for (const UnaryRow& row : kUnaryRows) {
      const char* node = target_row(row).node;
      py::dict d;
      d["family"] = "unary";
      d["name"] = row.name;
      d["node"] = node ? py::cast(node) : py::none();
      d["alias_of"] = row.alias_of ? py::cast(row.alias_of) : py::none();
      d["inplace_method"] = row.inplace != pointwise::kNoInplace;
      d["inplace_function"] = has_inplace_function(row.inplace);
      d["inplace_differentiable"] = row.inplace != pointwise::kWithoutDerivative;
      rows.append(d);
    }
    return rows;
  }, "The rows of the pointwise op tables: family, name, node, alias_of, inplace_method, "
     "inplace_function, inplace_differentiable (Note [Pointwise op tables]).");
}

}  // namespace cgrad::bindings
