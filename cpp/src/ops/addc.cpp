// addcmul and addcdiv: input + value * tensor1 (* or /) tensor2 in one node each.
#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {

enum class Combine { Mul, Div };

// Note [addcmul rounding]: torch's kernels compute self + value * t1 * t2 (or / t2) left to
// right in the common dtype, with value converted to that dtype first (0.5 becomes 0 for
// integers). The same steps here round identically. Small dtypes are computed in their
// compute dtype and rounded once, as torch's do in float for reduced floats (value too);
// for the small integers wrapping at the end equals wrapping at every step.
Tensor addc(const Tensor& input, const Tensor& t1, const Tensor& t2, const Scalar& value,
            Combine combine) {
  broadcast_shapes(broadcast_shapes(input->sizes, t1->sizes), t2->sizes);  // shapes first
  if (combine == Combine::Div && is_integral(t1->dtype, true) && is_integral(t2->dtype, true))
    throw std::runtime_error(
        "Integer division with addcdiv is no longer supported, and in a future  release "
        "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
        "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
        "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
        "float inputs. The future addcdiv behavior is just the latter implementation: "
        "(input + value * tensor1 / tensor2), for all dtypes.");
  const DType common = result_type({&input, &t1, &t2});
  if (common == DType::Bool)
    throw detail::not_implemented_for(combine == Combine::Mul ? "addcmul_cpu_out"
                                                              : "addcdiv_cpu_out",
                                      common);
  Tensor out;
  {
    GradModeGuard forward_only(false);
    const DType work = compute_dtype(common);
    // value in the common dtype, but a reduced float's in float32 (torch's opmath type).
    Tensor v = detail::cast(wrapped_scalar(value, value.natural_dtype()),
                            is_reduced_float(common) ? work : common);
    v = detail::cast(v, work);
    Tensor scaled = mul(v, detail::cast(t1, work));
    Tensor term = combine == Combine::Mul ? mul(scaled, detail::cast(t2, work))
                                          : div(scaled, detail::cast(t2, work));
    out = detail::cast(add(detail::cast(input, work), term), common);  // a fresh tensor
  }
  if (!any_requires_grad({&input, &t1, &t2})) return out;
  const double v = value.to_double();
  auto node = make_node(
      combine == Combine::Mul ? "AddcmulBackward0" : "AddcdivBackward0", {input, t1, t2},
      [combine, v](Node& n, TensorList& g) -> TensorList {
        auto input_sizes = [](const Node& n, size_t i) { return n.input_meta()[i].sizes; };
        // derivatives.yaml's formulas, in their order of operations.
        Tensor a = n.saved(saved::tensor1), b = n.saved(saved::tensor2);
        Tensor gi, ga, gb;
        if (n.needs_input_grad(0)) gi = sum_to(g[0], input_sizes(n, 0));
        if (combine == Combine::Mul) {
          if (n.needs_input_grad(1)) ga = sum_to(mul(g[0], mul(b, constant(v))), input_sizes(n, 1));
          if (n.needs_input_grad(2)) gb = sum_to(mul(g[0], mul(a, constant(v))), input_sizes(n, 2));
        } else {
          if (n.needs_input_grad(1)) ga = sum_to(mul(g[0], div(constant(v), b)), input_sizes(n, 1));
          if (n.needs_input_grad(2))
            gb = sum_to(neg(mul(g[0], div(mul(constant(v), a), mul(b, b)))), input_sizes(n, 2));
        }
        return {gi, ga, gb};
      });
  const bool grad1 = node->needs_input_grad(1), grad2 = node->needs_input_grad(2);
  record(node, {out}, {{saved::tensor1, grad2 ? t1 : Tensor()},
                       {saved::tensor2,
                        grad1 || (grad2 && combine == Combine::Div) ? t2 : Tensor()}});
  return out;
}

}  // namespace

Tensor addcmul(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value) {
  return addc(input, tensor1, tensor2, value, Combine::Mul);
}

Tensor addcdiv(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value) {
  return addc(input, tensor1, tensor2, value, Combine::Div);
}

}  // namespace cgrad
