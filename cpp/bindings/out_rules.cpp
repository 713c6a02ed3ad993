// The functions that take `out=`, each with its dtype rule for out.
//
// Note [out= rules]: torch's rule for out's dtype follows from how the function computes
// its result, which an op table row already says in its dtype rule, so the rows' entries
// are derived here and a new row takes out= as torch does without an edit to this file:
//   - unary rows: a floating result (kFloat) is computed and cast into out; a result of
//     the input's dtype (kKeep*, kRounding, kFloatingOnly, kIntegralOnly) is computed in
//     out itself, so out must have the input's dtype, checked before the kernel's own
//     dtype errors ("Found dtype Long but expected Float"; kKeepNotBool's refusal of a
//     Bool input comes first, as torch raises it before its iterator); a Bool predicate
//     is cast (logical_not) unless the row's `out` column asks for a Bool out (isposinf),
//     and a row whose torch function takes no out= (relu, isnan) says so in that column,
//     the one fact no dtype rule holds;
//   - binary rows all take out= and cast the promoted result into it; where the row's
//     kernel refuses some dtypes (kBitwise, kIntegral, kFloatingOperands) the cast is
//     checked on the operands first, as torch's iterator does before its kernel runs, and
//     a row that needs one dtype for all operands (kSameDtype) needs it of out too, with
//     the row's error;
//   - reductions: a row whose integers sum in Int64 (kIntegersToInt64) takes a dtype=,
//     and computes in out's dtype as if it were given; a result of the input's dtype
//     (amax) or an index (argmax) must match out; a Bool one (all, any) needs a Bool
//     out; logsumexp's floating result a floating out; a floating-only kernel
//     (logcumsumexp) runs in out, so out has the input's dtype; the rest are cast.
// Aliases take their row's rule. Functions outside the tables are listed by hand below,
// grouped by why no table holds them.
#include "out_rules.h"

#include <unordered_map>

#include "cgrad/pointwise/table.h"
#include "cgrad/reduction/table.h"

namespace cgrad::bindings {

namespace {

constexpr OutRule kCast{OutDtype::kCast, OutWording::kDefault};
constexpr OutRule kExact{OutDtype::kResultDtype, OutWording::kDefault};
constexpr OutRule kFactory{OutDtype::kFactory, OutWording::kDefault};

// A unary row's rule (a kNoOut row has none).
OutRule unary_rule(pointwise::DtypeRule dtype, pointwise::Out out) {
  if (out == pointwise::kBoolOut) return {OutDtype::kBool, OutWording::kNonBoolean};
  if (dtype == pointwise::kFloat || dtype == pointwise::kPredicate) return kCast;
  // neg refuses a Bool input before torch's iterator checks out, so after the op here
  if (dtype == pointwise::kKeepNotBool) return {OutDtype::kResultDtype, OutWording::kFoundDtype};
  return {OutDtype::kInputDtype, OutWording::kFoundDtype};
}

OutRule binary_rule(pointwise::BinaryRule dtype, const char* error) {
  switch (dtype) {
    case pointwise::kBitwise:
    case pointwise::kIntegral:
    case pointwise::kFloatingOperands: return {OutDtype::kCastOperands, OutWording::kCannotCast};
    case pointwise::kSameDtype: return {OutDtype::kOperandsDtype, OutWording::kRowError, error};
    default: return kCast;
  }
}

OutRule reduction_rule(reduction::DtypeRule dtype) {
  switch (dtype) {
    case reduction::kKeep: return {OutDtype::kResultDtype, OutWording::kInputAndOut};
    case reduction::kIndexNotBool:
    case reduction::kInt64: return kExact;
    case reduction::kBool: return {OutDtype::kBool, OutWording::kBoolResult};
    case reduction::kFloat: return {OutDtype::kFloating, OutWording::kFloatingResult};
    case reduction::kFloatingKernel: return {OutDtype::kInputDtype, OutWording::kScalarType};
    case reduction::kIntegersToInt64: return {OutDtype::kDtypeArgument, OutWording::kDefault};
    case reduction::kFloatingResult:
    case reduction::kFloatingOnly: return kCast;
  }
  return kCast;
}

// The rows' rules, from the tables.
void add_table_rules(std::unordered_map<std::string, OutRule>& rules) {
#define CGRAD_UNARY_OP(Kernel, name, dtype, error, cost, vec, scalar, node, saved, backward, \
                       inplace, out)                                                       \
  if (pointwise::out != pointwise::kNoOut)                                                 \
    rules.emplace(#name, unary_rule(pointwise::dtype, pointwise::out));
#define CGRAD_UNARY_ALIAS(alias, name, inplace) \
  if (rules.count(#name)) rules.emplace(#alias, rules.at(#name));
#include "cgrad/pointwise/unary_ops.def"

#define CGRAD_BINARY_OP(Kernel, name, dtype, error, ...) \
  rules.emplace(#name, binary_rule(pointwise::dtype, error));
#define CGRAD_BINARY_ALIAS(alias, name, inplace) rules.emplace(#alias, rules.at(#name));
#include "cgrad/pointwise/binary_ops.def"

#define CGRAD_REDUCTION(name, py_name, form, dtype, ...) \
  if (reduction::form != reduction::kCountDims)            \
    rules.emplace(#py_name, reduction_rule(reduction::dtype));
#include "cgrad/reduction/reduction_ops.def"
  // torch checks nansum's out in its own words, and nanmean's through nansum's
  rules["nansum"] = rules["nanmean"] = {OutDtype::kDtypeArgument, OutWording::kNansum};
}

// The functions no table holds: bound by hand, each as torch checks its out.
void add_hand_rules(std::unordered_map<std::string, OutRule>& rules) {
  const auto add = [&](std::initializer_list<const char*> names, OutRule rule) {
    for (const char* name : names) rules.emplace(name, rule);
  };
  // Pointwise ops with options or more operands (clamp's bounds, round's decimals=,
  // where's condition), or composed of other ops (exp2, sinc, xlogy, ...).
  add({"clamp", "clamp_max", "clamp_min", "clip", "round"},
      {OutDtype::kResultDtype, OutWording::kFoundDtype});
  add({"nan_to_num"}, {OutDtype::kResultDtype, OutWording::kNanToNum});
  add({"where"}, {OutDtype::kResultDtype, OutWording::kWhere});
  add({"exp2", "hypot", "lerp", "logaddexp", "logaddexp2", "logit", "polygamma", "sinc",
       "square", "true_divide", "xlogy"},
      kCast);
  // Reductions and scans whose overloads no form of the reduction table fits
  // (Note [Reduction table]).
  add({"aminmax", "cummax", "cummin", "kthvalue", "max", "median", "min", "mode", "nanmedian",
       "norm", "log_softmax", "softmax"},
      kExact);
  // Linear algebra.
  add({"addbmm", "addmm", "addmv", "addr", "baddbmm", "bmm", "cross", "inverse",
       "linalg_cholesky", "linalg_cross", "linalg_det", "linalg_eigh", "linalg_eigvalsh",
       "linalg_inv", "linalg_matrix_norm",
       "linalg_matrix_power", "linalg_qr", "linalg_slogdet", "linalg_solve", "linalg_svd",
       "linalg_svdvals", "linalg_vector_norm", "matmul", "matrix_power", "mm", "mv", "slogdet"},
      kExact);
  add({"dot"}, {OutDtype::kResultDtype, OutWording::kDot});
  add({"inner", "tensordot"}, {OutDtype::kResultDtype, OutWording::kTensordot});
  add({"ger", "kron", "outer"}, kCast);
  // Indexing, sorting and shape.
  add({"diag", "gather", "index_add", "index_copy", "msort", "nonzero", "scatter", "scatter_add", "sort",
       "isin", "take_along_dim", "topk", "tril", "triu"},
      kExact);
  add({"index_select", "masked_select"}, {OutDtype::kResultDtype, OutWording::kSelectSameType});
  add({"take"}, {OutDtype::kResultDtype, OutWording::kTake});
  add({"bucketize", "cat", "column_stack", "concat", "diff", "dstack", "hstack", "row_stack",
       "searchsorted", "stack", "vstack"},
      kCast);
  // Factories and sampling.
  add({"arange", "empty", "eye", "full", "linspace", "logspace", "normal", "ones", "rand",
       "randint", "randn", "randperm", "zeros"},
      kFactory);
  add({"multinomial"}, {OutDtype::kResultDtype, OutWording::kMultinomial});
  add({"bernoulli"}, kCast);
  // A row whose out torch checks in its own words: ldexp is composed in torch, and checks
  // out is floating before its multiply runs.
  rules["ldexp"] = {OutDtype::kFloating, OutWording::kOpCannotCast};
}

}  // namespace

const OutRule* out_rule(const std::string& native_name) {
  static const auto* rules = [] {
    auto* r = new std::unordered_map<std::string, OutRule>();
    add_table_rules(*r);
    add_hand_rules(*r);
    return r;
  }();
  auto it = rules->find(native_name);
  return it == rules->end() ? nullptr : &it->second;
}

}  // namespace cgrad::bindings
