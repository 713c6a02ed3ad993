// In-place writes. Each bumps the version counter so saved tensors notice.
#include "ops/common.h"

namespace cgrad {

namespace {
// Note [In-place ops and autograd]: in-place writes are supported where no graph is
// being recorded (no_grad blocks, tensors that need no grad, and the engine's own
// accumulation). Recording in-place ops (CopySlices, rebasing history) is not built
// yet, so we refuse rather than produce wrong gradients.
void check_inplace(const Tensor& a, const Tensor* other, const char* op) {
  if (!GradMode::is_enabled()) return;
  if (a->requires_grad() && a->is_leaf())
    throw std::runtime_error(
        "a leaf Variable that requires grad is being used in an in-place operation.");
  if (a->requires_grad() || (other && *other && (*other)->requires_grad()))
    throw NotImplementedError(std::string(op) +
                              ": in-place operations on tensors that are part of an autograd "
                              "graph are not supported yet; use the out-of-place form");
}

bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

Tensor& binary_inplace(kernels::BinaryOp op, const char* name, Tensor& a, const Tensor& b) {
  check_inplace(a, &b, name);
  DType t = result_type(a, b);
  if (op == kernels::BinaryOp::Div && !is_floating(t)) t = kDefaultFloat;
  if (!can_cast(t, a->dtype))
    throw std::runtime_error(std::string("result type ") + dtype_torch_name(t) +
                             " can't be cast to the desired output type " +
                             dtype_torch_name(a->dtype));
  Shape shape = broadcast_shapes(a->sizes, b->sizes);
  if (shape != a->sizes)
    throw std::runtime_error(std::string(name) + ": output with shape " + shape_str(a->sizes) +
                             " doesn't match the broadcast shape " + shape_str(shape));
  if (t == a->dtype) {
    kernels::binary(op, *a, *detail::cast(b, t), *a);
  } else {
    Tensor result = detail::binary_forward(op, a, b, t, t);
    kernels::copy(*result, *a);
  }
  a->version->bump();
  return a;
}
}  // namespace

Tensor& fill_(Tensor& a, double value) {
  check_inplace(a, nullptr, "fill_");
  kernels::fill(*a, value);
  a->version->bump();
  return a;
}

Tensor& zero_(Tensor& a) { return fill_(a, 0.0); }

Tensor& add_(Tensor& a, const Tensor& b) { return binary_inplace(kernels::BinaryOp::Add, "add_", a, b); }
Tensor& sub_(Tensor& a, const Tensor& b) { return binary_inplace(kernels::BinaryOp::Sub, "sub_", a, b); }
Tensor& mul_(Tensor& a, const Tensor& b) { return binary_inplace(kernels::BinaryOp::Mul, "mul_", a, b); }
Tensor& div_(Tensor& a, const Tensor& b) { return binary_inplace(kernels::BinaryOp::Div, "div_", a, b); }

}  // namespace cgrad
