// In-place ops: the out-of-place op, written back into self, with self's history rebased.
#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cgrad/autograd/views.h"
#include "ops/common.h"

namespace cgrad {

// Note [In-place ops]: `self.op_(x)` is computed as `op(self, x)` — which records op's
// node N with self's current history as its first input — and the result is copied into
// self's memory. Then:
// - references N saved to self itself become copies of the old value (torch saves the
//   original self), while other nodes that saved self see the version bump and raise;
// - self's history is rebased onto N (Note [Views and in-place]): a plain tensor takes N
//   as its grad_fn, a view's base takes CopySlices(N), and every view of that memory
//   follows the new history when next used.
// Without a graph to record, the kernel writes into self directly.

namespace {

bool outside_inference_mode(const Tensor& self) {
  return self->is_inference && !InferenceMode::is_enabled();
}

// The checks torch makes before the op runs; those that depend on the other inputs
// (check_view_writable) come once the op has recorded its node.
void check_inplace_allowed(const Tensor& self) {
  if (outside_inference_mode(self))
    throw std::runtime_error(
        "Inplace update to inference tensor outside InferenceMode is not allowed. You can make "
        "a clone to get a normal tensor before doing inplace update.");
  if (!GradMode::records() || !self->requires_grad()) return;
  if (self->view_base) {
    check_view_writable(*self, /*indirect=*/false);
    if (!self->view_base->has_recorded_grad_fn())
      throw std::runtime_error(
          "a view of a leaf Variable that requires grad is being used in an in-place "
          "operation.");
  }
  if (!self->has_recorded_grad_fn())  // Note [Leaf checks read the recorded grad_fn]
    throw std::runtime_error(
        "a leaf Variable that requires grad is being used in an in-place operation.");
}

bool records_graph(const Tensor& self, const Tensor* other) {
  if (!GradMode::records()) return false;
  return self->requires_grad() || (other && (*other)->requires_grad());
}

}  // namespace

// Note [In-place overlap]: as torch, an elementwise op that writes into self refuses
// (1) a self in which several elements share memory (a stride of 0 over a dim of size
// > 1, as from expand), and (2) an input whose memory partly overlaps self's, where the
// result would depend on the order elements are written in. Overlap is decided as torch
// decides it: only for tensors that are non-overlapping and dense, by their byte ranges;
// the same range with the same strides is the same tensor, which is fine (x.add_(x)).
// Other layouts pass unchecked, as in torch. fill_, zero_ and the indexing and random
// in-place ops are not checked (torch allows fill_ on an expanded tensor).
namespace {

bool partly_overlaps(const TensorImpl& self, const TensorImpl& input) {
  if (&self == &input || self.storage != input.storage) return false;
  if (self.numel() == 0 || input.numel() == 0) return false;
  if (!self.is_non_overlapping_and_dense() || !input.is_non_overlapping_and_dense())
    return false;
  auto range = [](const TensorImpl& t) {
    const auto* begin = static_cast<const char*>(t.raw_data());
    return std::make_pair(begin, begin + t.numel() * static_cast<int64_t>(itemsize(t.dtype)));
  };
  const auto [a_begin, a_end] = range(self);
  const auto [b_begin, b_end] = range(input);
  if (a_begin == b_begin && a_end == b_end) return self.strides != input.strides;
  return a_begin < b_end && b_begin < a_end;
}

}  // namespace

void check_inplace_overlap(const Tensor& self, std::initializer_list<const Tensor*> inputs) {
  if (self->numel() == 0) return;  // an empty tensor is contiguous, so overlaps nothing
  for (size_t d = 0; d < self->sizes.size(); ++d)
    if (self->strides[d] == 0 && self->sizes[d] > 1)
      throw std::runtime_error(
          "unsupported operation: more than one element of the written-to tensor refers to a "
          "single memory location. Please clone() the tensor before performing the operation.");
  for (const Tensor* input : inputs)
    if (input && *input && partly_overlaps(*self, **input))
      throw std::runtime_error(
          "unsupported operation: some elements of the input tensor and the written-to tensor "
          "refer to a single memory location. Please clone() the tensor before performing the "
          "operation.");
}

namespace {
[[noreturn]] void throw_output_shape(const Tensor& self, const Shape& broadcast, const char* op) {
  throw std::runtime_error(std::string(op) + ": output with shape " + shape_str(self->sizes) +
                           " doesn't match the broadcast shape " + shape_str(broadcast));
}
}  // namespace

void check_inplace_shape(const Tensor& self, const std::vector<Tensor>& inputs, const char* op) {
  Shape shape = self->sizes;
  for (const Tensor& t : inputs) shape = broadcast_shapes(shape, t->sizes);
  if (shape != self->sizes) throw_output_shape(self, shape, op);
}

// Note [In-place writes that read what they wrote]: torch refuses an input that partly
// overlaps self only when both are non-overlapping and dense (Note [In-place overlap]);
// any other input sharing self's memory (a strided select, a diagonal, a narrow of the
// last dim) is read while self is written, one element after another in TensorIterator's
// order, so an element may read a value written a moment before
// (`x.add_(x.diagonal())`: row 1 adds the already doubled x[0, 0]). cgrad computes such
// a write element by element in that order: the dims sorted by the operands' strides
// (self first, then the inputs; broadcast dims decide nothing; equal strides put the
// smaller dim first), the fastest-moving dim innermost. Only when some element reads an
// address an earlier element wrote: otherwise the usual whole-tensor op gives the same
// values. When the op computes in another dtype than self's, torch reads casted copies,
// so the inputs are read as they were. torch's vectorized loops read a block of a
// contiguous row (16 floats with AVX2) before writing it; cgrad's element order is
// torch's for rows shorter than that, which is what this ordering can promise.
namespace {

// The order TensorIterator visits self's elements in: dims from fastest to slowest.
std::vector<size_t> torch_iteration_dims(const Tensor& self, const std::vector<Shape>& strides) {
  const size_t n = self->sizes.size();
  std::vector<size_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = n - 1 - i;
  // 1: dim a goes after dim b; -1: before; 0: undecided.
  auto order = [&](size_t a, size_t b) {
    for (const Shape& st : strides) {
      if (st[a] == 0 || st[b] == 0) continue;
      if (st[a] < st[b]) return -1;
      if (st[a] > st[b]) return 1;
      if (self->sizes[a] > self->sizes[b]) return 1;
    }
    return 0;
  };
  for (size_t i = 1; i < n; ++i) {
    size_t moving = i;
    for (size_t j = i; j-- > 0;) {
      int c = order(perm[j], perm[moving]);
      if (c > 0) {
        std::swap(perm[j], perm[moving]);
        moving = j;
      } else if (c < 0) {
        break;
      }
    }
  }
  return perm;
}

// Strides of t broadcast to `sizes`, in bytes.
Shape broadcast_byte_strides(const TensorImpl& t, const Shape& sizes) {
  Shape out(sizes.size(), 0);
  const size_t lead = sizes.size() - t.sizes.size();
  for (size_t d = 0; d < t.sizes.size(); ++d)
    if (t.sizes[d] != 1) out[lead + d] = t.strides[d] * static_cast<int64_t>(itemsize(t.dtype));
  return out;
}

// Byte offsets (from each operand's first element) of every element, in torch's order;
// operand 0 is self.
std::vector<std::vector<int64_t>> offsets_in_torch_order(const Tensor& self,
                                                         const std::vector<Tensor>& inputs) {
  std::vector<Shape> strides{broadcast_byte_strides(*self, self->sizes)};
  strides.push_back(strides[0]);  // self is also the op's first input
  for (const Tensor& t : inputs) strides.push_back(broadcast_byte_strides(*t, self->sizes));
  const std::vector<size_t> dims = torch_iteration_dims(self, strides);
  strides.erase(strides.begin() + 1);
  std::vector<std::vector<int64_t>> offsets(strides.size());
  const int64_t n = self->numel();
  Shape index(dims.size(), 0);
  std::vector<int64_t> at(strides.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    for (size_t o = 0; o < strides.size(); ++o) offsets[o].push_back(at[o]);
    for (size_t i = 0; i < dims.size(); ++i) {  // odometer, fastest dim first
      const size_t d = dims[i];
      for (size_t o = 0; o < strides.size(); ++o) at[o] += strides[o][d];
      if (++index[d] < self->sizes[d]) break;
      for (size_t o = 0; o < strides.size(); ++o) at[o] -= strides[o][d] * self->sizes[d];
      index[d] = 0;
    }
  }
  return offsets;
}

const char* address(const TensorImpl& t) { return static_cast<const char*>(t.raw_data()); }

// Whether some element reads, through an input, an address an earlier element wrote.
// (An array, not a vector: add_'s fast path asks it on every call, as a gradient
// accumulates, and must not allocate.)
bool reads_what_it_wrote(const Tensor& self, const Tensor* first, size_t count) {
  if (self->numel() < 2) return false;
  bool shares = false;
  for (const Tensor* t = first; t != first + count; ++t)
    shares = shares || ((*t)->storage == self->storage && (*t)->numel() > 0 &&
                        !(address(**t) == address(*self) && (*t)->strides == self->strides &&
                          (*t)->sizes == self->sizes));
  if (!shares) return false;
  const std::vector<Tensor> inputs(first, first + count);
  const auto offsets = offsets_in_torch_order(self, inputs);
  std::unordered_map<const char*, int64_t> written;  // address -> when
  for (size_t k = 0; k < offsets[0].size(); ++k) written.emplace(address(*self) + offsets[0][k], k);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]->storage != self->storage) continue;
    for (size_t k = 0; k < offsets[i + 1].size(); ++k) {
      auto it = written.find(address(*inputs[i]) + offsets[i + 1][k]);
      if (it != written.end() && it->second < static_cast<int64_t>(k)) return true;
    }
  }
  return false;
}

// One element of t (at byte offset `bytes`) as a tensor of t's kind: 0-d stays 0-d (a
// wrapped number stays one), anything else is a 1-element 1-d view, so that type
// promotion among the elements is that among the tensors.
Tensor element_of(const Tensor& t, int64_t bytes) {
  if (t->dim() == 0) return t;
  return make_view(t, {1}, {1}, t->offset + bytes / static_cast<int64_t>(itemsize(t->dtype)));
}

void write_in_torch_order(const Tensor& self, const PointwiseOp& pointwise) {
  const auto offsets = offsets_in_torch_order(self, pointwise.inputs);
  GradModeGuard no_grad(false);
  std::vector<Tensor> inputs(pointwise.inputs.size());
  for (size_t k = 0; k < offsets[0].size(); ++k) {
    Tensor out = element_of(self, offsets[0][k]);
    for (size_t i = 0; i < inputs.size(); ++i)
      inputs[i] = element_of(pointwise.inputs[i], offsets[i + 1][k]);
    kernels::copy(*pointwise.op(out, inputs), *out);
  }
}

}  // namespace

Tensor& apply_pointwise_inplace(Tensor& self, const char* name, const PointwiseOp& op) {
  return apply_inplace(self, name, [&] { return op.op(self, op.inputs); }, false, &op);
}

Tensor& apply_inplace(Tensor& self, const char* op, const std::function<Tensor()>& compute,
                      bool record_any_dtype, const PointwiseOp* pointwise) {
  check_inplace_allowed(self);
  Tensor result = [&] {
    InplaceHistory any_dtype;  // Note [Only floating outputs get history]
    return compute();
  }();
  if (!can_cast(result->dtype, self->dtype))
    throw std::runtime_error(std::string("result type ") + dtype_torch_name(result->dtype) +
                             " can't be cast to the desired output type " +
                             dtype_torch_name(self->dtype));
  if (result->sizes != self->sizes) throw_output_shape(self, result->sizes, op);
  // Only floating tensors carry gradients: writing a float that requires grad into an
  // integer or bool tensor records nothing, as in torch, unless that tensor already
  // requires grad (fill_ and masked writes of one value record whatever the dtype): then
  // every in-place op on it is recorded, as torch's.
  std::shared_ptr<Node> node = is_floating(self->dtype) || record_any_dtype ||
                                       self->requires_grad()
                                   ? result->grad_fn()
                                   : nullptr;
  if (node) {
    if (self->view_base) check_view_writable(*self, /*indirect=*/false);
    node->snapshot_saved(self);
  }
  if (pointwise && result->dtype == self->dtype &&
      reads_what_it_wrote(self, pointwise->inputs.data(), pointwise->inputs.size()))
    write_in_torch_order(self, *pointwise);
  else
    kernels::copy(*result, *self);
  self->version->bump(op);
  if (node) {
    node->retarget_saved_outputs(result, self);
    rebase_history(self, node);
    if (self->view_base) node->saved_outputs_follow_view(self);
  }
  return self;
}

namespace {
using BinaryOpFn = Tensor (*)(const Tensor&, const Tensor&);

// The fast path: nothing to record and nothing to convert, so the kernel writes in place.
Tensor& binary_inplace(kernels::BinaryOp op, BinaryOpFn out_of_place, const char* name,
                       Tensor& self, const Tensor& other) {
  check_inplace_overlap(self, {&other});
  DType t = result_type(self, other);
  if (op == kernels::BinaryOp::Div && !is_floating(t)) t = default_float();
  if (records_graph(self, &other) || t != self->dtype || outside_inference_mode(self) ||
      (!same_shape(self->sizes, other->sizes) &&
       broadcast_shapes(self->sizes, other->sizes) != self->sizes) ||
      reads_what_it_wrote(self, &other, 1))
    return apply_pointwise_inplace(
        self, name, {{other}, [&](const Tensor& s, const std::vector<Tensor>& in) {
                       check_inplace_shape(s, in, name);
                       return out_of_place(s, in[0]);
                     }});
  kernels::binary(op, *self, *detail::cast(other, t), *self);
  self->version->bump(name);
  return self;
}

using detail::zeros_like;

// A tensor of self's shape filled with `value`; self's old value gets a zero gradient.
Tensor filled_like(const Tensor& self, Scalar value, const char* name) {
  Tensor out = full(self->sizes, value, self->dtype);
  if (any_requires_grad({&self}))
    record(make_node(name, {self}, [](Node&, TensorList& g) -> TensorList {
        return {zeros_like(g[0])};
      }), {out});
  return out;
}
}  // namespace

Tensor& fill_(Tensor& self, Scalar value) {
  if (!records_graph(self, nullptr) && !outside_inference_mode(self)) {
    kernels::fill(*self, value);
    self->version->bump("fill_");
    return self;
  }
  return apply_inplace(self, "fill_", [&] { return filled_like(self, value, "FillBackward2"); });
}

// Note [fill_ with a tensor value]: torch's fill_.Tensor is its own op (FillBackward3):
// the value's gradient is the sum of self's, so a value that requires grad gives self a
// history even when self had none — even an integer self, which torch then reports as
// requiring grad. Unlike fill_ with a number, it refuses a self whose elements share
// memory (an expanded tensor) when it has elements.
Tensor& fill_(Tensor& self, const Tensor& value) {
  check_inplace_overlap(self, {});
  if (!records_graph(self, &value) && !outside_inference_mode(self)) {
    kernels::fill(*self, item_as_scalar(*value));
    self->version->bump("fill_");
    return self;
  }
  return apply_inplace(
      self, "fill_",
      [&] {
        Tensor out = full(self->sizes, item_as_scalar(*value), self->dtype);
        if (any_requires_grad({&self, &value}))
          record(make_node("FillBackward3", {self, value},
                           [](Node& n, TensorList& g) -> TensorList {
                             return {n.needs_input_grad(0) ? zeros_like(g[0]) : Tensor(),
                                     n.needs_input_grad(1) ? sum(g[0]) : Tensor()};
                           }), {out});
        return out;
      },
      /*record_any_dtype=*/true);
}

Tensor& zero_(Tensor& self) {
  if (!records_graph(self, nullptr)) return fill_(self, 0.0);
  return apply_inplace(self, "zero_", [&] { return filled_like(self, 0.0, "ZeroBackward0"); });
}

Tensor& copy_(Tensor& self, const Tensor& src) {
  check_inplace_overlap(self, {&src});
  const PointwiseOp copy_elements{{src}, [](const Tensor& s, const std::vector<Tensor>& in) {
                                    Tensor out = empty(s->sizes, s->dtype);
                                    kernels::copy(*in[0], *out);
                                    return out;
                                  }};
  return apply_inplace(self, "copy_", [&] {
    Shape shape = broadcast_shapes(self->sizes, src->sizes);
    if (shape != self->sizes)
      throw std::runtime_error("copy_: output with shape " + shape_str(self->sizes) +
                               " doesn't match the broadcast shape " + shape_str(shape));
    Tensor out = empty(self->sizes, self->dtype);
    kernels::copy(*src, *out);
    // torch never records copy_ into an integer or bool self, even one that requires
    // grad (through fill_): its history stays.
    if (is_floating(self->dtype) && any_requires_grad({&self, &src})) {
      auto node = make_node("torch::autograd::CopyBackwards", {self, src},
                            [](Node& n, TensorList& g) -> TensorList {
                              Tensor to_src;
                              if (n.needs_input_grad(1))
                                to_src = sum_to(g[0], n.input_meta()[1].sizes);
                              return {n.needs_input_grad(0) ? zeros_like(g[0]) : Tensor(), to_src};
                            });
      record(node, {out});
    }
    return out;
  }, false, &copy_elements);
}

Tensor& add_(Tensor& self, const Tensor& other) {
  return binary_inplace(kernels::BinaryOp::Add, &add, "add_", self, other);
}
Tensor& sub_(Tensor& self, const Tensor& other) {
  detail::check_sub_operands(self, other);
  return binary_inplace(kernels::BinaryOp::Sub, &sub, "sub_", self, other);
}
Tensor& mul_(Tensor& self, const Tensor& other) {
  return binary_inplace(kernels::BinaryOp::Mul, &mul, "mul_", self, other);
}
Tensor& div_(Tensor& self, const Tensor& other) {
  return binary_inplace(kernels::BinaryOp::Div, &div, "div_", self, other);
}

}  // namespace cgrad
