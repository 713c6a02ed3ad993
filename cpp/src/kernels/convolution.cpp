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
// panel sources]) from a zero-padded copy of the samples (Note [Unfolding from a padded
// copy]), and with stride 1 the input gradient is itself a forward convolution (Note
// [Input gradient as a convolution]); only a strided input gradient still folds a buffer
// with col2im.
// Samples are independent in the first two, so a batch of at least as many gemms (one
// per sample, or per few samples of a small image) as threads runs one gemm per thread;
// otherwise the gemms run in order with the threads inside each. The weight gradient sums
// over samples in order, so it never depends on the thread count (Note [Threads and
// determinism]).
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <type_traits>

#include "cgrad/parallel.h"
#include "kernels/convolution.h"
#include "kernels/kernels.h"
#include "kernels/simd_arith.h"
#include "kernels/widen.h"

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

// Note [Unfolding from a padded copy]: the unfolded input's element (r, j), for row
// r = (c * KH + kh) * KW + kw and column j = (sample, oh, ow), is x[c][ih][iw] at
// ih = oh * stride_h - pad_h + kh * dilation_h (likewise iw), or 0 in the padding. Each
// gemm first copies its samples into planes padded with zeros to exactly the extent the
// windows read (hp x wp), so the element is padded[row_offset(r) + column_offset(j)]:
// no bounds to test, and the columns of one output row are a run of the padded row
// (contiguous at stride 1). A panel's runs are worked out once and copied for each of
// its rows; a panel that is one run (an output row at least a panel wide) is one
// fixed-size copy. The padded copy costs one pass over the input, next to KH * KW
// passes for the unfolding.
// Small images put several samples in one gemm (samples_per_gemm): a 4 x 4 output is
// half a micro-kernel tile wide, and each gemm call packs the weight again.
struct PaddedShape {
  int64_t hp, wp, sample;  // padded plane rows, columns; elements per padded sample
};
PaddedShape padded_shape(const ConvGeometry& g) {
  auto extent = [](int64_t out, int64_t stride, int64_t kernel, int64_t dilation) {
    return out == 0 ? 0 : (out - 1) * stride + (kernel - 1) * dilation + 1;
  };
  PaddedShape s;
  s.hp = extent(g.out_h, g.stride_h, g.kernel_h, g.dilation_h);
  s.wp = extent(g.out_w, g.stride_w, g.kernel_w, g.dilation_w);
  s.sample = g.in_channels * s.hp * s.wp;
  return s;
}

// n elements from src to dst, inline: a padded row is tens of elements, and a library
// memmove call per row measured 4% of a 64-channel 32 x 32 convolution's time.
template <class T>
inline void copy_short(const T* src, int64_t n, T* dst) {
  constexpr int64_t step = 16 / sizeof(T);
  int64_t i = 0;
  for (; i + step <= n; i += step) std::memcpy(dst + i, src + i, 16);
  for (; i < n; ++i) dst[i] = src[i];
}

// Samples [0, count) of x (NCHW) into `out` as [count][C][hp][wp]: padded[r][q] =
// x[r - pad_h][q - pad_w], zero outside x (a negative padding drops rows and columns).
// One memset per chunk of planes zeroes the padding: padding row by row cost 20 ns a
// plane on 4 x 4 images, more than their copy, while at 32 x 32 the extra write of the
// interior is noise. Threads split the planes: the weight gradient pads outside any
// parallel region (for 16x64x32x32, ~9 MB of writes and reads: by copy bandwidth about
// 1 ms of its 7 ms at 2 threads, an estimate).
template <class T>
void pad_samples(const ConvGeometry& g, const PaddedShape& s, const T* x, int64_t count, T* out) {
  const int64_t lo = std::clamp<int64_t>(g.pad_w, 0, s.wp);
  const int64_t hi = std::clamp<int64_t>(g.pad_w + g.in_w, lo, s.wp);
  const int64_t top = std::clamp<int64_t>(g.pad_h, 0, s.hp);
  const int64_t bottom = std::clamp<int64_t>(g.pad_h + g.in_h, top, s.hp);
  const int64_t plane_size = s.hp * s.wp;
  auto pad_planes = [&](int64_t begin, int64_t end) {
    std::memset(out + begin * plane_size, 0, sizeof(T) * (end - begin) * plane_size);
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* src = x + plane * g.in_h * g.in_w + lo - g.pad_w;
      T* dst = out + plane * plane_size + lo;
      for (int64_t r = top; r < bottom; ++r)
        copy_short(src + (r - g.pad_h) * g.in_w, hi - lo, dst + r * s.wp);
    }
  };
  const int64_t planes = count * g.in_channels;
  parallel_for(planes, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, plane_size)), pad_planes, 1);
}

// Output positions per gemm that fill its tiles and spread its per-call costs. A
// function of the geometry only: the weight gradient sums samples gemm by gemm.
int64_t samples_per_gemm(const ConvGeometry& g) {
  const int64_t ohw = std::max<int64_t>(1, g.out_h * g.out_w);
  return std::clamp<int64_t>(1024 / ohw, 1, std::max<int64_t>(1, g.batch));
}

// Columns [dst, dst + length) of a panel read padded[offset + i * stride_w].
struct Run {
  int64_t dst, offset, length;
};
// The runs of unfolded columns [begin, begin + count): one per output row they touch.
void column_runs(const ConvGeometry& g, const PaddedShape& s, int64_t begin, int64_t count,
                 std::vector<Run>& runs) {
  runs.clear();
  const int64_t ohw = g.out_h * g.out_w;
  for (int64_t j = begin, end = begin + count; j < end;) {
    const int64_t n = j / ohw, q = j - n * ohw, oh = q / g.out_w, ow = q - oh * g.out_w;
    const int64_t length = std::min(g.out_w - ow, end - j);
    runs.push_back({j - begin, n * s.sample + (oh * g.stride_h * s.wp + ow * g.stride_w), length});
    j += length;
  }
}

// Whether a full panel's runs all have one power-of-two length (an output row of 4 or 8
// is several runs per panel, each then a fixed-size copy); their offsets go to `offsets`.
inline bool equal_runs(const std::vector<Run>& runs, int64_t nr, std::vector<int64_t>& offsets) {
  const int64_t length = runs[0].length;
  if ((length & (length - 1)) != 0 || nr % length != 0) return false;
  offsets.clear();
  for (const Run& run : runs) {
    if (run.length != length) return false;
    offsets.push_back(run.offset);
  }
  return true;
}

// d[i] = src[i * step] for i < length.
template <class T>
inline void copy_run(const T* src, int64_t step, int64_t length, T* d) {
  if (step == 1)
    for (int64_t i = 0; i < length; ++i) d[i] = src[i];
  else
    for (int64_t i = 0; i < length; ++i) d[i] = src[i * step];
}

// The unfolded input of the padded samples (Note [Unfolding from a padded copy]) as
// gemm's op(B), rows from first_row (a group's), or with TRANSPOSED its transpose
// (element (j, r), the weight gradient's op(B)), written straight into gemm's panels
// (Note [gemm panel sources]): no unfolded buffer. Transposed, a panel's nr rows of the
// unfolding (contiguous along j at stride 1, each run of them read in place; else first
// copied into a small buffer) are written j-major by gemm's register transposes: writing
// each element down a panel column instead cost as much as the product.
template <class T, bool TRANSPOSED>
struct UnfoldedPanels final : PanelSource<T> {
  const ConvGeometry& g;
  const PaddedShape& s;
  const T* padded;
  int64_t first_row;
  UnfoldedPanels(const ConvGeometry& g, const PaddedShape& s, const T* padded, int64_t first_row)
      : g(g), s(s), padded(padded), first_row(first_row) {}

  // Where row r of the unfolding starts in a padded sample.
  int64_t row_offset(int64_t r) const {
    const int64_t kw = r % g.kernel_w, kh = (r / g.kernel_w) % g.kernel_h;
    const int64_t c = r / (g.kernel_w * g.kernel_h);
    return (c * s.hp + kh * g.dilation_h) * s.wp + kw * g.dilation_w;
  }

  void pack(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const override {
    if constexpr (TRANSPOSED) pack_transposed(p0, kc, j0, nc, nr, out);
    else pack_columns(p0, kc, j0, nc, nr, out);
  }

  void pack_columns(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const {
    thread_local std::vector<const T*> rows;
    thread_local std::vector<Run> runs;
    thread_local std::vector<int64_t> offsets;
    rows.resize(kc);
    for (int64_t p = 0; p < kc; ++p) rows[p] = padded + row_offset(first_row + p0 + p);
    for (int64_t q = 0; q < nc; q += nr, out += nr * kc) {
      const int64_t width = std::min(nr, nc - q);
      column_runs(g, s, j0 + q, width, runs);
      if (width == nr && g.stride_w == 1 && equal_runs(runs, nr, offsets)) {
        runs_to_panel(rows.data(), offsets.data(), runs[0].length, kc, nr, out);
        continue;
      }
      for (int64_t p = 0; p < kc; ++p) {
        T* dst = out + p * nr;
        for (const Run& run : runs) copy_run(rows[p] + run.offset, g.stride_w, run.length, dst + run.dst);
        std::fill(dst + width, dst + nr, T(0));
      }
    }
  }

  void pack_transposed(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* out) const {
    thread_local std::vector<Run> runs;
    thread_local std::vector<T> rows;
    thread_local std::vector<const T*> starts, at;
    column_runs(g, s, p0, kc, runs);
    starts.resize(nr);
    at.resize(nr);
    for (int64_t q = 0; q < nc; q += nr, out += nr * kc) {
      const int64_t width = std::min(nr, nc - q);
      for (int64_t r = 0; r < width; ++r) starts[r] = padded + row_offset(first_row + j0 + q + r);
      if (width == nr && g.stride_w == 1) {  // each run of every row is contiguous: no copy
        for (const Run& run : runs) {
          for (int64_t r = 0; r < nr; ++r) at[r] = starts[r] + run.offset;
          rows_to_panel(at.data(), run.length, nr, out + run.dst * nr);
        }
        continue;
      }
      rows.resize(static_cast<size_t>(nr * kc));
      for (int64_t r = 0; r < width; ++r) {
        T* d = rows.data() + r * kc;
        for (const Run& run : runs) copy_run(starts[r] + run.offset, g.stride_w, run.length, d + run.dst);
      }
      std::fill(rows.data() + width * kc, rows.data() + nr * kc, T(0));
      transpose_to_panel(rows.data(), kc, kc, nr, out);
    }
  }
};

// Calls f(row, input_row, lo, hi) for each output row (c, kh, kw, oh) of the unfolding:
// `row` its OW columns in cols, `input_row` the input row it reads, shifted so that column
// ow reads input_row[ow * stride_w] (null where the row lies in the padding), [lo, hi) the
// columns inside the input. C and X are T or const T. Parallel over channels, whose rows
// touch disjoint planes.
template <class C, class X, class F>
void for_each_window_row(const ConvGeometry& g, C* cols, X* x, const F& f) {
  const int64_t k = g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  parallel_for(g.in_channels, std::max<int64_t>(1, row_grain(g) / k), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c)
      for (int64_t kh = 0; kh < g.kernel_h; ++kh)
        for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
          C* rows = cols + ((c * g.kernel_h + kh) * g.kernel_w + kw) * ohw;
          X* plane = x + c * g.in_h * g.in_w;
          const int64_t w_offset = kw * g.dilation_w - g.pad_w;
          int64_t lo, hi;
          valid_range(w_offset, g.stride_w, g.in_w, g.out_w, lo, hi);
          for (int64_t oh = 0; oh < g.out_h; ++oh) {
            const int64_t ih = oh * g.stride_h - g.pad_h + kh * g.dilation_h;
            const bool inside = ih >= 0 && ih < g.in_h;
            f(rows + oh * g.out_w, inside ? plane + ih * g.in_w + w_offset : nullptr, lo, hi);
          }
        }
  }, 1);
}

// x[c][ih][iw] += cols[...]: the unfolding's adjoint. x must be zeroed by the caller.
template <class T>
void col2im(const ConvGeometry& g, const T* cols, T* x) {
  for_each_window_row(g, cols, x, [&](const T* src, T* dst, int64_t lo, int64_t hi) {
    if (!dst) return;
    if constexpr (std::is_floating_point_v<T>) {
      // unit stride: the AVX2 add where the CPU has it
      if (g.stride_w == 1 && simd_arith(BinaryOp::Add, dst + lo, 1, src + lo, 1, dst + lo, hi - lo, false))
        return;
    }
    // Each sum rounded to T, as torch's: float16 / bfloat16 round every addition (in
    // torch's order, so the results are its bits), bool's sum is an or.
    for (int64_t ow = lo; ow < hi; ++ow) dst[ow * g.stride_w] = T(dst[ow * g.stride_w] + src[ow]);
  });
}

// cols[(c * KH + kh) * KW + kw][oh * OW + ow] = x[c][ih][iw], zero in the padding: the
// unfolding itself, written out (F.unfold). A pure copy, so T only needs the element's size.
template <class T>
void im2col(const ConvGeometry& g, const T* x, T* cols) {
  for_each_window_row(g, cols, x, [&](T* dst, const T* src, int64_t lo, int64_t hi) {
    if (!src) lo = hi = g.out_w;
    std::fill(dst, dst + lo, T(0));
    for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * g.stride_w];
    std::fill(dst + hi, dst + g.out_w, T(0));
  });
}

// A thread's working memory, uninitialized: every user writes what it reads.
template <class T>
std::unique_ptr<T[]> scratch_buffer(int64_t size) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(size)]);
}

// Runs f(n, scratch) for every sample: one sample per thread when the batch can keep
// every thread busy, else in order (threads then work inside f).

template <class T, class F>
void for_each_sample(const ConvGeometry& g, int64_t scratch_size, const F& f) {
  const bool per_thread = g.batch >= 2 && g.batch >= get_num_threads() && get_num_threads() > 1;
  if (per_thread) {
    parallel_for(g.batch, 1, [&](int64_t begin, int64_t end) {
      const auto scratch = scratch_buffer<T>(scratch_size);
      for (int64_t n = begin; n < end; ++n) f(n, scratch.get());
    }, 1);
    return;
  }
  const auto scratch = scratch_buffer<T>(scratch_size);
  for (int64_t n = 0; n < g.batch; ++n) f(n, scratch.get());
}

// Runs f(n0, count, scratch) over the batch in chunks of `per_chunk` samples: one chunk
// per thread when the chunks can keep every thread busy, else in order (threads then
// work inside f).
template <class T, class F>
void for_each_chunk(const ConvGeometry& g, int64_t per_chunk, int64_t scratch_size, const F& f) {
  const int64_t chunks = (g.batch + per_chunk - 1) / per_chunk;
  auto run = [&](int64_t begin, int64_t end) {
    const auto scratch = scratch_buffer<T>(scratch_size);
    for (int64_t c = begin; c < end; ++c)
      f(c * per_chunk, std::min(per_chunk, g.batch - c * per_chunk), scratch.get());
  };
  if (chunks >= 2 && chunks >= get_num_threads() && get_num_threads() > 1)
    parallel_for(chunks, 1, run, 1);
  else
    run(0, chunks);
}

template <class T>
void conv2d_typed(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t og = g.out_channels / g.groups, cg = g.in_channels / g.groups;
  const int64_t ck = cg * g.kernel_h * g.kernel_w, ohw = g.out_h * g.out_w;
  const int64_t x_step = g.in_channels * g.in_h * g.in_w, y_step = g.out_channels * ohw;
  if (is_pointwise(g)) {
    for_each_sample<T>(g, 0, [&](int64_t n, T*) {
      T* out = y + n * y_step;
      if (bias)
        for (int64_t o = 0; o < g.out_channels; ++o) std::fill(out + o * ohw, out + (o + 1) * ohw, bias[o]);
      for (int64_t grp = 0; grp < g.groups; ++grp)
        gemm(false, false, og, ohw, ck, T(1), w + grp * og * ck, ck, x + n * x_step + grp * ck * ohw,
             ohw, bias ? T(1) : T(0), out + grp * og * ohw, ohw);
    });
    return;
  }
  if (ohw == 0) return;
  // Several samples per gemm write a [O, samples * OH * OW] product, then spread it.
  const PaddedShape s = padded_shape(g);
  const int64_t per_gemm = samples_per_gemm(g);
  const int64_t product_size = per_gemm > 1 ? g.out_channels * per_gemm * ohw : 0;
  for_each_chunk<T>(g, per_gemm, per_gemm * s.sample + product_size, [&](int64_t n0, int64_t count, T* scratch) {
    pad_samples(g, s, x + n0 * x_step, count, scratch);
    const int64_t cols = count * ohw;
    T* out = count == 1 ? y + n0 * y_step : scratch + per_gemm * s.sample;
    if (bias)
      for (int64_t o = 0; o < g.out_channels; ++o) std::fill(out + o * cols, out + (o + 1) * cols, bias[o]);
    for (int64_t grp = 0; grp < g.groups; ++grp)
      gemm(og, cols, ck, w + grp * og * ck, ck, UnfoldedPanels<T, false>(g, s, scratch, grp * ck),
           bias ? T(1) : T(0), out + grp * og * cols, cols);
    if (count > 1)
      for (int64_t n = 0; n < count; ++n)
        for (int64_t o = 0; o < g.out_channels; ++o)
          std::copy(out + o * cols + n * ohw, out + o * cols + (n + 1) * ohw, y + (n0 + n) * y_step + o * ohw);
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
  const int64_t x_step = g.in_channels * g.in_h * g.in_w, y_step = g.out_channels * ohw;
  if (g.batch == 0 || ohw == 0) return std::fill(gw, gw + g.out_channels * ck, T(0));
  if (is_pointwise(g)) {
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t grp = 0; grp < g.groups; ++grp)
        gemm(false, true, og, ck, ohw, T(1), gy + n * y_step + grp * og * ohw, ohw,
             x + n * x_step + grp * ck * ohw, ohw, n == 0 ? T(0) : T(1), gw + grp * og * ck, ck);
    return;
  }
  // Chunks in order, threads inside gemm: the sum over samples never depends on the
  // thread count. A chunk of several samples gathers their gradients as [O, samples * OH * OW].
  const PaddedShape s = padded_shape(g);
  const int64_t per_gemm = samples_per_gemm(g);
  const int64_t gathered_size = per_gemm > 1 ? g.out_channels * per_gemm * ohw : 0;
  const auto scratch = scratch_buffer<T>(per_gemm * s.sample + gathered_size);
  for (int64_t n0 = 0; n0 < g.batch; n0 += per_gemm) {
    const int64_t count = std::min(per_gemm, g.batch - n0), cols = count * ohw;
    pad_samples(g, s, x + n0 * x_step, count, scratch.get());
    const T* grads = gy + n0 * y_step;
    if (count > 1) {
      T* gathered = scratch.get() + per_gemm * s.sample;
      parallel_for(count * g.out_channels, std::max<int64_t>(1, 32768 / ohw),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t row = begin; row < end; ++row) {
                       const int64_t n = row / g.out_channels, o = row % g.out_channels;
                       std::copy(grads + n * y_step + o * ohw, grads + n * y_step + (o + 1) * ohw,
                                 gathered + o * cols + n * ohw);
                     }
                   }, 1);
      grads = gathered;
    }
    for (int64_t grp = 0; grp < g.groups; ++grp)
      gemm(og, ck, cols, grads + grp * og * cols, cols,
           UnfoldedPanels<T, true>(g, s, scratch.get(), grp * ck), n0 == 0 ? T(0) : T(1),
           gw + grp * og * ck, ck);
  }
}

template <class F>
void dispatch_floating(DType dtype, const F& f, const char* kernel = __builtin_FUNCTION()) {
  if (dtype == DType::Float32) f(float());
  else if (dtype == DType::Float64) f(double());
  else throw_not_implemented_for(kernel, dtype);
}

}  // namespace

// float16/bfloat16 compute in float32 on widened copies, rounded once on the store
// (Note [Small dtypes]), as torch's CPU convolution accumulates them in float.
void conv2d(const ConvGeometry& g, const TensorImpl& input, const TensorImpl& weight,
            const TensorImpl* bias, TensorImpl& out) {
  if (any_small({&input, &weight, bias, &out})) {
    const Widened x(input), w(weight);
    std::optional<Widened> b;
    if (bias) b.emplace(*bias);
    WidenedOut y(out);
    conv2d(g, *x, *w, b ? &**b : nullptr, *y);
    return y.store();
  }
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    conv2d_typed<T>(g, input.data<T>(), weight.data<T>(), bias ? bias->data<T>() : nullptr,
                    out.data<T>());
  });
}

void conv2d_backward_input(const ConvGeometry& g, const TensorImpl& grad_out,
                           const TensorImpl& weight, TensorImpl& grad_input) {
  if (any_small({&grad_out, &weight, &grad_input})) {
    const Widened g_out(grad_out), w(weight);
    WidenedOut gx(grad_input);
    conv2d_backward_input(g, *g_out, *w, *gx);
    return gx.store();
  }
  dispatch_floating(grad_out.dtype, [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_input_typed<T>(g, grad_out.data<T>(), weight.data<T>(), grad_input.data<T>());
  });
}

void conv2d_backward_weight(const ConvGeometry& g, const TensorImpl& input,
                            const TensorImpl& grad_out, TensorImpl& grad_weight) {
  if (any_small({&input, &grad_out, &grad_weight})) {
    const Widened x(input), g_out(grad_out);
    WidenedOut gw(grad_weight);
    conv2d_backward_weight(g, *x, *g_out, *gw);
    return gw.store();
  }
  dispatch_floating(input.dtype, [&](auto zero) {
    using T = decltype(zero);
    conv2d_backward_weight_typed<T>(g, input.data<T>(), grad_out.data<T>(), grad_weight.data<T>());
  });
}

// Element types by size: the unfolding only copies, and a zero is all-zero bits in each.
void im2col(const ConvGeometry& g, const TensorImpl& input, TensorImpl& cols) {
  switch (itemsize(input.dtype)) {
    case 1: return im2col(g, input.data<uint8_t>(), cols.data<uint8_t>());
    case 2: return im2col(g, input.data<uint16_t>(), cols.data<uint16_t>());
    case 4: return im2col(g, input.data<uint32_t>(), cols.data<uint32_t>());
    default: return im2col(g, input.data<uint64_t>(), cols.data<uint64_t>());
  }
}

// The small floats add in their own type, not widened: torch's col2im rounds each sum.
void col2im(const ConvGeometry& g, const TensorImpl& cols, TensorImpl& out) {
  auto run = [&](auto zero) {
    using T = decltype(zero);
    std::fill(out.data<T>(), out.data<T>() + out.numel(), T(0));
    col2im(g, cols.data<T>(), out.data<T>());
  };
  switch (cols.dtype) {
    case DType::Bool: return run(false);
    case DType::Float16: return run(Half());
    case DType::BFloat16: return run(BFloat16());
    default: return dispatch_floating(cols.dtype, run);
  }
}

}  // namespace cgrad::kernels
