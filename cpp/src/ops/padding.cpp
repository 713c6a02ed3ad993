// Padding ops of nn.functional.pad: constant borders and borders of edge values.
#include <string>

#include "ops/common.h"

namespace cgrad {

namespace {
int64_t padded_dims(const std::vector<int64_t>& pad) { return static_cast<int64_t>(pad.size()) / 2; }
// (left, right) of dim d of an input of rank nd.
std::pair<int64_t, int64_t> pad_of(const std::vector<int64_t>& pad, int64_t nd, int64_t d) {
  const int64_t k = nd - 1 - d;  // pads count from the last dim
  if (k >= padded_dims(pad)) return {0, 0};
  return {pad[2 * k], pad[2 * k + 1]};
}
std::vector<int64_t> negated(const std::vector<int64_t>& pad) {
  std::vector<int64_t> out(pad);
  for (int64_t& p : out) p = -p;
  return out;
}
}  // namespace

// ---- constant ----

Tensor constant_pad_nd(const Tensor& input, const std::vector<int64_t>& pad, double value) {
  if (pad.size() % 2 != 0) throw std::runtime_error("Padding length must be divisible by 2");
  const int64_t nd = input->dim();
  if (padded_dims(pad) > nd)
    throw std::runtime_error("Padding length should be less than or equal to two times the input "
                             "dimension but got padding length " + std::to_string(pad.size()) +
                             " and input of dimension " + std::to_string(nd));
  Shape sizes = input->sizes;
  for (int64_t d = 0; d < nd; ++d) {
    auto [left, right] = pad_of(pad, nd, d);
    sizes[d] += left + right;
    if (sizes[d] < 0)
      throw std::runtime_error("The input size " + std::to_string(input->sizes[d]) + ", plus "
                               "negative padding " + std::to_string(left) + " and " +
                               std::to_string(right) + " resulted in a negative output size, "
                               "which is invalid. Check dimension " + std::to_string(d) +
                               " of your input.");
  }
  Tensor out = full(sizes, value, input->dtype);
  {
    // The overlap of input and output: cropped where a pad is negative.
    GradModeGuard no_grad(false);
    Tensor src = input, dst = out;
    for (int64_t d = 0; d < nd; ++d) {
      auto [left, right] = pad_of(pad, nd, d);
      const int64_t kept = input->sizes[d] + std::min<int64_t>(left, 0) + std::min<int64_t>(right, 0);
      if (kept <= 0) { src = Tensor(); break; }
      src = narrow(src, d, std::max<int64_t>(-left, 0), kept);
      dst = narrow(dst, d, std::max<int64_t>(left, 0), kept);
    }
    if (src && src->numel() > 0) kernels::copy(*src, *dst);
  }
  if (any_requires_grad({&input})) {
    // The gradient is the output gradient with the padding taken off again.
    auto node = make_node("ConstantPadNdBackward0", {input},
                          [back = negated(pad)](Node&, TensorList& g) -> TensorList {
                            return {constant_pad_nd(g[0], back, 0.0)};
                          });
    node->save_value("pad", saved_ints(pad));  // Note [Saved values]
    record(node, {out});
  }
  return out;
}

// ---- reflect / replicate ----

namespace {

// For each output position along a dim of `size` padded by (left, right), the input
// position it copies.
Tensor source_positions(int64_t size, int64_t left, int64_t right, EdgePadMode mode) {
  Tensor index = empty({size + left + right}, DType::Int64);
  int64_t* p = index->data<int64_t>();
  for (int64_t i = -left; i < size + right; ++i) {
    int64_t j = i;
    if (mode == EdgePadMode::Reflect) j = i < 0 ? -i : (i >= size ? 2 * (size - 1) - i : i);
    else j = std::min(std::max<int64_t>(i, 0), size - 1);
    p[i + left] = j;
  }
  return index;
}

const char* edge_pad_node_name(EdgePadMode mode, int64_t dims) {
  static const char* names[2][3] = {
      {"ReflectionPad1DBackward0", "ReflectionPad2DBackward0", "ReflectionPad3DBackward0"},
      {"ReplicationPad1DBackward0", "ReplicationPad2DBackward0", "ReplicationPad3DBackward0"}};
  return names[mode == EdgePadMode::Reflect ? 0 : 1][std::min<int64_t>(std::max<int64_t>(dims, 1), 3) - 1];
}

}  // namespace

Tensor edge_pad(const Tensor& input, const std::vector<int64_t>& pad, EdgePadMode mode) {
  const int64_t nd = input->dim(), k = padded_dims(pad);
  // One gather per padded dim; the backward adds the gradient back along the same
  // positions in reverse order.
  std::vector<std::pair<int64_t, Tensor>> gathers;
  Tensor out = input;
  {
    GradModeGuard no_grad(false);
    for (int64_t d = nd - k; d < nd; ++d) {
      auto [left, right] = pad_of(pad, nd, d);
      Tensor index = source_positions(input->sizes[d], left, right, mode);
      out = index_select(out, d, index);
      gathers.emplace_back(d, index);
    }
    if (out == input) out = clone(input);
  }
  if (any_requires_grad({&input})) {
    auto node = make_node(edge_pad_node_name(mode, k), {input},
                          [gathers](Node& n, TensorList& g) -> TensorList {
      Tensor grad = g[0];
      Shape sizes = grad->sizes;
      const Shape& input_sizes = n.input_meta()[0].sizes;
      for (auto it = gathers.rbegin(); it != gathers.rend(); ++it) {
        sizes[it->first] = input_sizes[it->first];
        grad = index_add(full(sizes, 0.0, grad->dtype), it->first, it->second, grad);
      }
      return {grad};
    });
    record(node, {out});
  }
  return out;
}

}  // namespace cgrad
