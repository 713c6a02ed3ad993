// kron and tensordot, composed of cgrad's views, mul and mm in the order torch composes
// them, so they record the same nodes (and differentiate twice for free).
#include <string>

#include "ops/common.h"

namespace cgrad {

namespace {

// torch's _unsafe_view: `a` under new sizes as a tensor of its own, not a view of a
// (UnsafeViewBackward0); sizes the strides cannot express raise view's error.
Tensor unsafe_view(const Tensor& a, const Shape& sizes) {
  Tensor shaped;
  {
    GradModeGuard no_grad(false);
    shaped = view(a, sizes);
  }
  Tensor out = make_view(a, shaped->sizes, shaped->strides, shaped->offset);
  if (any_requires_grad({&a}))
    record(make_node("UnsafeViewBackward0", {a}, [](Node& n, TensorList& g) -> TensorList {
        return {reshape(g[0], n.input_meta()[0].sizes)};
      }), {out});
  return out;
}

}  // namespace

Tensor kron(const Tensor& a, const Tensor& b) {
  const int64_t rank = std::max(a->dim(), b->dim());
  const int64_t pad_a = rank - a->dim(), pad_b = rank - b->dim();
  // a's dim i becomes dims (2i, 2i+1) = (size, 1) and b's (1, size): their product
  // interleaves the dims, and merging each pair lays the blocks out.
  Shape a_sizes(2 * rank, 1), b_sizes(2 * rank, 1), result(rank, 1);
  for (int64_t i = 0; i < rank; ++i) {
    if (i >= pad_a) a_sizes[2 * i] = a->sizes[i - pad_a];
    if (i >= pad_b) b_sizes[2 * i + 1] = b->sizes[i - pad_b];
    result[i] = a_sizes[2 * i] * b_sizes[2 * i + 1];
  }
  return unsafe_view(mul(unsafe_view(a, a_sizes), unsafe_view(b, b_sizes)), result);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const DimList& dims_a, const DimList& dims_b) {
  if (dims_a.size() != dims_b.size())
    throw std::runtime_error("both dimension lists should have same length");
  if (a->dtype != b->dtype) throw std::runtime_error("both inputs should have same dtype");
  Tensor x = a, y = b;
  std::vector<bool> contracted_a(a->dim(), false), contracted_b(b->dim(), false);
  DimList wrapped_a, wrapped_b;
  int64_t contracted_size = 1;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    const int64_t da = wrap_dim(dims_a[i], a->dim()), db = wrap_dim(dims_b[i], b->dim());
    for (auto [seen, d] : {std::pair<std::vector<bool>*, int64_t>{&contracted_a, da}, {&contracted_b, db}})
      if ((*seen)[d])
        throw std::runtime_error("dim " + std::to_string(d) + " appears multiple times in the list of dims");
    contracted_a[da] = contracted_b[db] = true;
    wrapped_a.push_back(da);
    wrapped_b.push_back(db);
    const int64_t sa = a->sizes[da], sb = b->sizes[db];
    // A dim of size 1 against any size broadcasts: it is summed on the other side first.
    if (sb == 1) {
      x = sum(x, DimList{da}, true);
    } else if (sa == 1) {
      y = sum(y, DimList{db}, true);
    } else {
      if (sa != sb)
        throw std::runtime_error(
            "contracted dimensions need to match, but first has size " + std::to_string(sa) +
            " in dim " + std::to_string(dims_a[i]) + " and second has size " +
            std::to_string(sb) + " in dim " + std::to_string(dims_b[i]));
      contracted_size *= sa;
    }
  }
  // a as [free dims of a, contracted] and b as [contracted, free dims of b], one mm.
  DimList order_a, order_b = wrapped_b;
  Shape result;
  int64_t free_a = 1, free_b = 1;
  for (int64_t d = 0; d < a->dim(); ++d)
    if (!contracted_a[d]) {
      order_a.push_back(d);
      result.push_back(x->sizes[d]);
      free_a *= x->sizes[d];
    }
  order_a.insert(order_a.end(), wrapped_a.begin(), wrapped_a.end());
  for (int64_t d = 0; d < b->dim(); ++d)
    if (!contracted_b[d]) {
      order_b.push_back(d);
      result.push_back(y->sizes[d]);
      free_b *= y->sizes[d];
    }
  // With no free dims on either side torch takes a dot of the two (DotBackward0).
  if (result.empty())
    return reshape(dot(reshape(permute(x, order_a), {contracted_size}),
                       reshape(permute(y, order_b), {contracted_size})),
                   result);
  Tensor lhs = reshape(permute(x, order_a), {free_a, contracted_size});
  Tensor rhs = reshape(permute(y, order_b), {contracted_size, free_b});
  return reshape(mm(lhs, rhs), result);
}

Tensor inner(const Tensor& a, const Tensor& b) {
  if (a->dim() == 0 || b->dim() == 0) return mul(a, b);
  if (a->sizes.back() != b->sizes.back())
    throw std::runtime_error("inner() the last dimension must match on both input tensors but "
                             "got shapes " + shape_str(a->sizes) + " and " + shape_str(b->sizes));
  return tensordot(a, b, {-1}, {-1});
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims) {
  if (dims < 0)
    throw std::runtime_error("tensordot expects dims >= 0, but got dims=" + std::to_string(dims));
  if (dims > a->dim() || dims > b->dim())
    throw std::runtime_error("tensordot expects dims < ndim_a or ndim_b, but got dims=" +
                             std::to_string(dims));
  DimList dims_a, dims_b;
  for (int64_t i = 0; i < dims; ++i) {
    dims_a.push_back(i - dims);
    dims_b.push_back(i);
  }
  return tensordot(a, b, dims_a, dims_b);
}

}  // namespace cgrad
