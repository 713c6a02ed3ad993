// Matrix products: mm, bmm, mv, dot, addmm, matmul, outer, linear and einsum. Every
// forward runs kernels::gemm; every backward formula is a product again (of transposed
// views, which gemm reads through flags), so create_graph=True differentiates it twice.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>

#include "cgrad/autograd/views.h"
#include "cgrad/ops/inplace.h"
#include "ops/common.h"

namespace cgrad {

using detail::constant;

namespace {


std::string matrix_str(const Tensor& t) {
  return std::to_string(t->sizes[0]) + "x" + std::to_string(t->sizes[1]);
}

// torch has no bool products, but a product with nothing to multiply (an empty result or
// an empty inner dim) never reaches the kernel, so it passes (`trivial`).
void check_not_bool(const Tensor& a, const char* kernel, bool trivial = false) {
  if (a->dtype == DType::Bool && !trivial)
    throw NotImplementedError("\"" + std::string(kernel) + "\" not implemented for 'Bool'");
}

// ---- the gemm call ----

// How gemm reads an m x n matrix from its strides: row-major (trans = false, ld = row
// stride) or column-major (trans = true, ld = column stride); size-1 dims fit either.
struct Layout {
  bool trans;
  int64_t ld;
};
std::optional<Layout> layout_of(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  if (col_stride == 1 || cols == 1) return Layout{false, row_stride};
  if (row_stride == 1 || rows == 1) return Layout{true, col_stride};
  return std::nullopt;
}

// A raw (unrecorded) [batch, rows, cols] view for gemm: 2-D tensors get a batch of one.
Tensor as_batch(const Tensor& t) {
  if (t->dim() == 3) return t;
  return make_view(t, {1, t->sizes[0], t->sizes[1]}, {0, t->strides[0], t->strides[1]}, t->offset);
}

// out[i] = alpha * a[i] @ b[i] + beta * out[i] for every batch i. a: [.., m, k] and
// b: [.., k, n] with any strides (a copy only when a matrix has no unit stride);
// out: fresh contiguous [.., m, n]. Integer products take alpha/beta truncated, as torch.
// `accumulation`: Note [Small gemm accumulation].
void gemm_into(const Tensor& a_in, const Tensor& b_in, const Tensor& out_in, double alpha,
               double beta,
               kernels::Accumulation accumulation = kernels::Accumulation::LikeBlas) {
  if (is_small(out_in->dtype)) {  // computed widened, stored rounded (Note [Small dtypes])
    const DType wide = compute_dtype(out_in->dtype);
    Tensor wide_out = detail::cast(out_in, wide);
    gemm_into(detail::cast(a_in, wide), detail::cast(b_in, wide), wide_out, alpha, beta,
              accumulation);
    kernels::copy(*wide_out, *out_in);
    return;
  }
  Tensor a = as_batch(a_in), b = as_batch(b_in), out = as_batch(out_in);
  const int64_t batch = out->sizes[0], m = out->sizes[1], n = out->sizes[2], k = a->sizes[2];
  auto layout = [](Tensor& t) {
    auto l = layout_of(t->sizes[1], t->sizes[2], t->strides[1], t->strides[2]);
    if (l) return *l;
    Tensor copy = empty(t->sizes, t->dtype);
    kernels::copy(*t, *copy);
    t = copy;
    return Layout{false, t->sizes[2]};
  };
  const Layout la = layout(a), lb = layout(b);
  dispatch(out->dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      if (out->numel() == 0) return;  // nothing to compute (Note on check_not_bool)
      if (k == 0) {  // an empty product: out keeps beta * input (addmm takes k = 0 itself)
        if (beta == 0.0) kernels::fill(*out, Scalar(false));
        return;
      }
      throw NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'");
    } else {
      const T* pa = a->data<T>();
      const T* pb = b->data<T>();
      T* pc = out->data<T>();
      // Only the floating products take an accumulation order (integers are exact).
      auto run = [&](auto... accumulation_if_floating) {
        auto products = [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i)
            kernels::gemm(la.trans, lb.trans, m, n, k, static_cast<T>(alpha),
                          pa + i * a->strides[0], la.ld, pb + i * b->strides[0], lb.ld,
                          static_cast<T>(beta), pc + i * m * n, n, accumulation_if_floating...);
        };
        // (by reference: a std::function holding the lambda itself would allocate)
        kernels::gemm_batch(batch, m, n, k, std::ref(products));
      };
      if constexpr (std::is_floating_point_v<T>) run(accumulation);
      else run();
    }
  });
}

// `r` (a fresh contiguous product) under new sizes, as torch's _unsafe_view / squeeze_
// record it: a tensor sharing r's memory that is not a view, with node `name`.
Tensor relabel(const Tensor& r, const Shape& sizes, const char* name) {
  Tensor out = make_view(r, sizes, contiguous_strides(sizes), r->offset);
  if (any_requires_grad({&r}))
    record(make_node(name, {r}, [](Node& n, TensorList& g) -> TensorList {
        return {reshape(g[0], n.input_meta()[0].sizes)};
      }), {out});
  return out;
}

Tensor scaled(const Tensor& g, double factor) {
  return factor == 1.0 ? g : mul(g, constant(factor));
}

// Note [mm gradient layout]: as torch's mm_mat1_backward/mm_mat2_backward, the gradient
// of a column-major operand (a transposed row-major matrix, such as linear's t(weight))
// is computed as the transposed product and transposed back, so it comes out in the
// operand's own memory order. Through linear's TBackward0 the weight's gradient then
// arrives contiguous, and AccumulateGrad keeps the buffer instead of copying it.
bool column_major(const Tensor& x) {
  return x->strides[0] == 1 && x->strides[1] == x->sizes[0];
}

// d(a @ b)/da = g @ b^T, in a's memory order when `a_columns`.
Tensor mm_grad_a(const Tensor& g, const Tensor& b, bool a_columns) {
  return a_columns ? t(mm(b, t(g))) : mm(g, t(b));
}

// d(a @ b)/db = a^T @ g, in b's memory order when `b_columns`.
Tensor mm_grad_b(const Tensor& g, const Tensor& a, bool b_columns) {
  return b_columns ? t(mm(t(g), a)) : mm(t(a), g);
}

// Note [Saved values]: torch's mm and addmm nodes show each matrix's sizes, and its
// strides where its own gradient reads them (an empty tuple otherwise).
void show_layout(Node& n, const char* sizes_name, const char* strides_name, const Tensor& m,
                 bool needs_grad) {
  n.save_value(sizes_name, saved_ints(m->sizes));
  n.save_value(strides_name, needs_grad ? saved_ints(m->strides) : saved_ints(Shape{}));
}

}  // namespace

// ---- the products ----

Tensor mm(const Tensor& a, const Tensor& b) {
  if (a->dim() != 2) throw std::runtime_error("self must be a matrix");
  if (b->dim() != 2) throw std::runtime_error("mat2 must be a matrix");
  if (a->sizes[1] != b->sizes[0])
    throw std::runtime_error("mat1 and mat2 shapes cannot be multiplied (" + matrix_str(a) +
                             " and " + matrix_str(b) + ")");
  if (a->dtype != b->dtype)
    throw std::runtime_error(std::string("expected m1 and m2 to have the same dtype, but got: ") +
                             dtype_cpp_name(a->dtype) + " != " + dtype_cpp_name(b->dtype));
  Tensor out = empty({a->sizes[0], b->sizes[1]}, a->dtype);
  gemm_into(a, b, out, 1.0, 0.0);
  if (any_requires_grad({&a, &b})) {
    const bool a_columns = column_major(a), b_columns = column_major(b);
    auto node = make_node("MmBackward0", {a, b},
                          [a_columns, b_columns](Node& n, TensorList& g) -> TensorList {
                            Tensor ga, gb;
                            if (n.needs_input_grad(0))
                              ga = mm_grad_a(g[0], n.saved(saved::mat2), a_columns);
                            if (n.needs_input_grad(1))
                              gb = mm_grad_b(g[0], n.saved(saved::self), b_columns);
                            return {ga, gb};
                          });
    show_layout(*node, "self_sym_sizes", "self_sym_strides", a, node->needs_input_grad(0));
    show_layout(*node, "mat2_sym_sizes", "mat2_sym_strides", b, node->needs_input_grad(1));
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::mat2, node->needs_input_grad(0) ? b : Tensor()}});
  }
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  if (a->dim() != 3) throw std::runtime_error("batch1 must be a 3D tensor");
  if (b->dim() != 3) throw std::runtime_error("batch2 must be a 3D tensor");
  if (b->sizes[0] != a->sizes[0] || b->sizes[1] != a->sizes[2])
    throw std::runtime_error("Expected size for first two dimensions of batch2 tensor to be: [" +
                             std::to_string(a->sizes[0]) + ", " + std::to_string(a->sizes[2]) +
                             "] but got: [" + std::to_string(b->sizes[0]) + ", " +
                             std::to_string(b->sizes[1]) + "].");
  // With nothing to multiply (an empty result, or k = 0) torch checks no dtypes: the
  // result is zeros in batch2's dtype.
  const bool nothing_to_multiply = a->sizes[0] * a->sizes[1] * b->sizes[2] == 0 || a->sizes[2] == 0;
  check_not_bool(a, "bmm", nothing_to_multiply);  // torch picks the kernel by batch1's dtype first
  if (a->dtype != b->dtype && !nothing_to_multiply)
    throw std::runtime_error(std::string("expected scalar type ") + dtype_torch_name(a->dtype) +
                             " but found " + dtype_torch_name(b->dtype));
  Tensor out = empty({a->sizes[0], a->sizes[1], b->sizes[2]}, b->dtype);
  // torch multiplies matrices of under 400 multiply-adds in a plain loop of its own.
  const bool small = a->sizes[1] * a->sizes[2] * b->sizes[2] < 400;
  if (a->dtype != b->dtype) kernels::fill(*out, Scalar(0.0));
  else gemm_into(a, b, out, 1.0, 0.0,
                 small ? kernels::Accumulation::Plain
                       : kernels::Accumulation::LikeBatchedBlas);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("BmmBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? bmm(g[0], transpose(n.saved(saved::mat2), 1, 2))
                                    : Tensor(),
              n.needs_input_grad(1) ? bmm(transpose(n.saved(saved::self), 1, 2), g[0])
                                    : Tensor()};
    });
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::mat2, node->needs_input_grad(0) ? b : Tensor()}});
  }
  return out;
}

Tensor mv(const Tensor& a, const Tensor& v) {
  if (a->dim() != 2 || v->dim() != 1)
    throw std::runtime_error("vector + matrix @ vector expected, got 1, " +
                             std::to_string(a->dim()) + ", " + std::to_string(v->dim()));
  if (a->sizes[1] != v->sizes[0])
    throw std::runtime_error("size mismatch, got input (" + std::to_string(a->sizes[0]) +
                             "), mat (" + matrix_str(a) + "), vec (" +
                             std::to_string(v->sizes[0]) + ")");
  if (a->dtype != v->dtype)
    throw std::runtime_error(std::string("addmv input tensors must have the same dtype, but got ") +
                             dtype_torch_name(v->dtype) + ", " + dtype_torch_name(a->dtype) +
                             ", and " + dtype_torch_name(v->dtype));
  check_not_bool(a, "addmv_impl_cpu", a->numel() == 0);
  Tensor out = empty({a->sizes[0]}, a->dtype);
  // v as a k x 1 matrix, out as m x 1.
  gemm_into(a, make_view(v, {v->sizes[0], 1}, {v->strides[0], 1}, v->offset),
            make_view(out, {a->sizes[0], 1}, {1, 1}, 0), 1.0, 0.0,
            a->sizes[0] == 1 ? kernels::Accumulation::Plain : kernels::Accumulation::LikeBlas);
  if (any_requires_grad({&a, &v})) {
    auto node = make_node("MvBackward0", {a, v}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? outer(g[0], n.saved(saved::vec)) : Tensor(),
              n.needs_input_grad(1) ? mv(t(n.saved(saved::self)), g[0]) : Tensor()};
    });
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::vec, node->needs_input_grad(0) ? v : Tensor()}});
  }
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  if (a->dim() != 1 || b->dim() != 1)
    throw std::runtime_error("1D tensors expected, but got " + std::to_string(a->dim()) + "D and " +
                             std::to_string(b->dim()) + "D tensors");
  if (a->sizes[0] != b->sizes[0])
    throw std::runtime_error("inconsistent tensor size, expected tensor [" +
                             std::to_string(a->sizes[0]) + "] and src [" +
                             std::to_string(b->sizes[0]) +
                             "] to have the same number of elements, but got " +
                             std::to_string(a->sizes[0]) + " and " + std::to_string(b->sizes[0]) +
                             " elements respectively");
  if (a->dtype != b->dtype)
    throw std::runtime_error(std::string("dot : expected both vectors to have same dtype, but found ") +
                             dtype_torch_name(a->dtype) + " and " + dtype_torch_name(b->dtype));
  check_not_bool(a, "dot");
  Tensor out = empty({}, a->dtype);
  const int64_t k = a->sizes[0];
  gemm_into(make_view(a, {1, k}, {0, a->strides[0]}, a->offset),
            make_view(b, {k, 1}, {b->strides[0], 1}, b->offset), make_view(out, {1, 1}, {1, 1}, 0),
            1.0, 0.0, kernels::Accumulation::Plain);
  if (any_requires_grad({&a, &b})) {
    auto node = make_node("DotBackward0", {a, b}, [](Node& n, TensorList& g) -> TensorList {
      return {n.needs_input_grad(0) ? mul(g[0], n.saved(saved::tensor)) : Tensor(),
              n.needs_input_grad(1) ? mul(g[0], n.saved(saved::self)) : Tensor()};
    });
    record(node, {out}, {{saved::self, node->needs_input_grad(1) ? a : Tensor()},
                         {saved::tensor, node->needs_input_grad(0) ? b : Tensor()}});
  }
  return out;
}

Tensor outer(const Tensor& a, const Tensor& b) {
  if (a->dim() != 1)
    throw std::runtime_error("outer: Expected 1-D argument self, but got " +
                             std::to_string(a->dim()) + "-D");
  if (b->dim() != 1)
    throw std::runtime_error("outer: Expected 1-D argument vec2, but got " +
                             std::to_string(b->dim()) + "-D");
  return mul(reshape(a, {a->sizes[0], 1}), b);
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, const Scalar& beta_scalar,
             const Scalar& alpha_scalar) {
  const double beta = beta_scalar.to_double(), alpha = alpha_scalar.to_double();
  for (auto [x, name] : {std::pair{&a, "mat1"}, std::pair{&b, "mat2"}})
    if ((*x)->dim() != 2)
      throw std::runtime_error(std::string(name) + " must be a matrix, got " +
                               std::to_string((*x)->dim()) + "-D tensor");
  if (a->sizes[1] != b->sizes[0])
    throw std::runtime_error("mat1 and mat2 shapes cannot be multiplied (" + matrix_str(a) +
                             " and " + matrix_str(b) + ")");
  for (auto [x, name] : {std::pair{&bias, "self"}, std::pair{&a, "mat1"}})
    if ((*x)->dtype != b->dtype)
      throw std::runtime_error(std::string(name) + " and mat2 must have the same dtype, but got " +
                               dtype_torch_name((*x)->dtype) + " and " + dtype_torch_name(b->dtype));
  const Shape sizes{a->sizes[0], b->sizes[1]};
  Tensor out = empty(sizes, a->dtype);
  {
    GradModeGuard no_grad(false);
    Tensor expanded = expand(bias, sizes);  // torch's error when bias does not broadcast
    if (beta != 0.0) kernels::copy(*expanded, *out);
    // Note [addmm of an empty inner dim]: as torch's, a product over no terms leaves
    // beta * bias, scaled in place: `out.mul_(beta)`, so an integer or bool out refuses a
    // beta of another kind ("result type Float can't be cast to the desired output type
    // Int"), even one that is 1.0, and whatever alpha is.
    if (a->sizes[1] == 0 && out->numel() > 0 && beta != 0.0)
      mul_(out, wrapped_scalar(beta_scalar, beta_scalar.natural_dtype()));
  }
  if (a->sizes[1] != 0 || beta == 0.0) gemm_into(a, b, out, alpha, beta);
  if (any_requires_grad({&bias, &a, &b})) {
    const bool a_columns = column_major(a), b_columns = column_major(b);
    auto node = make_node(
        "AddmmBackward0", {bias, a, b},
        [beta, alpha, a_columns, b_columns](Node& n, TensorList& g) -> TensorList {
          return {n.needs_input_grad(0) ? sum_to(scaled(g[0], beta), n.input_meta()[0].sizes)
                                        : Tensor(),
                  n.needs_input_grad(1)
                      ? scaled(mm_grad_a(g[0], n.saved(saved::mat2), a_columns), alpha)
                      : Tensor(),
                  n.needs_input_grad(2)
                      ? scaled(mm_grad_b(g[0], n.saved(saved::mat1), b_columns), alpha)
                      : Tensor()};
        });
    node->save_value("alpha", saved_scalar(alpha_scalar));
    node->save_value("beta", saved_scalar(beta_scalar));
    show_layout(*node, "mat1_sym_sizes", "mat1_sym_strides", a, node->needs_input_grad(1));
    show_layout(*node, "mat2_sym_sizes", "mat2_sym_strides", b, node->needs_input_grad(2));
    record(node, {out}, {{saved::mat1, node->needs_input_grad(2) ? a : Tensor()},
                         {saved::mat2, node->needs_input_grad(1) ? b : Tensor()}});
  }
  return out;
}

// ---- beta * input + alpha * product: addmv, addr, baddbmm, addbmm ----

namespace {
// Note [Adding a product]: as addmm, out starts as `input` broadcast to the product's
// shape and the product accumulates into it through gemm's beta (with beta = 0, input is
// not read, so NaN there does not leak, as in torch; its shape is checked all the same).
// The node's `input` gradient is beta * grad summed back to input's shape; the factors'
// gradients are the product's own, times alpha. addr promotes factors of different
// dtypes in its backward as in its forward, where torch's backward raises (a fuzzer
// quirk, tests/fuzz/quirks.py).
// input broadcast to `sizes`, or torch's error if it does not fit (whatever beta is).
Tensor fitted(const Tensor& input, const Shape& sizes) {
  GradModeGuard no_grad(false);
  return expand(input, sizes);
}

Tensor started_with(const Tensor& input, const Shape& sizes, DType dtype, double beta) {
  Tensor out = empty(sizes, dtype);
  const Tensor fit = fitted(input, sizes);
  if (beta != 0.0) kernels::copy(*fit, *out);
  return out;
}

// With no products to add, or none with terms, torch scales its copy of the input in
// place by a nonzero beta (`result.mul_(beta)`, as Note [addmm of an empty inner dim]):
// a beta of a higher kind than the input's dtype cannot be written back, a float for an
// integer input (even 1.0) or a number for a bool one.
void check_input_scalable(const Tensor& input, const Scalar& beta) {
  if (beta.to_double() == 0.0) return;
  const DType scaled = result_type(input, wrapped_scalar(beta, beta.natural_dtype()));
  if (!can_cast(scaled, input->dtype))
    throw std::runtime_error(std::string("result type ") + dtype_torch_name(scaled) +
                             " can't be cast to the desired output type " +
                             dtype_torch_name(input->dtype));
}

// x.size(d) as torch reads it, with its IndexError for a d out of range.
int64_t size_at(const Tensor& x, int64_t d) {
  if (x->dim() == 0)
    throw IndexError("Dimension specified as " + std::to_string(d) +
                     " but tensor has no dimensions");
  return x->sizes[wrap_dim(d, x->dim())];
}

// beta * input in input's dtype (unrecorded) where there is nothing to multiply.
Tensor scaled_input(const Tensor& input, const Shape& sizes, const Scalar& beta, DType dtype) {
  GradModeGuard no_grad(false);
  Tensor out = empty(sizes, dtype);
  if (beta.to_double() == 0.0) kernels::fill(*out, Scalar(0.0));
  else kernels::copy(*mul(fitted(input, sizes), wrapped_scalar(beta, beta.natural_dtype())), *out);
  return out;
}

std::string dtype_name(const Tensor& t) { return dtype_torch_name(t->dtype); }

Tensor as_dtype_of(const Tensor& x, const Tensor& like) {
  return x->dtype == like->dtype ? x : to_dtype(x, like->dtype);
}

// Records `name` for out = beta * input + alpha * (a (x) b), with the factors'
// gradients d_a(grad, b) and d_b(grad, a) (before alpha) and their slots.
template <class DA, class DB>
void record_added_product(const char* name, const Tensor& input, const Tensor& a,
                          const Tensor& b, const Tensor& out, double beta, double alpha,
                          saved::Slot a_slot, saved::Slot b_slot, DA d_a, DB d_b) {
  if (!any_requires_grad({&input, &a, &b})) return;
  auto node = make_node(name, {input, a, b},
                        [beta, alpha, a_slot, b_slot, d_a, d_b](Node& n, TensorList& g) -> TensorList {
                          return {n.needs_input_grad(0)
                                      ? sum_to(scaled(g[0], beta), n.input_meta()[0].sizes)
                                      : Tensor(),
                                  n.needs_input_grad(1) ? scaled(d_a(g[0], n.saved(b_slot)), alpha)
                                                        : Tensor(),
                                  n.needs_input_grad(2) ? scaled(d_b(g[0], n.saved(a_slot)), alpha)
                                                        : Tensor()};
                        });
  record(node, {out}, {{a_slot, node->needs_input_grad(2) ? a : Tensor()},
                       {b_slot, node->needs_input_grad(1) ? b : Tensor()}});
}
}  // namespace

Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta_scalar,
             const Scalar& alpha_scalar) {
  const double beta = beta_scalar.to_double(), alpha = alpha_scalar.to_double();
  if (mat->dim() != 2 || vec->dim() != 1 || input->dim() > 1)
    throw std::runtime_error("vector + matrix @ vector expected, got " +
                             std::to_string(input->dim()) + ", " + std::to_string(mat->dim()) +
                             ", " + std::to_string(vec->dim()));
  const int64_t m = mat->sizes[0];
  if (mat->sizes[1] != vec->sizes[0] || (input->numel() != 1 && input->numel() != m)) {
    if (input->dim() == 0)  // torch's message reads input.size(0) first
      throw IndexError("Dimension specified as 0 but tensor has no dimensions");
    throw std::runtime_error("size mismatch, got input (" +
                             std::to_string(input->dim() ? input->sizes[0] : 1) + "), mat (" +
                             matrix_str(mat) + "), vec (" + std::to_string(vec->sizes[0]) + ")");
  }
  if (input->dtype != mat->dtype || mat->dtype != vec->dtype)
    throw std::runtime_error("addmv input tensors must have the same dtype, but got " +
                             dtype_name(input) + ", " + dtype_name(mat) + ", and " + dtype_name(vec));
  check_not_bool(mat, "addmv_impl_cpu", mat->numel() == 0);
  Tensor out = started_with(input, {m}, mat->dtype, beta);
  gemm_into(mat, make_view(vec, {vec->sizes[0], 1}, {vec->strides[0], 1}, vec->offset),
            make_view(out, {m, 1}, {1, 1}, 0), alpha, beta,
            m == 1 ? kernels::Accumulation::Plain : kernels::Accumulation::LikeBlas);
  record_added_product(
      "AddmvBackward0", input, mat, vec, out, beta, alpha, saved::mat, saved::vec,
      [](const Tensor& g, const Tensor& v) { return outer(g, v); },
      [](const Tensor& g, const Tensor& a) { return mv(t(a), g); });
  return out;
}

namespace {
void check_addr_vectors(const Tensor& vec1, const Tensor& vec2) {
  for (auto [v, name] : {std::pair{&vec1, "vec1"}, std::pair{&vec2, "vec2"}})
    if ((*v)->dim() != 1)
      throw std::runtime_error(std::string("addr: Expected 1-D argument ") + name + ", but got " +
                               std::to_string((*v)->dim()) + "-D");
}
}  // namespace

Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, const Scalar& beta_scalar,
            const Scalar& alpha_scalar) {
  check_addr_vectors(vec1, vec2);
  // addr promotes its operands, as a pointwise op does, and checks beta, then alpha: a
  // bool only for a Bool result, a float only for a floating one.
  const DType dtype = promote_types(promote_types(input->dtype, vec1->dtype), vec2->dtype);
  for (auto [scalar, name] : {std::pair{&beta_scalar, "beta"}, std::pair{&alpha_scalar, "alpha"}}) {
    if (scalar->natural_dtype() == DType::Bool && dtype != DType::Bool)
      throw std::runtime_error(std::string("Boolean ") + name +
                               " only supported for Boolean results.");
    if (scalar->is_floating() && !is_floating(dtype))
      throw std::runtime_error(std::string("For integral input tensors, argument ") + name +
                               " must not be a floating point number.");
  }
  const double beta = beta_scalar.to_double(), alpha = alpha_scalar.to_double();
  const Tensor a = detail::cast(vec1, dtype), b = detail::cast(vec2, dtype);
  const int64_t m = a->sizes[0], n = b->sizes[0];
  if (dtype == DType::Bool) {  // (beta and input) or (alpha and vec1 vec2^T); no gradient
    GradModeGuard no_grad(false);
    Tensor r = alpha != 0.0 ? logical_and(unsqueeze(a, 1), unsqueeze(b, 0))
                            : full({m, n}, Scalar(false), DType::Bool);
    if (beta != 0.0) r = logical_or(expand(input, {m, n}), r);
    return contiguous(r);
  }
  Tensor out = started_with(detail::cast(input, dtype), {m, n}, dtype, beta);
  gemm_into(make_view(a, {m, 1}, {a->strides[0], 1}, a->offset),
            make_view(b, {1, n}, {1, b->strides[0]}, b->offset), out, alpha, beta,
            kernels::Accumulation::Plain);
  // torch's addr is a pointwise op over input, so an input of the result's shape lends
  // the result its layout (a transposed input gives a transposed result).
  if (input->sizes == out->sizes && !input->is_contiguous() &&
      input->is_non_overlapping_and_dense()) {
    Tensor laid = detail::empty_preserving_layout(*input, dtype);
    kernels::copy(*out, *laid);
    out = laid;
  }
  record_added_product(
      "AddrBackward0", input, vec1, vec2, out, beta, alpha, saved::vec1, saved::vec2,
      // (a factor of another dtype, promoted in the forward, is promoted here too)
      [](const Tensor& g, const Tensor& v2) { return mv(g, as_dtype_of(v2, g)); },
      [](const Tensor& g, const Tensor& v1) { return mv(t(g), as_dtype_of(v1, g)); });
  return out;
}

Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2,
               const Scalar& beta_scalar, const Scalar& alpha_scalar) {
  const double beta = beta_scalar.to_double(), alpha = alpha_scalar.to_double();
  // torch fits input to the result's size before it checks the batches' ranks
  fitted(input, {size_at(batch1, 0), size_at(batch1, 1), size_at(batch2, 2)});
  if (batch1->dim() != 3) throw std::runtime_error("batch1 must be a 3D tensor");
  if (batch2->dim() != 3) throw std::runtime_error("batch2 must be a 3D tensor");
  const int64_t batch = batch1->sizes[0], m = batch1->sizes[1], k = batch1->sizes[2];
  if (batch2->sizes[0] != batch || batch2->sizes[1] != k)
    throw std::runtime_error("Expected size for first two dimensions of batch2 tensor to be: [" +
                             std::to_string(batch) + ", " + std::to_string(k) + "] but got: [" +
                             std::to_string(batch2->sizes[0]) + ", " +
                             std::to_string(batch2->sizes[1]) + "].");
  const Shape sizes{batch, m, batch2->sizes[2]};
  // With nothing to multiply, torch checks only input against batch1 and gives beta *
  // input in batch2's dtype, as its bmm gives zeros in batch2's dtype.
  // Then, as torch's, input against batch1, batch1's dtype (no Bool kernel), and only
  // then batch2 against batch1.
  const bool nothing_to_multiply = k == 0 || batch * m * batch2->sizes[2] == 0;
  if (input->dtype != batch1->dtype)
    throw std::runtime_error("Input dtypes must be the same, got: input " +
                             std::string(dtype_cpp_name(input->dtype)) + ", batch1: " +
                             dtype_cpp_name(batch1->dtype) + ", batch2: " +
                             dtype_cpp_name(batch2->dtype));
  Tensor out;
  if (nothing_to_multiply) {
    if (batch * m * batch2->sizes[2] > 0) check_input_scalable(input, beta_scalar);
    out = scaled_input(input, sizes, beta_scalar, batch2->dtype);
  } else {
    check_not_bool(batch1, "baddbmm");
    if (batch2->dtype != batch1->dtype)
      throw std::runtime_error(std::string("expected scalar type ") + dtype_name(batch1) +
                               " but found " + dtype_name(batch2));
    out = started_with(input, sizes, batch1->dtype, beta);
    gemm_into(batch1, batch2, out, alpha, beta, kernels::Accumulation::LikeBatchedBlas);
  }
  // The factors' gradients: each batch's grad against the other factor's matrix.
  auto d_batch1 = [](const Tensor& g, const Tensor& b2) { return bmm(g, transpose(b2, 1, 2)); };
  auto d_batch2 = [](const Tensor& g, const Tensor& b1) { return bmm(transpose(b1, 1, 2), g); };
  record_added_product("BaddbmmBackward0", input, batch1, batch2, out, beta, alpha,
                       saved::batch1, saved::batch2, d_batch1, d_batch2);
  return out;
}

Tensor addbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2,
              const Scalar& beta_scalar, const Scalar& alpha_scalar) {
  const double beta = beta_scalar.to_double(), alpha = alpha_scalar.to_double();
  // torch fits input to the result's size before it checks the batches' ranks
  fitted(input, {size_at(batch1, 1), size_at(batch2, 2)});
  if (batch1->dim() != 3) throw std::runtime_error("batch1 must be a 3D tensor");
  if (batch2->dim() != 3) throw std::runtime_error("batch2 must be a 3D tensor");
  const int64_t batch = batch1->sizes[0], m = batch1->sizes[1], n = batch2->sizes[2];
  if (batch2->sizes[0] != batch)
    throw std::runtime_error("batch1 and batch2 must have same number of batches, got " +
                             std::to_string(batch) + " and " + std::to_string(batch2->sizes[0]));
  if (batch2->sizes[1] != batch1->sizes[2])
    throw std::runtime_error("Incompatible matrix sizes for bmm (" + std::to_string(m) + "x" +
                             std::to_string(batch1->sizes[2]) + " and " +
                             std::to_string(batch2->sizes[1]) + "x" + std::to_string(n) + ")");
  // The factors' gradients: grad, the same for every product, against the other factor.
  auto d_batch1 = [batch](const Tensor& g, const Tensor& b2) {
    return bmm(expand(unsqueeze(g, 0), {batch, g->sizes[0], g->sizes[1]}), transpose(b2, 1, 2));
  };
  auto d_batch2 = [batch](const Tensor& g, const Tensor& b1) {
    return bmm(transpose(b1, 1, 2), expand(unsqueeze(g, 0), {batch, g->sizes[0], g->sizes[1]}));
  };
  // torch adds the products one addmm at a time, so addmm's checks and words apply; with
  // none to add it checks no dtypes and gives beta * input in input's dtype.
  if (batch == 0) {
    check_input_scalable(input, beta_scalar);
    Tensor out = scaled_input(input, {m, n}, beta_scalar, input->dtype);
    record_added_product("AddbmmBackward0", input, batch1, batch2, out, beta, alpha,
                         saved::batch1, saved::batch2, d_batch1, d_batch2);
    return out;
  }
  if (batch1->dtype != batch2->dtype)
    throw std::runtime_error(std::string("mat1 and mat2 must have the same dtype, but got ") +
                             dtype_name(batch1) + " and " + dtype_name(batch2));
  if (input->dtype != batch2->dtype)
    throw std::runtime_error(std::string("self and mat2 must have the same dtype, but got ") +
                             dtype_name(input) + " and " + dtype_name(batch2));
  if (m * n == 0) check_not_bool(batch1, "addmm_impl_cpu_", /*trivial=*/true);
  else if (batch1->sizes[2] == 0) check_input_scalable(input, beta_scalar);
  else check_not_bool(batch1, "addmm_impl_cpu_");
  Tensor out = started_with(input, {m, n}, batch1->dtype, beta);
  for (int64_t i = 0; i < batch; ++i)  // out = beta * out + alpha * b1[i] @ b2[i], then += ...
    gemm_into(select(batch1, 0, i), select(batch2, 0, i), out, alpha, i == 0 ? beta : 1.0);
  record_added_product("AddbmmBackward0", input, batch1, batch2, out, beta, alpha,
                       saved::batch1, saved::batch2, d_batch1, d_batch2);
  return out;
}

// ---- in place: self.addmm_(a, b) and its siblings ----

namespace {
using AddedProduct = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Scalar&,
                                const Scalar&);

// Note [Adding a product in place]: the out-of-place op computed on self's current value
// and written back (Note [In-place ops]), so its node (AddmmBackward0...) becomes self's
// history. The product is computed whole before self is written, so factors that share
// self's memory read its old value (torch allows x.addmm_(x, x)); only a self whose
// elements share memory is refused. self is not broadcast: a result of another shape is
// torch's "Bad in-place call" (where torch's addbmm_ resizes self instead, cgrad refuses).
Tensor& added_product_inplace(Tensor& self, const char* name, AddedProduct op, const Tensor& a,
                              const Tensor& b, const Scalar& beta, const Scalar& alpha,
                              const std::function<void()>& check_self = {}) {
  check_inplace_overlap(self, {});
  return apply_inplace(self, name, [&] {
    if (check_self) check_self();
    Tensor out = op(self, a, b, beta, alpha);
    if (out->sizes != self->sizes)
      throw std::runtime_error("Bad in-place call: input tensor size " + shape_str(self->sizes) +
                               " and output tensor size " + shape_str(out->sizes) +
                               " should match");
    return out;
  });
}
}  // namespace

Tensor& addmm_(Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
               const Scalar& alpha) {
  return added_product_inplace(self, "addmm_", &addmm, mat1, mat2, beta, alpha);
}

Tensor& addmv_(Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta,
               const Scalar& alpha) {
  return added_product_inplace(self, "addmv_", &addmv, mat, vec, beta, alpha);
}

Tensor& addr_(Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta,
              const Scalar& alpha) {
  // torch's addr_ wants self to be the whole m x n matrix before it looks at beta or dtypes.
  return added_product_inplace(self, "addr_", &addr, vec1, vec2, beta, alpha, [&] {
    check_addr_vectors(vec1, vec2);
    if (self->dim() != 2)
      throw std::runtime_error("2D tensor expected, got " + std::to_string(self->dim()) +
                               "D tensor for input");
    if (self->sizes[0] != vec1->sizes[0] || self->sizes[1] != vec2->sizes[0])
      throw std::runtime_error("size mismatch, input: " + shape_str(self->sizes) + ", v1: " +
                               shape_str(vec1->sizes) + ", v2: " + shape_str(vec2->sizes));
  });
}

Tensor& baddbmm_(Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                 const Scalar& alpha) {
  return added_product_inplace(self, "baddbmm_", &baddbmm, batch1, batch2, beta, alpha);
}

Tensor& addbmm_(Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                const Scalar& alpha) {
  return added_product_inplace(self, "addbmm_", &addbmm, batch1, batch2, beta, alpha);
}

// ---- matmul ----

namespace {
// Note [matmul folding]: as torch, a >= 3-D operand times a 1-D/2-D one runs as a single
// mm/mv over the batch folded into rows when that needs no copy of the big operand, or
// when the small one requires grad (its gradient is then one mm, not a batch summed).
bool should_fold(const Tensor& a, const Tensor& b) {
  const bool a_larger = a->dim() >= b->dim();
  const Tensor& big = a_larger ? a : b;
  const int64_t big_dim = big->dim(), small_dim = a_larger ? b->dim() : a->dim();
  if (big_dim < 3 || small_dim > 2) return false;
  if ((a_larger ? b : a)->requires_grad()) return true;
  if (a->dim() == 2) return false;
  if (big->numel() == 0) return true;
  // The big operand (transposed when it is b) must flatten its leading dims as a view.
  Shape sizes = big->sizes, strides = big->strides;
  if (!a_larger) {
    std::swap(sizes[big_dim - 1], sizes[big_dim - 2]);
    std::swap(strides[big_dim - 1], strides[big_dim - 2]);
  }
  for (int64_t i = 0; i < big_dim - 2; ++i)
    if (strides[i] != strides[i + 1] * sizes[i + 1]) return false;
  return true;
}

Tensor folded_matmul(const Tensor& a, const Tensor& b) {
  const bool transpose_out = b->dim() > a->dim();
  Tensor t1 = transpose_out ? transpose(b, -2, -1) : a;
  Tensor t2 = !transpose_out ? b : (a->dim() == 2 ? t(a) : a);
  Shape out_shape(t1->sizes.begin(), t1->sizes.end() - 1);
  const int64_t rows = numel_of(out_shape);
  Tensor t1_folded = reshape(t1, {rows, t1->sizes.back()});
  if (t2->dim() == 1) return relabel(mv(t1_folded, t2), out_shape, "UnsafeViewBackward0");
  out_shape.push_back(t2->sizes[1]);
  Tensor out = relabel(mm(t1_folded, t2), out_shape, "UnsafeViewBackward0");
  return transpose_out ? contiguous(transpose(out, -2, -1)) : out;
}

Tensor batched_matmul(const Tensor& a, const Tensor& b) {
  const int64_t da = a->dim(), db = b->dim();
  const int64_t n = da > 1 ? a->sizes[da - 2] : 1, m1 = a->sizes.back();
  const int64_t m2 = db > 1 ? b->sizes[db - 2] : b->sizes[0], p = db > 1 ? b->sizes.back() : 1;
  const Shape batch_a(a->sizes.begin(), a->sizes.begin() + std::max<int64_t>(da - 2, 0));
  const Shape batch_b(b->sizes.begin(), b->sizes.begin() + std::max<int64_t>(db - 2, 0));
  // A batch of one that requires grad is squeezed rather than expanded (torch does too),
  // which lets the product fold.
  if (da == 3 && db == 3 && batch_a[0] != batch_b[0]) {
    if (batch_a[0] == 1 && a->requires_grad()) return matmul(squeeze(a, {0}, true), b);
    if (batch_b[0] == 1 && b->requires_grad()) return matmul(a, squeeze(b, {0}, true));
  }
  Shape out_shape = broadcast_shapes(batch_a, batch_b);
  const int64_t batch = numel_of(out_shape);
  auto with = [&](std::initializer_list<int64_t> tail) {
    Shape s = out_shape;
    s.insert(s.end(), tail);
    return s;
  };
  Tensor a3 = reshape(expand_to(a, with({n, m1})), {batch, n, m1});
  Tensor b3 = db == 1 ? unsqueeze(reshape(expand_to(b, with({m2})), {batch, m2}), 2)
                      : reshape(expand_to(b, with({m2, p})), {batch, m2, p});
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(p);
  Tensor r = bmm(a3, b3);
  if (db == 1) r = squeeze(r, {-1}, true);
  return relabel(r, out_shape, "UnsafeViewBackward0");
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t da = a->dim(), db = b->dim();
  if (da == 0 || db == 0)
    throw std::runtime_error("both arguments to matmul need to be at least 1D, but they are " +
                             std::to_string(da) + "D and " + std::to_string(db) + "D");
  read_input_histories({&a, &b});  // Note [Input histories are read first]
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mv(a, b);
  if (da == 1 && db == 2) {
    // torch squeezes the 1 x n product in place: SqueezeBackward4.
    return relabel(mm(unsqueeze(a, 0), b), {b->sizes[1]}, "SqueezeBackward4");
  }
  if (da == 2 && db == 2) return mm(a, b);
  if (should_fold(a, b)) return folded_matmul(a, b);
  return batched_matmul(a, b);
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  if (input->dim() == 0 || weight->dim() == 0)
    throw std::runtime_error("both arguments to linear need to be at least 1D, but they are " +
                             std::to_string(input->dim()) + "D and " +
                             std::to_string(weight->dim()) + "D");
  read_input_histories({&input, &weight, &bias});  // Note [Input histories are read first]
  if (bias && input->dim() == 2) return addmm(bias, input, t(weight));
  // Note [linear's fused path]: torch folds the leading dims into one addmm (recorded as
  // ViewBackward0 over AddmmBackward0) only when input and bias are both contiguous and
  // the bias is one row (every dim but the last of size 1, at least one dim); otherwise
  // it is matmul then `+= bias` (AddBackward0 over UnsafeViewBackward0 or MmBackward0).
  bool one_row = bias && bias->dim() >= 1;
  for (int64_t d = 0; one_row && d + 1 < bias->dim(); ++d) one_row = bias->sizes[d] == 1;
  if (one_row && input->is_contiguous() && bias->is_contiguous()) {
    Shape sizes(input->sizes.begin(), input->sizes.end() - 1);
    Tensor out = addmm(bias, reshape(input, {numel_of(sizes), input->sizes.back()}), t(weight));
    sizes.push_back(out->sizes[1]);
    return view(out, sizes);
  }
  Tensor out = matmul(input, t(weight));
  if (bias) add_(out, bias);
  return out;
}

// ---- einsum ----

namespace {

constexpr int kLetters = 52;  // labels 0-25: 'A'-'Z', 26-51: 'a'-'z', then ellipsis dims

int label_of(char c) { return c <= 'Z' ? c - 'A' : c - 'a' + 26; }
char char_of(int label) { return static_cast<char>(label < 26 ? 'A' + label : 'a' + label - 26); }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::runtime_error einsum_error(const std::string& what) {
  return std::runtime_error("einsum(): " + what);
}

constexpr int kEllipsis = -1;

// One side of "->" as label lists (kEllipsis for "..."), one per comma-separated term.
// `offset`: where this side starts in the equation, for error positions.
std::vector<std::vector<int>> parse_terms(const std::string& side, size_t offset,
                                          bool single_term) {
  std::vector<std::vector<int>> terms(1);
  for (size_t i = 0; i < side.size(); ++i) {
    const char c = side[i];
    if (c == ' ') continue;
    if (c == ',' && !single_term) {
      terms.emplace_back();
      continue;
    }
    auto& term = terms.back();
    const std::string who = single_term ? "the output" : "operand " + std::to_string(terms.size() - 1);
    if (c == '.') {
      if (std::count(term.begin(), term.end(), kEllipsis))
        throw einsum_error("found '.' for " + who + " for which an ellipsis was already found");
      if (side.compare(i, 3, "...") != 0)
        throw einsum_error("found '.' for " + who + " that is not part of any ellipsis");
      term.push_back(kEllipsis);
      i += 2;
      continue;
    }
    if (!is_letter(c))
      throw einsum_error("invalid subscript given at index " + std::to_string(offset + i) +
                         " in the equation string, subscripts must be in [a-zA-Z]");
    term.push_back(label_of(c));
  }
  return terms;
}

// sum over `sum_dims` (dims where both have size > 1) of left * right, keeping those dims
// as size 1, as one bmm: dims are grouped into batch (in both), left-only, summed and
// right-only, each side is permuted and flattened to 3-D, and the product is put back in
// dim order. Without dims to sum it is a plain (broadcasting) product.
Tensor sum_product(const Tensor& left, const Tensor& right, const DimList& sum_dims) {
  if (sum_dims.empty()) return mul(left, right);
  const int64_t nd = left->dim();
  std::vector<bool> summed(nd, false);
  for (int64_t d : sum_dims) summed[d] = true;
  DimList both, left_only, right_only;
  int64_t both_size = 1, left_size = 1, sum_size = 1, right_size = 1;
  for (int64_t d = 0; d < nd; ++d) {
    const bool in_left = left->sizes[d] != 1, in_right = right->sizes[d] != 1;
    if (summed[d]) {
      sum_size = saturating_mul(sum_size, left->sizes[d]);
    } else if (in_left && in_right) {
      both.push_back(d);
      both_size = saturating_mul(both_size, left->sizes[d]);
    } else if (in_left) {
      left_only.push_back(d);
      left_size = saturating_mul(left_size, left->sizes[d]);
    } else {
      right_only.push_back(d);
      right_size = saturating_mul(right_size, right->sizes[d]);
    }
  }
  // As torch: when every right-only dim comes before every left-only one, the operands
  // trade places, so that the bmm's result is already in dim order (its layout).
  if (!left_only.empty() && !right_only.empty() && right_only.back() < left_only.front())
    return sum_product(right, left, sum_dims);
  auto concat = [](std::initializer_list<const DimList*> parts) {
    DimList out;
    for (const DimList* p : parts) out.insert(out.end(), p->begin(), p->end());
    return out;
  };
  const DimList left_perm = concat({&both, &left_only, &sum_dims, &right_only});
  const DimList right_perm = concat({&both, &sum_dims, &right_only, &left_only});
  Shape out_sizes;
  for (int64_t d : left_perm)
    // The broadcast size: a size-1 side takes the other's, which may be 0.
    out_sizes.push_back(summed[d] ? 1 : left->sizes[d] == 1 ? right->sizes[d] : left->sizes[d]);
  DimList back(nd);
  for (int64_t i = 0; i < nd; ++i) back[left_perm[i]] = i;
  Tensor l3 = reshape(permute(left, left_perm), {both_size, left_size, sum_size});
  Tensor r3 = reshape(permute(right, right_perm), {both_size, sum_size, right_size});
  return permute(view(bmm(l3, r3), out_sizes), back);
}

}  // namespace

// Note [einsum]: each operand takes the diagonal of repeated labels, then is permuted
// (with size-1 dims for labels it lacks) into one order: output labels, then contracted
// labels. A single operand then sums its contracted dims. Several are combined left to
// right; a contracted dim is summed (kept as size 1) as soon as no other operand still
// has it, inside the product (sum_product, a bmm) or alone when only one side has it, and
// a final view drops those dims. This records the nodes torch records, down to the last.
Tensor einsum(const std::string& equation, const TensorList& operands) {
  if (operands.empty())
    throw ValueError("einsum(): must specify the equation string and at least one operand, or "
                     "at least one operand and its subscripts list");
  const size_t arrow = equation.find("->");
  auto terms = parse_terms(equation.substr(0, arrow), 0, false);
  if (terms.size() > operands.size())
    throw einsum_error("fewer operands were provided than specified in the equation");
  if (terms.size() < operands.size())
    throw einsum_error("more operands were provided than specified in the equation");
  const size_t num_ops = operands.size();

  // Expand each term to one label per dim; ellipsis dims are right-aligned, numbered
  // kLetters + i across the widest ellipsis.
  int64_t ellipsis_dims = 0;
  for (size_t k = 0; k < num_ops; ++k) {
    const auto& term = terms[k];
    const int64_t named = static_cast<int64_t>(term.size()) -
                          std::count(term.begin(), term.end(), kEllipsis);
    const int64_t nd = operands[k]->dim();
    const bool has_ellipsis = named != static_cast<int64_t>(term.size());
    if (has_ellipsis ? named > nd : named != nd)
      throw einsum_error("the number of subscripts in the equation (" + std::to_string(named) +
                         (has_ellipsis ? ") is more than the number of dimensions ("
                                       : ") does not match the number of dimensions (") +
                         std::to_string(nd) + ") for operand " + std::to_string(k) +
                         (has_ellipsis ? "" : " and no ellipsis was given"));
    ellipsis_dims = std::max(ellipsis_dims, nd - named);
  }
  std::vector<std::vector<int>> labels(num_ops);
  std::vector<int> count(kLetters + ellipsis_dims, 0);
  for (size_t k = 0; k < num_ops; ++k) {
    const int64_t covered = operands[k]->dim() - static_cast<int64_t>(terms[k].size()) + 1;
    for (int l : terms[k]) {
      if (l != kEllipsis) {
        labels[k].push_back(l);
        continue;
      }
      for (int64_t i = 0; i < covered; ++i)
        labels[k].push_back(static_cast<int>(kLetters + ellipsis_dims - covered + i));
    }
    for (int l : labels[k]) ++count[l];
  }

  std::vector<int> out_labels;
  if (arrow != std::string::npos) {
    auto rhs = parse_terms(equation.substr(arrow + 2), arrow + 2, true)[0];
    for (int l : rhs) {
      if (l == kEllipsis) {
        for (int64_t i = 0; i < ellipsis_dims; ++i) out_labels.push_back(static_cast<int>(kLetters + i));
        continue;
      }
      if (std::count(out_labels.begin(), out_labels.end(), l))
        throw einsum_error(std::string("output subscript ") + char_of(l) +
                           " appears more than once in the output");
      if (!count[l])
        throw einsum_error(std::string("output subscript ") + char_of(l) +
                           " does not appear in the equation for any input operand");
      out_labels.push_back(l);
    }
  } else {  // implicit output: the ellipsis, then labels used once, in label order
    for (int64_t i = 0; i < ellipsis_dims; ++i) out_labels.push_back(static_cast<int>(kLetters + i));
    for (int l = 0; l < kLetters; ++l)
      if (count[l] == 1) out_labels.push_back(l);
  }
  const int64_t num_out = static_cast<int64_t>(out_labels.size());
  std::vector<int64_t> position(count.size(), -1);
  std::vector<int> order = out_labels;
  for (int l = 0; l < static_cast<int>(count.size()); ++l)
    if (count[l] && std::find(out_labels.begin(), out_labels.end(), l) == out_labels.end())
      order.push_back(l);
  for (size_t i = 0; i < order.size(); ++i) position[order[i]] = static_cast<int64_t>(i);
  const int64_t total = static_cast<int64_t>(order.size());

  // Sizes must agree per label: within an operand exactly (a diagonal), across operands
  // up to broadcasting of size 1.
  std::vector<int64_t> label_size(count.size(), 1);
  for (size_t k = 0; k < num_ops; ++k) {
    std::vector<int64_t> own_size(count.size(), -1);
    for (size_t d = 0; d < labels[k].size(); ++d) {
      const int l = labels[k][d];
      const int64_t size = operands[k]->sizes[d];
      if (own_size[l] >= 0 && own_size[l] != size)
        throw einsum_error(std::string("subscript ") + char_of(l) + " is repeated for operand " +
                           std::to_string(k) + " but the sizes don't match, " +
                           std::to_string(size) + " != " + std::to_string(own_size[l]));
      own_size[l] = size;
      if (size == 1) continue;
      if (label_size[l] != 1 && label_size[l] != size) {
        const std::string name = l < kLetters ? std::string(1, char_of(l)) : "...";
        throw einsum_error("subscript " + name + " has size " + std::to_string(size) +
                           " for operand " + std::to_string(k) +
                           " which does not broadcast with previously seen size " +
                           std::to_string(label_size[l]));
      }
      label_size[l] = size;
    }
    // torch takes operand k's diagonals and permutes it (reading its history, Note
    // [Input histories are read first]) before it checks operand k + 1's sizes.
    read_input_histories({&operands[k]});
  }

  TensorList ops;
  for (size_t k = 0; k < num_ops; ++k) {
    Tensor op = operands[k];
    std::vector<int> dims_labels = labels[k];
    // Repeated labels: take the diagonal (which moves it last) until none is left.
    for (bool again = true; again;) {
      again = false;
      for (size_t j = 1; j < dims_labels.size() && !again; ++j)
        for (size_t i = 0; i < j && !again; ++i)
          if (dims_labels[i] == dims_labels[j]) {
            op = diagonal(op, 0, static_cast<int64_t>(i), static_cast<int64_t>(j));
            const int l = dims_labels[i];
            dims_labels.erase(dims_labels.begin() + j);
            dims_labels.erase(dims_labels.begin() + i);
            dims_labels.push_back(l);
            again = true;
          }
    }
    DimList perm(total, -1);
    for (size_t d = 0; d < dims_labels.size(); ++d) perm[position[dims_labels[d]]] = static_cast<int64_t>(d);
    for (int64_t i = 0; i < total; ++i)
      if (perm[i] < 0) {
        op = unsqueeze(op, op->dim());
        perm[i] = op->dim() - 1;
      }
    ops.push_back(permute(op, perm));
  }

  DimList contracted(total - num_out);
  std::iota(contracted.begin(), contracted.end(), num_out);
  if (num_ops == 1) return contracted.empty() ? ops[0] : sum(ops[0], contracted);
  // How many operands still have each contracted dim (size > 1).
  std::vector<int64_t> holders(total, 0);
  for (const Tensor& op : ops)
    for (int64_t d : contracted) holders[d] += op->sizes[d] != 1;
  Tensor result = ops[0];
  for (size_t k = 1; k < num_ops; ++k) {
    Tensor other = ops[k];
    DimList sum_dims;
    for (int64_t d : contracted) {
      const bool in_result = result->sizes[d] != 1, in_other = other->sizes[d] != 1;
      if (in_result && in_other) {
        if (--holders[d] == 1) {
          sum_dims.push_back(d);
          holders[d] = 0;
        }
      } else if (holders[d] == 1 && in_result) {  // only one side has it: sum it now
        result = sum(result, DimList{d}, /*keepdim=*/true);
        holders[d] = 0;
      } else if (holders[d] == 1 && in_other) {
        other = sum(other, DimList{d}, /*keepdim=*/true);
        holders[d] = 0;
      }
    }
    result = sum_product(result, other, sum_dims);
  }
  if (contracted.empty()) return result;
  return view(result, Shape(result->sizes.begin(), result->sizes.begin() + num_out));
}

}  // namespace cgrad
