// The bindings generated from the pointwise op tables (Note [Pointwise op tables]):
// cgrad.name and Tensor.name for every row and alias, their in-place variants as torch
// has them, and cgrad._C._pointwise_ops(), the table as data for the tests.
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

// torch's grad_fn name for a row, an alias's found through its row; nullptr when torch
// records none.
const char* node_of(const UnaryRow& row) {
  if (!row.alias_of) return row.node;
  for (const UnaryRow& target : kUnaryRows)
    if (!target.alias_of && std::string(target.name) == row.alias_of) return target.node;
  return nullptr;
}

// x.exp_(): the out-of-place op written back (Note [In-place ops]). An op torch records
// no node for (`recorded` false: logical_not_) is not checked as an in-place op of the
// graph either: it may write a leaf that requires grad, or a view that may not be
// written, and leaves the history as it was.
auto unary_inplace(UnaryFn f, const char* name, bool recorded) {
  return [f, name, recorded](py::object self_obj) {
    Tensor self = self_obj.cast<Tensor>();
    check_inplace_overlap(self, {});
    std::optional<GradModeGuard> unrecorded;
    if (!recorded) unrecorded.emplace(false);
    apply_inplace(self, name, [&] { return f(self); });
    return self_obj;
  };
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
    auto method = unary_inplace(row.fn, row.inplace_name, node_of(row) != nullptr);
    cls.def(row.inplace_name, method);
    if (row.inplace != pointwise::kMethodAndFunction) continue;
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
      const char* node = node_of(row);
      py::dict d;
      d["family"] = "unary";
      d["name"] = row.name;
      d["node"] = node ? py::cast(node) : py::none();
      d["alias_of"] = row.alias_of ? py::cast(row.alias_of) : py::none();
      d["inplace_method"] = row.inplace != pointwise::kNoInplace;
      d["inplace_function"] = row.inplace == pointwise::kMethodAndFunction;
      rows.append(d);
    }
    return rows;
  }, "The rows of the pointwise op tables: family, name, node, alias_of, inplace_method, "
     "inplace_function (Note [Pointwise op tables]).");
}

}  // namespace cgrad::bindings
