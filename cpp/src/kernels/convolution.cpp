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
// The unfolding is never written out as a matrix where gemm can take it as panels: the
// forward and the weight gradient unfold straight into gemm's packed panels (Note [gemm
// panel sources]), and with stride 1 the input gradient is itself a forward convolution
// (Note [Input gradient as a convolution]); only a strided input gradient still folds a
// buffer with col2im.
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

// Where row r = (c * KH + kh) * KW + kw of the unfolded input reads: channel plane c,
// shifted by the kernel offsets, and the output columns [lo, hi) that land inside it.
struct UnfoldedRow {
  int64_t plane, h_offset, w_offset, lo, hi;
};
UnfoldedRow unfolded_row(const ConvGeometry& g, int64_t r) {
  const int64_t kw = r % g.kernel_w, kh = (r / g.kernel_w) % g.kernel_h;
  UnfoldedRow row;
  row.plane = r / (g.kernel_w * g.kernel_h) * g.in_h * g.in_w;
  row.h_offset = kh * g.dilation_h - g.pad_h;
  row.w_offset = kw * g.dilation_w - g.pad_w;
  valid_range(row.w_offset, g.stride_w, g.in_w, g.out_w, row.lo, row.hi);
  return row;
}

// Output positions oh * OW + [ow0, ow1): a run of unfolded columns within one output row.
struct Segment {
  int64_t oh, ow0, ow1;
};
// The unfolded columns [begin, begin + count) cut at output row ends, in order.
void output_segments(const ConvGeometry& g, int64_t begin, int64_t count,
                     std::vector<Segment>& segments) {
  segments.clear();
  for (int64_t j = begin, end = begin + count; j < end;) {
    const int64_t oh = j / g.out_w, ow0 = j - oh * g.out_w;
    const int64_t ow1 = std::min(g.out_w, ow0 + (end - j));
    segments.push_back({oh, ow0, ow1});
    j += ow1 - ow0;
  }
}

// d[ow] for ow in the segment = the unfolded row's value at column (seg.oh, ow): a window
// of one input row, zero in the padding.
template <class T>
inline void unfold_segment(const ConvGeometry& g, const T* x, const UnfoldedRow& row,
                           const Segment& seg, T* d) {
  const int64_t ih = seg.oh * g.stride_h + row.h_offset;
  if (ih < 0 || ih >= g.in_h) return std::fill(d + seg.ow0, d + seg.ow1, T(0));
  const T* src = x + row.plane + ih * g.in_w + row.w_offset;
  const int64_t a = std::clamp(row.lo, seg.ow0, seg.ow1), b = std::clamp(row.hi, a, seg.ow1);
  if (g.stride_w == 1 && a == seg.ow0 && b == seg.ow1 && b - a == 32) {
    std::memcpy(d + a, src + a, 32 * sizeof(T));  // a compile-time length
    return;
  }
  std::fill(d + seg.ow0, d + a, T(0));
  if (g.stride_w == 1) std::memcpy(d + a, src + a, (b - a) * sizeof(T));
  else for (int64_t ow = a; ow < b; ++ow) d[ow] = src[ow * g.stride_w];
  std::fill(d + b, d + seg.ow1, T(0));
}

// The unfolded input (rows (c * KH + kh) * KW + kw, columns oh * OW + ow, x[c][ih][iw]
// there, 0 in the padding) of one sample and group as gemm's op(B), or with TRANSPOSED
// its transpose (element (p, j) = cols[first_row + j][p], the weight gradient's op(B)),
// written straight into gemm's panels (Note [gemm panel sources]): no unfolded buffer.
// A pack call first works out where its rows read (channel plane, kernel offsets, valid
// column range) and where its columns fall (output rows), so the copy loops do no
// division; a panel of one output row, all inside the input, is one fixed-size copy.
// Transposed, a panel's nr rows of cols (contiguous along p) are unfolded into a small
// buffer, then written p-major by gemm's register transposes: writing each element down
// a panel column instead cost as much as the product.
template <class T, bool TRANSPOSED>
struct UnfoldedPanels final : PanelSource<T> {
  const ConvGeometry& g;
  const T* x;         // the sample
  int64_t first_row;  // the group's first row of the unfolded input
  UnfoldedPanels(const ConvGeometry& g, const T* x, int64_t first_row)
      : g(g), x(x), first_row(first_row) {}

  void pack(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const override {
    if constexpr (TRANSPOSED) pack_transposed(p0, kc, j0, nc, nr, out);
    else pack_columns(p0, kc, j0, nc, nr, out);
  }

  void pack_columns(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const {
    thread_local std::vector<UnfoldedRow> rows;
    thread_local std::vector<Segment> segments;
    rows.resize(kc);
    for (int64_t p = 0; p < kc; ++p) rows[p] = unfolded_row(g, first_row + p0 + p);
    for (int64_t q = 0; q < nc; q += nr, out += nr * kc) {
      const int64_t width = std::min(nr, nc - q);
      output_segments(g, j0 + q, width, segments);
      for (int64_t p = 0; p < kc; ++p) {
        T* dst = out + p * nr;
        for (const Segment& seg : segments) {
          unfold_segment(g, x, rows[p], seg, dst - seg.ow0);  // column ow at dst[ow - ow0]
          dst += seg.ow1 - seg.ow0;
        }
        std::fill(dst, out + p * nr + nr, T(0));
      }
    }
  }

  void pack_transposed(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const {
    thread_local std::vector<Segment> segments;
    thread_local std::vector<T> rows;
    output_segments(g, p0, kc, segments);
    rows.resize(static_cast<size_t>(nr * kc));
    for (int64_t q = 0; q < nc; q += nr, out += nr * kc) {
      const int64_t width = std::min(nr, nc - q);
      for (int64_t jj = 0; jj < width; ++jj) {
        const UnfoldedRow row = unfolded_row(g, first_row + j0 + q + jj);
        T* d = rows.data() + jj * kc;
        for (const Segment& seg : segments) {
          unfold_segment(g, x, row, seg, d - seg.ow0);
          d += seg.ow1 - seg.ow0;
        }
      }
      std::fill(rows.data() + width * kc, rows.data() + nr * kc, T(0));
      transpose_to_panel(rows.data(), kc, kc, nr, out);
    }
  }
};

// x[c][ih][iw] += cols[...]: the unfolding's adjoint. x must be zeroed by the caller. Parallel
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
        gemm(og, ohw, ck, wg, ck, UnfoldedPanels<T, false>(g, xn, grp * ck), bias ? T(1) : T(0), yg,
             ohw);
    }
  });
}

// Note [Input gradient as a convolution]: with stride 1, gx[c][ih][iw] sums
// W[o][c][kh][kw] * gy[o][ih + pad_h - kh * dil_h][iw + pad_w - kw * dil_w], which is a
// forward convolution of gy by the weight with its channel axes swapped and its kernel
// flipped, padded by dil * (K - 1) - pad (negative padding just starts the windows
// inside). Run that way it unfolds gy straight into gemm's panels like any forward,
// instead of writing W^T @ gy out as a [C * KH * KW, H * W] buffer and folding it back
// with col2im (both passes cost more than the product at 64 channels). A strided
// convolution's gradient would be one over gy with zeros between its elements, most of
// the products then wasted, so it keeps the fold.
template <class T>
void conv2d_backward_input_as_forward(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  const int64_t og = g.out_channels / g.groups, cg = g.in_channels / g.groups;
  const int64_t kk = g.kernel_h * g.kernel_w;
  // flipped[grp * cg + c][o][KH-1-kh][KW-1-kw] = w[grp * og + o][c][kh][kw]
  std::vector<T> flipped(static_cast<size_t>(g.out_channels * cg * kk));
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t o = 0; o < og; ++o)
      for (int64_t c = 0; c < cg; ++c) {
        const T* src = w + ((grp * og + o) * cg + c) * kk;
        T* dst = flipped.data() + ((grp * cg + c) * og + o) * kk;
        for (int64_t i = 0; i < kk; ++i) dst[kk - 1 - i] = src[i];
      }
  ConvGeometry t = g;
  t.in_channels = g.out_channels;
  t.out_channels = g.in_channels;
  t.in_h = g.out_h;
  t.in_w = g.out_w;
  t.out_h = g.in_h;
  t.out_w = g.in_w;
  t.pad_h = g.dilation_h * (g.kernel_h - 1) - g.pad_h;
  t.pad_w = g.dilation_w * (g.kernel_w - 1) - g.pad_w;
  conv2d_typed<T>(t, gy, flipped.data(), nullptr, gx);
}

template <class T>
void conv2d_backward_input_typed(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  const bool pointwise = is_pointwise(g);
  if (!pointwise && g.stride_h == 1 && g.stride_w == 1)
    return conv2d_backward_input_as_forward(g, gy, w, gx);
  const int64_t og = g.out_channels / g.groups, cg = g.in_channels / g.groups;
  const int64_t ck = cg * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
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
  for (int64_t n = 0; n < g.batch; ++n) {
    const T* xn = x + n * x_step;
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const T* gyg = gy + n * y_step + grp * og * ohw;
      T* gwg = gw + grp * og * ck;
      const T beta = n == 0 ? T(0) : T(1);
      if (pointwise)
        gemm(false, true, og, ck, ohw, T(1), gyg, ohw, xn + grp * ck * ohw, ohw, beta, gwg, ck);
      else
        gemm(og, ck, ohw, gyg, ohw, UnfoldedPanels<T, true>(g, xn, grp * ck), beta, gwg, ck);
    }
  }
}

template <class F>
void dispatch_floating(DType dtype, const F& f, const char* kernel = __builtin_FUNCTION()) {
  if (dtype == DType::Float32) f(float());
  else if (dtype == DType::Float64) f(double());
  else throw_not_implemented_for(kernel, dtype);
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
