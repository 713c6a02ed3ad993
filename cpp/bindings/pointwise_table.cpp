// The bindings generated from the pointwise op tables (Note [Pointwise op tables]):
// cgrad.name and Tensor.name for every row and alias, their operators, their in-place
// variants as torch has them, and cgrad._C._pointwise_ops(), the tables as data for the
// tests and tools.
#include <cstring>
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
  pointwise::DtypeRule dtype;  // (an alias's: kKeep, unread; its row's counts)
};

// Each alias names its row's node by finding the row.
#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, scalar, node, saved, backward, \
                       inplace, out)                                                       \
  {#name, #name "_", &name, node, nullptr, pointwise::inplace, pointwise::dtype},
#define CGRAD_UNARY_ALIAS(alias, name, inplace) \
  {#alias, #alias "_", &name, nullptr, #name, pointwise::inplace, pointwise::kKeep},
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
// history as it was. An integral-only one (bitwise_not_) is checked: its kernel refuses
// a floating self, the only kind that can require grad, after torch's leaf check. A row
// whose in-place form torch cannot differentiate is recorded as torch records it
// (AcoshBackward1, whose backward raises).
auto unary_inplace(const UnaryRow& row) {
  const bool checked_as_inplace = target_row(row).node != nullptr ||
                                  target_row(row).dtype == pointwise::kIntegralOnly;
  const char* node = nullptr;
  const char* op = target_row(row).name;
  if (row.inplace == pointwise::kWithoutDerivative) {
    static std::deque<std::string> names;  // stable addresses for the nodes' names
    std::string name = target_row(row).node;
    names.push_back(name.substr(0, name.size() - 1) + "1");
    node = names.back().c_str();
  }
  return [f = row.fn, name = row.inplace_name, node, op, checked_as_inplace](py::object self_obj) {
    Tensor self = self_obj.cast<Tensor>();
    check_inplace_overlap(self, {});
    std::optional<GradModeGuard> unrecorded;
    if (!checked_as_inplace) unrecorded.emplace(false);
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
                        type_name(input));
      return method(input);
    }, py::arg("input"));
  }
}

// ---- binary rows ----
namespace {
struct BinaryRow {
  const char* name;
  BinaryFn fn;
  BinaryFn into;         // comparisons: the result in self's dtype, recorded for x.eq_(y)
  const char* node;      // torch's grad_fn name (the aliased row's for an alias)
  const char* alias_of;  // nullptr for a row of its own
  pointwise::Operands operands;
  pointwise::Inplace inplace;
  pointwise::BinaryRule rule;
};

#define CGRAD_INTO_kCompare(name) &name##_into
#define CGRAD_INTO_kHand(name) nullptr
#define CGRAD_INTO_kLogical(name) nullptr
#define CGRAD_INTO_kPromote(name) nullptr
#define CGRAD_INTO_kBitwise(name) nullptr
#define CGRAD_INTO_kIntegral(name) nullptr
#define CGRAD_INTO_kPromoteFloat(name) nullptr
#define CGRAD_INTO_kFloatingOperands(name) nullptr
#define CGRAD_INTO_kSameDtype(name) nullptr
#define CGRAD_BINARY_OP(Kernel, name, dtype, error, types, cost, scalar, node, saved, \
                        grad_self, grad_other, operands, inplace)                     \
  {#name, &name, CGRAD_INTO_##dtype(name), node, nullptr, pointwise::operands,         \
   pointwise::inplace, pointwise::dtype},
const BinaryRow kBinaryOwnRows[] = {
#include "cgrad/pointwise/binary_ops.def"
};

const BinaryRow& binary_row(const char* name) {
  for (const BinaryRow& row : kBinaryOwnRows)
    if (std::strcmp(row.name, name) == 0) return row;
  throw std::logic_error(std::string("binary_ops.def names no row ") + name);
}

// The rows, then the aliases (each with its row's function, node and operands).
const std::vector<BinaryRow>& binary_rows() {
  static const std::vector<BinaryRow> rows = [] {
    std::vector<BinaryRow> out(std::begin(kBinaryOwnRows), std::end(kBinaryOwnRows));
    struct Alias {
      const char* alias;
      const char* name;
      pointwise::Inplace inplace;
    };
    const Alias aliases[] = {
#define CGRAD_BINARY_OP(...)
#define CGRAD_BINARY_ALIAS(alias, name, inplace) {#alias, #name, pointwise::inplace},
#include "cgrad/pointwise/binary_ops.def"
    };
    for (const Alias& a : aliases) {
      BinaryRow row = binary_row(a.name);
      out.push_back(
          {a.alias, row.fn, row.into, row.node, a.name, row.operands, a.inplace, row.rule});
    }
    return out;
  }();
  return rows;
}

// What torch calls the second operand.
const char* second_arg_name(const BinaryRow& row) {
  return row.operands == pointwise::kTensorValues ? "values" : "other";
}

void def_binary_row(py::module_& m, TensorClass& cls, const BinaryRow& row) {
  const char* name = row.name;
  BinaryFn fn = row.fn;
  switch (row.operands) {
    case pointwise::kBoundByHand: return;
    case pointwise::kTensors:
    case pointwise::kTensorValues: {
      const char* arg = second_arg_name(row);
      cls.def(name, [fn, name, arg](const Tensor& self, py::handle other) {
        return call_op(fn, self, tensor_arg(other, name, arg));
      }, py::arg(arg));
      m.def(name, [fn, name, arg](py::handle input, py::handle other) {
        return call_op(fn, tensor_arg(input, name, "input"), tensor_arg(other, name, arg));
      }, py::arg("input"), py::arg(arg));
      return;
    }
    case pointwise::kNumberOther:
      def_method_and_function(m, cls, name, named_op(fn, name), py::arg("other"));
      return;
    case pointwise::kNumberEither:
      cls.def(name, named_op(fn, name), py::arg("other"));
      m.def(name, [fn, name](py::handle input, py::handle other) {
        if (!py::isinstance<TensorImpl>(input) && !py::isinstance<TensorImpl>(other))
          throw TypeError(std::string(name) + "(): one of 'input' and 'other' must be a Tensor");
        return call_op(fn, operand_or_throw(input, name, "input"), operand_or_throw(other, name));
      }, py::arg("input"), py::arg("other"));
      return;
  }
}
}  // namespace

Tensor tensor_arg(py::handle h, const char* op, const char* arg) {
  if (!py::isinstance<TensorImpl>(h))
    throw TypeError(std::string(op) + "(): argument '" + arg + "' must be Tensor, not " +
                    type_name(h));
  return h.cast<Tensor>();
}

void def_binary_ops(py::module_& m, TensorClass& cls) {
  for (const BinaryRow& row : binary_rows()) def_binary_row(m, cls, row);
  struct Operator {
    const char *op, *rop, *iop, *name;
  };
  const Operator operators[] = {
#define CGRAD_BINARY_OP(...)
#define CGRAD_BINARY_OPERATOR(op, rop, iop, name) {op, rop, iop, #name},
#include "cgrad/pointwise/binary_ops.def"
  };
  for (const Operator& o : operators) {
    BinaryFn fn = binary_row(o.name).fn;
    cls.def(o.op, forward_op(fn));
    if (o.rop) cls.def(o.rop, reflected_op(fn));
  }
}

std::vector<const char*> binary_inplace_through_method() {
  std::vector<const char*> names;
  for (const BinaryRow& row : binary_rows())
    if (row.inplace != pointwise::kNoInplace && !row.into &&
        row.operands != pointwise::kBoundByHand)
      names.push_back(row.name);
  return names;
}

bool binary_inplace_unrecorded(const std::string& name) {
  for (const BinaryRow& row : binary_rows())
    if (row.rule == pointwise::kLogical && name == row.name) return true;
  return false;
}

const char* binary_tensor_only_arg(const std::string& name) {
  for (const BinaryRow& row : binary_rows())
    if ((row.operands == pointwise::kTensors || row.operands == pointwise::kTensorValues) &&
        name == row.name)
      return second_arg_name(row);
  return nullptr;
}

void def_binary_inplace(py::module_& m, TensorClass& cls) {
  // Comparisons: the result in self's dtype, written back (Note [In-place ops]).
  for (const BinaryRow& row : binary_rows()) {
    if (!row.into || row.inplace == pointwise::kNoInplace) continue;
    static std::deque<std::string> names;  // stable addresses: the op names outlive the bindings
    names.push_back(std::string(row.name) + "_");
    const char* name = names.back().c_str();
    cls.def(name, [into = row.into, name](py::object self_obj, py::handle other) {
      Tensor self = self_obj.cast<Tensor>();
      Tensor o = operand_or_throw(other, name);
      check_inplace_overlap(self, {&o});
      const PointwiseOp compare{{o}, [into, name](const Tensor& s, const std::vector<Tensor>& in) {
                                  check_inplace_shape(s, in, name);
                                  return into(s, in[0]);
                                }};
      // torch records x.lt_(y) into an integer x too when y requires grad.
      apply_inplace(self, name, [&] { return compare.op(self, compare.inputs); },
                    /*record_any_dtype=*/true, &compare);
      return self_obj;
    }, py::arg("other"));
  }
  // cgrad.gcd_(x, y) ...: the method, called on x.
  for (const BinaryRow& row : binary_rows()) {
    if (row.inplace != pointwise::kMethodAndFunction) continue;
    static std::deque<std::string> names;
    names.push_back(std::string(row.name) + "_");
    const char* name = names.back().c_str();
    m.def(name, [name](py::object input, py::object other) {
      if (!py::isinstance<TensorImpl>(input))
        throw TypeError(std::string(name) + "(): argument 'input' (position 1) must be Tensor, not " +
                        type_name(input));
      return input.attr(name)(other);
    }, py::arg("input"), py::arg(second_arg_name(row)));
  }
  // x //= y, x %= y, x &= y ...: in place, as torch (without these Python would rebind x
  // to a new tensor and leave x's memory, and the views sharing it, unchanged).
  struct Operator {
    const char *iop, *name;
  };
  const Operator operators[] = {
#define CGRAD_BINARY_OP(...)
#define CGRAD_BINARY_OPERATOR(op, rop, iop, name) {iop, #name "_"},
#include "cgrad/pointwise/binary_ops.def"
  };
  for (const Operator& o : operators) {
    if (!o.iop) continue;
    cls.def(o.iop, [method = o.name](py::object self_obj, py::handle other) -> py::object {
      if (!as_operand(other)) return not_implemented();
      return self_obj.attr(method)(other);
    });
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
    for (const BinaryRow& row : binary_rows()) {
      py::dict d;
      d["family"] = row.into ? "comparison" : "binary";
      d["name"] = row.name;
      // A comparison's own result is Bool: only its in-place form records a node.
      d["node"] = row.node && !row.into ? py::cast(row.node) : py::none();
      d["inplace_node"] = row.into ? py::cast(row.node) : py::none();
      d["alias_of"] = row.alias_of ? py::cast(row.alias_of) : py::none();
      d["inplace_method"] = row.inplace != pointwise::kNoInplace;
      d["inplace_function"] = row.inplace == pointwise::kMethodAndFunction;
      d["operands"] = row.operands == pointwise::kTensors ||
                              row.operands == pointwise::kTensorValues ? "tensors"
                      : row.operands == pointwise::kNumberOther        ? "number_other"
                      : row.operands == pointwise::kNumberEither       ? "number_either"
                                                                       : "bound_by_hand";
      d["other_name"] = second_arg_name(row);
      rows.append(d);
    }
    return rows;
  }, "The rows of the pointwise op tables: family, name, node, alias_of, inplace_method, "
     "inplace_function, inplace_differentiable (binary rows: inplace_node, operands) "
     "(Note [Pointwise op tables]).");
  m.def("_pointwise_operators", [] {
    py::list operators;
    struct Operator {
      const char *op, *rop, *iop, *name;
    };
    const Operator ops[] = {
#define CGRAD_BINARY_OP(...)
#define CGRAD_BINARY_OPERATOR(op, rop, iop, name) {op, rop, iop, #name},
#include "cgrad/pointwise/binary_ops.def"
    };
    for (const Operator& o : ops)
      for (const char* dunder : {o.op, o.rop, o.iop})
        if (dunder) operators.append(py::make_tuple(dunder, o.name));
    return operators;
  }, "(operator, row name) for the Python operators the binary table binds.");
}

}  // namespace cgrad::bindings
