// Convolution by im2col + gemm: each sample's input windows are unfolded into a
// [C * KH * KW, OH * OW] matrix, and one gemm per group multiplies the weight by it.
//
// Note [Convolution lowering]: unfolding costs one extra pass over KH * KW copies of the
// input, but turns the whole convolution into the project's packed gemm, which runs near
// the machine's peak; direct loops would need their own register blocking per kernel
// size. A 1x1 kernel with stride 1 and no padding skips the unfolding (the input already
// is that matrix). The three kernels share the unfolding:
//   forward          y[n]  = W       @ cols(x[n])
//   backward input   gx[n] = fold(W^T @ gy[n])      (fold = col2im, adding overlaps)
//   backward weight  gW   += gy[n]   @ cols(x[n])^T
// The forward unfolds straight into gemm's packed panels (Note [gemm panel sources]);
// the weight gradient, whose op(B) is the unfolding transposed, unfolds into a buffer.
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
#include "kernels/simd_arith.h"

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

// The unfolded input (rows (c * KH + kh) * KW + kw, columns oh * OW + ow, x[c][ih][iw]
// there, 0 in the padding) of one sample and group as gemm's op(B), written straight into its
// panels (Note [gemm panel sources]): no unfolded buffer. A pack call first works out
// where each of its rows reads (channel plane, kernel offsets, valid column range) and
// where each panel's columns fall (output rows), so the copy loop itself does no
// division; a panel of one output row, all inside the input, is one fixed-size copy.
template <class T>
struct UnfoldedPanels final : PanelSource<T> {
  const ConvGeometry& g;
  const T* x;         // the sample
  int64_t first_row;  // the group's first row of the unfolded input
  UnfoldedPanels(const ConvGeometry& g, const T* x, int64_t first_row)
      : g(g), x(x), first_row(first_row) {}

  struct Row {
    int64_t plane, h_offset, w_offset, lo, hi;  // lo, hi: valid_range along the width
  };
  struct Segment {
    int64_t oh, ow0, ow1;  // columns oh * OW + [ow0, ow1) of the panel, in order
  };

  void pack(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const override {
    thread_local std::vector<Row> rows;
    thread_local std::vector<Segment> segments;
    rows.resize(kc);
    for (int64_t p = 0; p < kc; ++p) {
      const int64_t r = first_row + p0 + p;
      const int64_t kw = r % g.kernel_w, kh = (r / g.kernel_w) % g.kernel_h;
      Row& row = rows[p];
      row.plane = r / (g.kernel_w * g.kernel_h) * g.in_h * g.in_w;
      row.h_offset = kh * g.dilation_h - g.pad_h;
      row.w_offset = kw * g.dilation_w - g.pad_w;
      valid_range(row.w_offset, g.stride_w, g.in_w, g.out_w, row.lo, row.hi);
    }
    for (int64_t q = 0; q < nc; q += nr, out += nr * kc) {
      const int64_t width = std::min(nr, nc - q);
      segments.clear();
      for (int64_t j = j0 + q, j_end = j + width; j < j_end;) {
        const int64_t oh = j / g.out_w, ow0 = j - oh * g.out_w;
        const int64_t ow1 = std::min(g.out_w, ow0 + (j_end - j));
        segments.push_back({oh, ow0, ow1});
        j += ow1 - ow0;
      }
      for (int64_t p = 0; p < kc; ++p) {
        T* dst = out + p * nr;
        const Row& row = rows[p];
        for (const Segment& seg : segments) {
          const int64_t ih = seg.oh * g.stride_h + row.h_offset, len = seg.ow1 - seg.ow0;
          T* d = dst - seg.ow0;  // d[ow] is this segment's column ow
          if (ih < 0 || ih >= g.in_h) {
            std::fill(d + seg.ow0, d + seg.ow1, T(0));
          } else {
            const T* src = x + row.plane + ih * g.in_w + row.w_offset;
            const int64_t a = std::clamp(row.lo, seg.ow0, seg.ow1), b = std::clamp(row.hi, a, seg.ow1);
            if (g.stride_w == 1 && a == seg.ow0 && b == seg.ow1 && len == 32) {
              std::memcpy(d + a, src + a, 32 * sizeof(T));  // a compile-time length
            } else {
              std::fill(d + seg.ow0, d + a, T(0));
              if (g.stride_w == 1) std::memcpy(d + a, src + a, (b - a) * sizeof(T));
              else for (int64_t ow = a; ow < b; ++ow) d[ow] = src[ow * g.stride_w];
              std::fill(d + b, d + seg.ow1, T(0));
            }
          }
          dst += len;
        }
        std::fill(dst, out + p * nr + nr, T(0));
      }
    }
  }
};

// cols[(c * KH + kh) * KW + kw][oh * OW + ow] = x[c][ih][iw], 0 in the padding: the
// whole unfolded input, as one panel OH * OW wide.
template <class T>
void im2col(const ConvGeometry& g, const T* x, T* cols) {
  const int64_t rows = g.in_channels * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const UnfoldedPanels<T> unfolded(g, x, 0);
  parallel_for(rows, row_grain(g), [&](int64_t begin, int64_t end) {
    unfolded.pack(begin, end - begin, 0, ohw, ohw, cols + begin * ohw);
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
            if (g.stride_w == 1) {  // unit stride: the AVX2 add where the CPU has it
              if (!simd_arith(BinaryOp::Add, dst + lo, 1, src + lo, 1, dst + lo, hi - lo, false))
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
  for_each_sample<T>(g, 0, [&](int64_t n, T*) {
    const T* xn = x + n * x_step;
    T* out = y + n * y_step;
    if (bias)
      for (int64_t o = 0; o < g.out_channels; ++o) std::fill(out + o * ohw, out + (o + 1) * ohw, bias[o]);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const T* wg = w + grp * og * ck;
      T* yg = out + grp * og * ohw;
      if (pointwise)
        gemm(false, false, og, ohw, ck, T(1), wg, ck, xn + grp * ck * ohw, ohw,
             bias ? T(1) : T(0), yg, ohw);
      else
        gemm(og, ohw, ck, wg, ck, UnfoldedPanels<T>(g, xn, grp * ck), bias ? T(1) : T(0), yg,
             ohw);
    }
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
