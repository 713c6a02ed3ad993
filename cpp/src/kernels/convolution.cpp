// Convolution by im2col + gemm: each sample's input windows are unfolded into a
// [C * KH * KW, OH * OW] matrix, and one gemm per group multiplies the weight by it.
//
// Note [Convolution lowering]: im2col costs one extra pass over KH * KW copies of the
// input, but turns the whole convolution into the project's packed gemm, which runs near
// the machine's peak; direct loops would need their own register blocking per kernel
// size. A 1x1 kernel with stride 1 and no padding skips the unfolding (the input already
// is that matrix). The three kernels share the unfolding:
//   forward          y[n]  = W       @ cols(x[n])
//   backward input   gx[n] = fold(W^T @ gy[n])      (fold = col2im, adding overlaps)
//   backward weight  gW   += gy[n]   @ cols(x[n])^T
// Samples are independent in the first two, so a batch at least as large as the thread
// count runs one sample per thread (each gemm then on one thread); smaller batches run
// sample after sample with the threads inside gemm. The weight gradient sums over
// samples in order, so it never depends on the thread count (Note [Threads and
// determinism]).
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "cgrad/parallel.h"
#include "kernels/convolution.h"
#include "kernels/kernels.h"

namespace cgrad::kernels {
namespace {

// Output positions o in [0, count) whose input position o * stride + offset lies in
// [0, size): [lo, hi).
void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t count, int64_t& lo,
                 int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride;
  lo = std::min(lo, count);
  hi = std::clamp(hi, lo, count);
}

bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
         g.pad_h == 0 && g.pad_w == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

// Rows of cols handled per thread: enough to be worth a wake-up.
int64_t row_grain(const ConvGeometry& g) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, g.out_h * g.out_w));
}

// cols[(c * KH + kh) * KW + kw][oh * OW + ow] = x[c][ih][iw], 0 in the padding.
template <class T>
void im2col(const ConvGeometry& g, const T* x, T* cols) {
  const int64_t rows = g.in_channels * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  parallel_for(rows, row_grain(g), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t kw = r % g.kernel_w, kh = (r / g.kernel_w) % g.kernel_h;
      const int64_t c = r / (g.kernel_w * g.kernel_h);
      const T* plane = x + c * g.in_h * g.in_w;
      T* row = cols + r * ohw;
      const int64_t w_offset = kw * g.dilation_w - g.pad_w;
      int64_t lo, hi;
      valid_range(w_offset, g.stride_w, g.in_w, g.out_w, lo, hi);
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        T* dst = row + oh * g.out_w;
        const int64_t ih = oh * g.stride_h - g.pad_h + kh * g.dilation_h;
        if (ih < 0 || ih >= g.in_h) {
          std::fill(dst, dst + g.out_w, T(0));
          continue;
        }
        const T* src = plane + ih * g.in_w + w_offset;
        std::fill(dst, dst + lo, T(0));
        if (g.stride_w == 1) {
          std::memcpy(dst + lo, src + lo, (hi - lo) * sizeof(T));
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * g.stride_w];
        }
        std::fill(dst + hi, dst + g.out_w, T(0));
      }
    }
  }, 1);
}

// x[c][ih][iw] += cols[...]: im2col's adjoint. x must be zeroed by the caller. Parallel
// over channels, whose rows write disjoint planes.
template <class T>
void col2im(const ConvGeometry& g, const T* cols, T* x) {
  const int64_t k = g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  parallel_for(g.in_channels, std::max<int64_t>(1, row_grain(g) / k), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c)
      for (int64_t kh = 0; kh < g.kernel_h; ++kh)
        for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
          const T* row = cols + ((c * g.kernel_h + kh) * g.kernel_w + kw) * ohw;
          T* plane = x + c * g.in_h * g.in_w;
          const int64_t w_offset = kw * g.dilation_w - g.pad_w;
          int64_t lo, hi;
          valid_range(w_offset, g.stride_w, g.in_w, g.out_w, lo, hi);
          for (int64_t oh = 0; oh < g.out_h; ++oh) {
            const int64_t ih = oh * g.stride_h - g.pad_h + kh * g.dilation_h;
            if (ih < 0 || ih >= g.in_h) continue;
            const T* src = row + oh * g.out_w;
            T* dst = plane + ih * g.in_w + w_offset;
            if (g.stride_w == 1) {  // unit stride: a plain vectorizable add
              for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += src[ow];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) dst[ow * g.stride_w] += src[ow];
            }
          }
        }
  }, 1);
}

// Runs f(n, scratch) for every sample: one sample per thread when the batch can keep
// every thread busy, else in order (threads then work inside f).
template <class T, class F>
void for_each_sample(const ConvGeometry& g, int64_t scratch_size, const F& f) {
  const bool per_thread = g.batch >= 2 && g.batch >= get_num_threads() && get_num_threads() > 1;
  if (per_thread) {
    parallel_for(g.batch, 1, [&](int64_t begin, int64_t end) {
      std::vector<T> scratch(scratch_size);
      for (int64_t n = begin; n < end; ++n) f(n, scratch.data());
    }, 1);
    return;
  }
  std::vector<T> scratch(scratch_size);
  for (int64_t n = 0; n < g.batch; ++n) f(n, scratch.data());
}

template <class T>
void conv2d_typed(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t og = g.out_channels / g.groups, cg = g.in_channels / g.groups;
  const int64_t ck = cg * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const bool pointwise = is_pointwise(g);
  const int64_t x_step = g.in_channels * g.in_h * g.in_w, y_step = g.out_channels * ohw;
  for_each_sample<T>(g, pointwise ? 0 : g.groups * ck * ohw, [&](int64_t n, T* scratch) {
    const T* cols = x + n * x_step;
    if (!pointwise) {
      im2col(g, cols, scratch);
      cols = scratch;
    }
    T* out = y + n * y_step;
    if (bias)
      for (int64_t o = 0; o < g.out_channels; ++o) std::fill(out + o * ohw, out + (o + 1) * ohw, bias[o]);
    for (int64_t grp = 0; grp < g.groups; ++grp)
      gemm(false, false, og, ohw, ck, T(1), w + grp * og * ck, ck, cols + grp * ck * ohw, ohw,
           bias ? T(1) : T(0), out + grp * og * ohw, ohw);
  });
}

template <class T>
void conv2d_backward_input_typed(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  const int64_t og = g.out_channels / g.groups, cg = g.in_channels / g.groups;
  const int64_t ck = cg * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const bool pointwise = is_pointwise(g);
  const int64_t x_step = g.in_channels * g.in_h * g.in_w, y_step = g.out_channels * ohw;
  for_each_sample<T>(g, pointwise ? 0 : g.groups * ck * ohw, [&](int64_t n, T* scratch) {
    T* cols = pointwise ? gx + n * x_step : scratch;
    for (int64_t grp = 0; grp < g.groups; ++grp)
      gemm(true, false, ck, ohw, og, T(1), w + grp * og * ck, ck, gy + n * y_step + grp * og * ohw,
           ohw, T(0), cols + grp * ck * ohw, ohw);
    if (!pointwise) {
      std::fill(gx + n * x_step, gx + (n + 1) * x_step, T(0));
      col2im(g, cols, gx + n * x_step);
    }
  });
}

template <class T>
void conv2d_backward_weight_typed(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  const int64_t og = g.out_channels / g.groups, cg = g.in_channels / g.groups;
  const int64_t ck = cg * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const bool pointwise = is_pointwise(g);
  const int64_t x_step = g.in_channels * g.in_h * g.in_w, y_step = g.out_channels * ohw;
  if (g.batch == 0) std::fill(gw, gw + g.out_channels * ck, T(0));
  std::vector<T> scratch(pointwise ? 0 : g.groups * ck * ohw);
  for (int64_t n = 0; n < g.batch; ++n) {
    const T* cols = x + n * x_step;
    if (!pointwise) {
      im2col(g, cols, scratch.data());
      cols = scratch.data();
    }
    for (int64_t grp = 0; grp < g.groups; ++grp)
      gemm(false, true, og, ck, ohw, T(1), gy + n * y_step + grp * og * ohw, ohw,
           cols + grp * ck * ohw, ohw, n == 0 ? T(0) : T(1), gw + grp * og * ck, ck);
  }
}

template <class F>
void dispatch_floating(DType dtype, const F& f) {
  if (dtype == DType::Float32) f(float());
  else f(double());
}

}  // namespace

void conv2d(const ConvGeometry& g, const TensorImpl& input, const TensorImpl& weight,
            const TensorImpl* bias, TensorImpl& out) {
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    conv2d_typed<T>(g, input.data<T>(), weight.data<T>(), bias ? bias->data<T>() : nullptr,
                    out.data<T>());
  });
}

void conv2d_backward_input(const ConvGeometry& g, const TensorImpl& grad_out,
                           const TensorImpl& weight, TensorImpl& grad_input) {
  dispatch_floating(grad_out.dtype, [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_input_typed<T>(g, grad_out.data<T>(), weight.data<T>(), grad_input.data<T>());
  });
}

void conv2d_backward_weight(const ConvGeometry& g, const TensorImpl& input,
                            const TensorImpl& grad_out, TensorImpl& grad_weight) {
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_weight_typed<T>(g, input.data<T>(), grad_out.data<T>(), grad_weight.data<T>());
  });
}

}  // namespace cgrad::kernels
