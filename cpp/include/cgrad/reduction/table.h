#pragma once
// The vocabulary of the reduction table (cgrad/reduction/reduction_ops.def). Plain data,
// read by the ops and the bindings alike, so it sits in the core layer.
//
// Note [Reduction table]: a reduction is one row, as a pointwise op is (Note [Pointwise op
// tables]): the row names the op, its form (which arguments it takes, in C++ and in
// Python), its dtype rule and the error that rule raises, whether it has an identity,
// torch's node names (without and with a dim), what its backward reads, its forward (the
// kernel call) and its backward formula in cgrad's own ops, side by side, and its
// docstring. Reductions differ in their arguments far more than pointwise ops do, so
// each row picks one of a few forms, and a form fixes the C++ signature, the Python
// signature and which of the steps below it takes. Every layer expands the same rows:
//   cgrad/ops/reduction.h       the declarations (the form's C++ signature)
//   ops/reduction.cpp           the definitions, all through one driver, in this order:
//                               a scan wraps its dim; the dtype rule gives the result
//                               dtype or raises; a row without identity refuses an empty
//                               reduction; the dims are planned (a mask, the kept and
//                               output shapes, the count); the forward runs; and, when
//                               the input requires grad, the node is recorded with what
//                               the row's backward reads
//   bindings/reduction.cpp      cgrad.name and Tensor.name with the form's Python
//                               arguments, the row's docstring, and
//                               cgrad._C._reduction_ops() for the tests
// The kernels (kernels::reduce's ReduceOp, scan's ScanOp, variance, arg_reduce) are
// shared between rows (sum and mean both sum) and some rows use several (norm's orders),
// so they are not generated from the rows; a row names the one it calls in its forward.
// Adding a reduction in an existing form is one row, a kernel only if none fits, and its
// test rows; tests/test_reduction_table.py fails for a row without a parity case, a
// float64 gradcheck (when it has a node), torch's node name, or a docstring. A form may
// give its rows siblings: kScanDtype's in-place name_, kVariance's name_mean.
//
// Beside the table, written and bound by hand: norm, which dispatches to linalg's vector
// and matrix norms by its `p`; and the selections that return indices or pairs, max/min
// (three overloads: all, a dim with indices, elementwise with a tensor) and aminmax.
// They belong with sort, topk, kthvalue, median and mode, which return the same
// (values, indices) named tuples, more than with the rows here.

namespace cgrad::reduction {

// The arguments a row takes. C++ first, then Python (methods drop `input`).
enum Form {
  kDimsOmittable,  // (a, optional<DimList> dims, keepdim, optional<DType> dtype);
                   // (input, dim=<omitted>, keepdim=<omitted>, *, dtype=None): an omitted
                   // dim reduces everything, dim=None too but as the dim overload
                   // (Note [Omitted dim]); keepdim only with dim
  kDimOmittable,   // (a, optional<int64_t> dim, keepdim, optional<DType> dtype); as above
                   // with one dim, and dim=None refused
  kDimsOrAll,      // (a, DimList dims = {}, keepdim); (input, dim=(), keepdim=False):
                   // no dims reduce everything
  kDimsRequired,   // (a, DimList dims, keepdim); (input, dim, keepdim=False)
  kOptionalDims,   // (a, optional<DimList> dims, keepdim); (input, dim=None, keepdim=False)
  kOptionalDimsDtype,  // (a, optional<DimList> dims, keepdim, optional<DType> dtype);
                       // (input, dim=None, keepdim=False, *, dtype=None): one overload, so
                       // keepdim without dim is fine and dim=None is all (nansum)
  kOptionalDim,    // (a, optional<int64_t> dim, keepdim); (input, dim=None, keepdim=False);
                   // no plan: the forward reads the dim itself
  kVariance,       // (a, optional<DimList> dims, double correction, keepdim);
                   // (input, dim=None, unbiased=None, keepdim=False, *, correction=None);
                   // the row also gives name_mean, a function only: (spread, mean) in
                   // one node, torch's node name with Mean before Backward
  kScanDtype,      // (a, int64_t dim, optional<DType> dtype); (input, dim, *, dtype=None);
                   // the row also gives Tensor.name_, in place (cumsum_)
  kScan,           // (a, int64_t dim); (input, dim)
  kCountDims,      // (a, optional<DimList> dims); (input, dim=None): no keepdim, and no
                   // out= (count_nonzero)
};

// The result dtype, and what the rule refuses (`error` is the message or kernel name).
enum DtypeRule {
  kIntegersToInt64,  // dtype= if given, else a's floating dtype; integers and bool: Int64
  kFloatingResult,   // dtype= if given, else a's dtype; it must be floating (mean's error)
  kKeep,             // a's dtype
  kFloat,            // a's floating dtype; integers and bool compute in the default float
  kBool,             // a Bool result
  kFloatingOnly,     // a's dtype, floating only, else RuntimeError(error)
  kFloatingKernel,   // a's dtype, floating only, else NotImplementedError for kernel `error`
  kIndexNotBool,     // an Int64 result; a Bool input raises RuntimeError(error)
  kInt64,            // an Int64 result, whatever the input (a count)
};

enum Identity { kIdentity, kNoIdentity };  // kNoIdentity: an empty reduction raises
enum Saved { kNothing, kSelf, kSelfAndResult };

}  // namespace cgrad::reduction

// Each form's C++ parameters after the input, D(value) marking a default: expanded with
// CGRAD_WITH_DEFAULT for the declarations and CGRAD_NO_DEFAULT for the definitions.
#define CGRAD_WITH_DEFAULT(value) = value
#define CGRAD_NO_DEFAULT(value)
#define CGRAD_REDUCTION_PARAMS_kDimsOmittable(D) \
  const std::optional<DimList>& dims D(std::nullopt), bool keepdim D(false), \
      std::optional<DType> dtype D(std::nullopt)
#define CGRAD_REDUCTION_PARAMS_kDimOmittable(D) \
  std::optional<int64_t> dim D(std::nullopt), bool keepdim D(false), \
      std::optional<DType> dtype D(std::nullopt)
#define CGRAD_REDUCTION_PARAMS_kDimsOrAll(D) const DimList& dims D({}), bool keepdim D(false)
#define CGRAD_REDUCTION_PARAMS_kDimsRequired(D) const DimList& dims, bool keepdim D(false)
#define CGRAD_REDUCTION_PARAMS_kOptionalDims(D) \
  const std::optional<DimList>& dims D(std::nullopt), bool keepdim D(false)
#define CGRAD_REDUCTION_PARAMS_kOptionalDimsDtype CGRAD_REDUCTION_PARAMS_kDimsOmittable
#define CGRAD_REDUCTION_PARAMS_kOptionalDim(D) \
  std::optional<int64_t> dim D(std::nullopt), bool keepdim D(false)
#define CGRAD_REDUCTION_PARAMS_kVariance(D) \
  const std::optional<DimList>& dims D(std::nullopt), double correction D(1.0), \
      bool keepdim D(false)
#define CGRAD_REDUCTION_PARAMS_kScanDtype(D) int64_t dim, std::optional<DType> dtype D(std::nullopt)
#define CGRAD_REDUCTION_PARAMS_kScan(D) int64_t dim
#define CGRAD_REDUCTION_PARAMS_kCountDims(D) const std::optional<DimList>& dims D(std::nullopt)

// Its argument for a kVariance row (which has a name_mean sibling), nothing otherwise.
#define CGRAD_IF_MEAN_kVariance(...) __VA_ARGS__
#define CGRAD_IF_MEAN_kDimsOmittable(...)
#define CGRAD_IF_MEAN_kDimOmittable(...)
#define CGRAD_IF_MEAN_kDimsOrAll(...)
#define CGRAD_IF_MEAN_kDimsRequired(...)
#define CGRAD_IF_MEAN_kOptionalDims(...)
#define CGRAD_IF_MEAN_kOptionalDimsDtype(...)
#define CGRAD_IF_MEAN_kOptionalDim(...)
#define CGRAD_IF_MEAN_kScanDtype(...)
#define CGRAD_IF_MEAN_kScan(...)
#define CGRAD_IF_MEAN_kCountDims(...)
