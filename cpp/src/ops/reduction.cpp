// sum / mean / norm over all dims or a list of dims, and sum_to (broadcast undone).
#include <cmath>
#include <cstdio>

#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

struct Reduction {
  std::vector<bool> mask;  // per input dim: reduced?
  Shape kept_sizes;        // input rank, 1 in reduced dims (the kernel's output layout)
  Shape out_sizes;         // kept_sizes without the reduced dims unless keepdim
  int64_t count = 1;       // elements folded into each output
};

Reduction plan(const Tensor& a, const std::optional<DimList>& dims, bool keepdim) {
  Reduction r;
  r.mask = dims ? dim_mask(*dims, a->dim()) : std::vector<bool>(a->dim(), true);
  for (int64_t d = 0; d < a->dim(); ++d) {
    if (r.mask[d]) {
      r.count *= a->sizes[d];
      r.kept_sizes.push_back(1);
      if (keepdim) r.out_sizes.push_back(1);
    } else {
      r.kept_sizes.push_back(a->sizes[d]);
      r.out_sizes.push_back(a->sizes[d]);
    }
  }
  return r;
}

Tensor run_reduce(kernels::ReduceOp op, const Tensor& a, const Reduction& r, DType out_dtype,
                  double p = 0.0) {
  Tensor out = empty(r.kept_sizes, out_dtype);
  kernels::reduce(op, *a, *out, p);
  out->sizes = r.out_sizes;
  out->strides = contiguous_strides(r.out_sizes);
  return out;
}

// A reduced gradient brought back to the input's rank (1 in reduced dims).
Tensor unreduce(const Tensor& g, const std::vector<bool>& mask, bool keepdim) {
  if (keepdim) return g;
  Tensor out = g;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) out = unsqueeze(out, static_cast<int64_t>(d));
  return out;
}

}  // namespace

Tensor sum(const Tensor& a, const std::optional<DimList>& dims, bool keepdim,
           std::optional<DType> dtype) {
  DType out_dtype = dtype ? *dtype : (is_floating(a->dtype) ? a->dtype : DType::Int64);
  Reduction r = plan(a, dims, keepdim);
  Tensor src = detail::cast(a, dtype ? *dtype : a->dtype);
  Tensor out = run_reduce(kernels::ReduceOp::Sum, src, r, out_dtype);
  if (any_requires_grad({&a})) {
    const char* name = dims ? "SumBackward1" : "SumBackward0";
    auto node = make_node(name, {a}, [mask = r.mask, keepdim](Node& n, TensorList& g) -> TensorList {
      return {expand(unreduce(g[0], mask, keepdim), n.input_meta()[0].sizes)};
    });
    set_history({out}, node);
  }
  return out;
}

Tensor mean(const Tensor& a, const std::optional<DimList>& dims, bool keepdim,
            std::optional<DType> dtype) {
  DType out_dtype = dtype ? *dtype : a->dtype;
  if (!is_floating(out_dtype))
    throw std::runtime_error(
        std::string("mean(): could not infer output dtype. ") + (dtype ? "Optional" : "Input") +
        " dtype must be either a floating point or complex dtype. Got: " +
        dtype_torch_name(out_dtype));
  Reduction r = plan(a, dims, keepdim);
  Tensor out = run_reduce(kernels::ReduceOp::Sum, detail::cast(a, out_dtype), r, out_dtype);
  Tensor scaled = detail::binary_forward(kernels::BinaryOp::Div, out,
                                         scalar_tensor(static_cast<double>(r.count), out_dtype),
                                         out_dtype, out_dtype);
  if (any_requires_grad({&a})) {
    const char* name = dims ? "MeanBackward1" : "MeanBackward0";
    double count = static_cast<double>(r.count);
    auto node = make_node(name, {a},
                          [mask = r.mask, keepdim, count](Node& n, TensorList& g) -> TensorList {
                            Tensor scaled_grad = div(g[0], constant(count));
                            return {expand(unreduce(scaled_grad, mask, keepdim),
                                           n.input_meta()[0].sizes)};
                          });
    set_history({scaled}, node);
  }
  return scaled;
}

Tensor norm(const Tensor& a, double p, const std::optional<DimList>& dims, bool keepdim) {
  if (!is_floating(a->dtype))
    throw std::runtime_error(
        "linalg.vector_norm: Expected a floating point or complex tensor as input. Got " +
        std::string(dtype_torch_name(a->dtype)));
  Reduction r = plan(a, dims, keepdim);
  // max |x| and the negative orders have no value over zero elements (no identity).
  if (r.count == 0 && (p < 0 || p == INFINITY)) {
    char order[32];
    std::snprintf(order, sizeof order, "%g", p);
    std::string where = "on an empty tensor because";
    for (size_t d = 0; dims && d < r.mask.size(); ++d)
      if (r.mask[d] && a->sizes[d] == 0) {
        where = "on the dimension " + std::to_string(d) + " because this dimension is empty and";
        break;
      }
    throw std::runtime_error("linalg.vector_norm cannot compute the " + std::string(order) +
                             " norm " + where + " the operation does not have an identity");
  }
  kernels::ReduceOp op = std::isinf(p) ? (p > 0 ? kernels::ReduceOp::NormInf
                                                : kernels::ReduceOp::NormNegInf)
                                       : (p == 0.0 ? kernels::ReduceOp::NormZero
                                                   : kernels::ReduceOp::NormP);
  Tensor out = run_reduce(op, a, r, a->dtype, p);
  if (any_requires_grad({&a})) {
    auto node = make_node(
        "LinalgVectorNormBackward0", {a},
        [mask = r.mask, keepdim, p](Node& n, TensorList& g) -> TensorList {
          Tensor self = n.saved(0);
          Tensor norm_kept = unreduce(n.saved(1), mask, keepdim);
          Tensor grad_kept = unreduce(g[0], mask, keepdim);
          Tensor zero = constant(0.0);
          if (p == 0.0) return {Tensor()};  // as torch: no gradient at all, not zeros
          if (p == 1.0) return {mul(sign(self), grad_kept)};
          if (std::isinf(p)) {  // the gradient is shared evenly between tied extremes
            DimList reduced;
            for (size_t d = 0; d < mask.size(); ++d)
              if (mask[d]) reduced.push_back(static_cast<int64_t>(d));
            Tensor tied = eq(abs(self), norm_kept);
            Tensor count = sum(tied, reduced, /*keepdim=*/true);
            // where, not a multiply by the mask: a NaN norm ties nothing and gets 0, not 0/0.
            return {mul(sign(self), where(tied, div(grad_kept, count), zero))};
          }
          Tensor scale = where(eq(norm_kept, zero), zero,
                               p == 2.0 ? div(grad_kept, norm_kept)
                                        : div(grad_kept, pow(norm_kept, constant(p - 1.0))));
          if (p == 2.0) return {mul(self, scale)};
          return {mul(mul(self, pow(abs(self), constant(p - 2.0))), scale)};
        });
    node->save(a);
    set_history({out}, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

Tensor sum_to(const Tensor& grad, const Shape& sizes) {
  if (grad->sizes == sizes) return grad;
  const int64_t lead = grad->dim() - static_cast<int64_t>(sizes.size());
  DimList dims;
  for (int64_t d = 0; d < grad->dim(); ++d)
    if (d < lead || (sizes[d - lead] == 1 && grad->sizes[d] != 1)) dims.push_back(d);
  Tensor reduced = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return reduced->sizes == sizes ? reduced : reshape(reduced, sizes);
}

}  // namespace cgrad
