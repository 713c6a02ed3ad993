// im2col and col2im, torch's ops under F.unfold and F.fold: argument checks in torch's
// order and words, then the plane kernels of kernels/convolution.cpp on a contiguous
// input.
//
// Note [Fold and unfold are adjoint]: both are linear, and col2im (summing each column
// back into its window) is im2col's transpose under the same geometry. So each one's
// backward is the other (Im2ColBackward0 runs col2im, Col2ImBackward0 runs im2col), each
// recorded again under create_graph: gradients of every order, one kernel call each.
// Neither saves a tensor: the geometry is all a backward needs.
#include <string>

#include "kernels/convolution.h"
#include "ops/common.h"

namespace cgrad {

namespace {

// The four two-value parameters, one pair each as (height, width).
struct Window {
  int64_t kernel_h, kernel_w, dilation_h, dilation_w, pad_h, pad_w, stride_h, stride_w;
};

std::string pair_str(int64_t a, int64_t b) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

void check_length(const IntList& v, const char* name) {
  if (v.size() != 2)
    throw std::runtime_error(std::string("It is expected ") + name + " equals to 2, but got size " +
                             std::to_string(v.size()));
}

void check_kernel(const Window& w) {
  if (w.kernel_h <= 0 || w.kernel_w <= 0)
    throw std::runtime_error("kernel size should be greater than zero, but got kernel_height: " +
                             std::to_string(w.kernel_h) + " kernel_width: " + std::to_string(w.kernel_w));
}
void check_stride(const Window& w) {
  if (w.stride_h <= 0 || w.stride_w <= 0)
    throw std::runtime_error("stride should be greater than zero, but got stride_height: " +
                             std::to_string(w.stride_h) + " stride_width: " + std::to_string(w.stride_w));
}
void check_dilation(const Window& w) {
  if (w.dilation_h <= 0 || w.dilation_w <= 0)
    throw std::runtime_error("dilation should be greater than zero, but got dilation_height: " +
                             std::to_string(w.dilation_h) + " dilation_width: " +
                             std::to_string(w.dilation_w));
}
void check_padding(const Window& w) {
  if (w.pad_h < 0 || w.pad_w < 0)
    throw std::runtime_error("padding should be non-negative, but got pad_height: " +
                             std::to_string(w.pad_h) + " pad_width: " + std::to_string(w.pad_w));
}

// Sliding blocks along one axis, floor-divided as torch's div_rtn. In 128 bits: huge
// parameters give a clear error here instead of a wrapped count.
__int128 blocks(int64_t size, int64_t pad, int64_t kernel, int64_t dilation, int64_t stride) {
  const __int128 span = static_cast<__int128>(size) + 2 * static_cast<__int128>(pad) -
                        (static_cast<__int128>(dilation) * (kernel - 1) + 1);
  const __int128 q = span / stride;
  return (span % stride != 0 && span < 0 ? q - 1 : q) + 1;
}

std::string int128_str(__int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return std::to_string(static_cast<int64_t>(v));
  return v < 0 ? "-inf" : "inf";  // unreachable for sizes a tensor can have
}

// torch's overflow error where a result's sizes (zeros left out: an empty batch still
// needs the others) multiply past int64.
void check_numel(std::initializer_list<__int128> sizes) {
  __int128 n = 1;
  for (__int128 s : sizes) {
    if (s != 0) n *= s;
    if (s > INT64_MAX || n > INT64_MAX) throw std::runtime_error("numel: integer multiplication overflow");
  }
}

// The kernels' geometry for `planes` planes of h x wd under the window.
kernels::ConvGeometry geometry(const Window& w, int64_t planes, int64_t h, int64_t wd) {
  const auto out_h = static_cast<int64_t>(blocks(h, w.pad_h, w.kernel_h, w.dilation_h, w.stride_h));
  const auto out_w = static_cast<int64_t>(blocks(wd, w.pad_w, w.kernel_w, w.dilation_w, w.stride_w));
  return {1, planes, 0, 1, h, wd, out_h, out_w, w.kernel_h, w.kernel_w,
          w.stride_h, w.stride_w, w.pad_h, w.pad_w, w.dilation_h, w.dilation_w};
}

// torch's im2col and col2im take floating types and bool.
void check_dtype(const Tensor& t, const char* kernel) {
  if (!is_floating(t->dtype) && t->dtype != DType::Bool) throw detail::not_implemented_for(kernel, t->dtype);
}

Tensor unfold_checked(const Tensor& input, const Window& w);
Tensor fold_checked(const Tensor& input, int64_t h, int64_t wd, const Window& w);

// input [N, C, H, W] or [C, H, W] -> [N, C * KH * KW, L] or [C * KH * KW, L].
Tensor unfold_checked(const Tensor& input, const Window& w) {
  const bool batched = input->dim() == 4;
  const int64_t n = batched ? input->sizes[0] : 1, c = input->sizes[batched];
  const kernels::ConvGeometry g = geometry(w, n * c, input->sizes[1 + batched], input->sizes[2 + batched]);
  Shape shape{c * w.kernel_h * w.kernel_w, g.out_h * g.out_w};
  if (batched) shape.insert(shape.begin(), n);
  Tensor out = empty(shape, input->dtype);
  if (out->numel() > 0) kernels::im2col(g, *detail::dense_as(input, input->sizes), *out);
  if (any_requires_grad({&input})) {
    const int64_t h = g.in_h, wd = g.in_w;
    auto node = make_node("Im2ColBackward0", {input}, [w, h, wd](Node&, TensorList& grads) -> TensorList {
      return {fold_checked(grads[0], h, wd, w)};
    });
    record(node, {out});
  }
  return out;
}

// input [N, C * KH * KW, L] or [C * KH * KW, L] -> [N, C, H, W] or [C, H, W].
Tensor fold_checked(const Tensor& input, int64_t h, int64_t wd, const Window& w) {
  const bool batched = input->dim() == 3;
  const int64_t n = batched ? input->sizes[0] : 1, c = input->sizes[batched] / (w.kernel_h * w.kernel_w);
  Shape shape{c, h, wd};
  if (batched) shape.insert(shape.begin(), n);
  Tensor out = empty(shape, input->dtype);
  if (out->numel() > 0)
    kernels::col2im(geometry(w, n * c, h, wd), *detail::dense_as(input, input->sizes), *out);
  if (any_requires_grad({&input})) {
    auto node = make_node("Col2ImBackward0", {input}, [w](Node&, TensorList& grads) -> TensorList {
      return {unfold_checked(grads[0], w)};
    });
    record(node, {out});
  }
  return out;
}

// The four pairs, their lengths checked, then their values in the op's order: im2col's
// kernel, dilation, padding, stride; col2im's kernel, stride, dilation, padding.
Window checked_window(const IntList& kernel_size, const IntList& dilation, const IntList& padding,
                      const IntList& stride, bool fold) {
  check_length(kernel_size, "kernel_size");
  check_length(dilation, "dilation");
  check_length(padding, "padding");
  check_length(stride, "stride");
  const Window w{kernel_size[0], kernel_size[1], dilation[0], dilation[1],
                 padding[0],     padding[1],     stride[0],   stride[1]};
  check_kernel(w);
  if (fold) check_stride(w);
  check_dilation(w);
  check_padding(w);
  if (!fold) check_stride(w);
  return w;
}

}  // namespace

Tensor im2col(const Tensor& input, const IntList& kernel_size, const IntList& dilation,
              const IntList& padding, const IntList& stride) {
  const Window w = checked_window(kernel_size, dilation, padding, stride, false);
  // torch reads sizes 1 and 2 before it checks the rank.
  const int64_t rank = input->dim();
  if (rank == 0) throw IndexError("Dimension specified as 1 but tensor has no dimensions");
  if (rank < 3)
    throw IndexError("Dimension out of range (expected to be in range of [" + std::to_string(-rank) +
                     ", " + std::to_string(rank - 1) + "], but got " + std::to_string(rank) + ")");
  const Shape& s = input->sizes;
  if (!((rank == 3 && s[0] != 0 && s[1] != 0 && s[2] != 0) ||
        (rank == 4 && s[1] != 0 && s[2] != 0 && s[3] != 0)))
    throw std::runtime_error("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                             "other non-zero dimensions for input, but got: " + shape_str(s));
  const int64_t h = s[rank - 2], wd = s[rank - 1];
  const __int128 out_h = blocks(h, w.pad_h, w.kernel_h, w.dilation_h, w.stride_h);
  const __int128 out_w = blocks(wd, w.pad_w, w.kernel_w, w.dilation_w, w.stride_w);
  if (out_h < 1 || out_w < 1)
    throw std::runtime_error("Given input with spatial size " + pair_str(h, wd) + ", kernel_size=" +
                             pair_str(w.kernel_h, w.kernel_w) + ", dilation=" +
                             pair_str(w.dilation_h, w.dilation_w) + ", padding=" +
                             pair_str(w.pad_h, w.pad_w) + ", calculated shape of the array of sliding "
                             "blocks as (" + int128_str(out_h) + ", " + int128_str(out_w) +
                             "), but its components must be at least one.");
  check_numel({rank == 4 ? s[0] : 1, s[rank - 3], w.kernel_h, w.kernel_w, out_h, out_w});
  check_dtype(input, "im2col_out_cpu");
  return unfold_checked(input, w);
}

Tensor col2im(const Tensor& input, const IntList& output_size, const IntList& kernel_size,
              const IntList& dilation, const IntList& padding, const IntList& stride) {
  check_length(output_size, "output_size");
  const Window w = checked_window(kernel_size, dilation, padding, stride, true);
  const int64_t rank = input->dim();
  const Shape& s = input->sizes;
  if (!((rank == 2 && s[0] != 0 && s[1] != 0) || (rank == 3 && s[1] != 0 && s[2] != 0)))
    throw std::runtime_error("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                             "size and non-zero dimensions for input, but got: " + shape_str(s));
  int64_t kernel_area;
  if (__builtin_mul_overflow(w.kernel_w, w.kernel_h, &kernel_area))
    throw std::runtime_error("Given kernel_width = " + std::to_string(w.kernel_w) +
                             " and kernel_height = " + std::to_string(w.kernel_h) +
                             " the product of kernel_width and kernel_height overflowed.");
  const int64_t planes = s[rank - 2], length = s[rank - 1];
  if (planes % kernel_area != 0)
    throw std::runtime_error("Expected size of input's dimension 1 to be divisible by the product of "
                             "kernel_size, but got input.size(1)=" + std::to_string(planes) +
                             " and kernel_size=" + pair_str(w.kernel_h, w.kernel_w) + ".");
  const int64_t out_h = output_size[0], out_w = output_size[1];
  const __int128 blocks_h = blocks(out_h, w.pad_h, w.kernel_h, w.dilation_h, w.stride_h);
  const __int128 blocks_w = blocks(out_w, w.pad_w, w.kernel_w, w.dilation_w, w.stride_w);
  const std::string given = "Given output_size=" + pair_str(out_h, out_w) + ", kernel_size=" +
                            pair_str(w.kernel_h, w.kernel_w) + ", dilation=" +
                            pair_str(w.dilation_h, w.dilation_w) + ", padding=" +
                            pair_str(w.pad_h, w.pad_w) + ", stride=" + pair_str(w.stride_h, w.stride_w);
  if (blocks_h * blocks_w != length)
    throw std::runtime_error(given + ", expected size of input's dimension 2 to match the calculated "
                             "number of sliding blocks " + int128_str(blocks_h) + " * " +
                             int128_str(blocks_w) + " = " + int128_str(blocks_h * blocks_w) +
                             ", but got input.size(2)=" + std::to_string(length) + ".");
  if (blocks_h < 1 || blocks_w < 1)
    throw std::runtime_error(given + ", calculated shape of the array of sliding blocks as (" +
                             int128_str(blocks_h) + ", " + int128_str(blocks_w) +
                             "), which is too small (non-positive)");
  if (out_h <= 0 || out_w <= 0)
    throw std::runtime_error("Expected output spatial size to be positive, but got: output_size=" +
                             pair_str(out_h, out_w) + ".");
  check_numel({rank == 3 ? s[0] : 1, planes / kernel_area, out_h, out_w});
  check_dtype(input, "col2im_out_cpu");
  return fold_checked(input, out_h, out_w, w);
}

}  // namespace cgrad
