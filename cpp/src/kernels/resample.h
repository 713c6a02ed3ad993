#pragma once
// Separable resampling of [P, D, H, W] planes: the upsample_* family (nearest, linear,
// cubic) and adaptive_avg_pool3d. The op layer turns each spatial axis into taps (which
// input positions, with which weights, make each output position), so one loop serves
// every mode and dimension count; a missing axis is one tap of weight 1.
#include <cstdint>
#include <vector>

#include "kernels/kernels.h"

namespace cgrad::kernels {

// Output position o of an axis reads input positions index[k] with weight[k], k in
// [first[o], first[o + 1]). Weights are values of the compute type (float for float32
// and the small floats, double for float64), held here as doubles.
struct AxisTaps {
  std::vector<int64_t> first{0}, index;
  std::vector<double> weight;
  int64_t out_size() const { return static_cast<int64_t>(first.size()) - 1; }
  void add(int64_t at, double w) {
    index.push_back(at);
    weight.push_back(w);
  }
  void close() { first.push_back(static_cast<int64_t>(index.size())); }
};

// out[p, d, h, w] = sum_i wd_i (sum_j wh_j (sum_k ww_k x[p, di, hj, wk])), each sum begun
// with its first term, as torch nests them; with `average`, the plain sum over the taps
// divided by the three tap counts (adaptive average pooling). input and out contiguous.
void resample(const TensorImpl& input, const AxisTaps& d, const AxisTaps& h, const AxisTaps& w,
              bool average, TensorImpl& out);
// Its adjoint: grad_input (zeroed first) gets (wd * wh * ww) * grad at every tap. Threads
// own whole planes, so the sums are in one fixed order.
void resample_backward(const TensorImpl& grad, const AxisTaps& d, const AxisTaps& h,
                       const AxisTaps& w, bool average, TensorImpl& grad_input);

}  // namespace cgrad::kernels
