// Loss kernels: the per-target gather behind nll_loss, and the scatter of its gradient.
#include <algorithm>
#include <type_traits>

#include "kernels/kernels.h"

namespace cgrad::kernels {

bool gather_class_scores(const TensorImpl& input, const TensorImpl& target,
                         const TensorImpl* weight, int64_t ignore_index, TensorImpl& picked,
                         TensorImpl& picked_weight, int64_t* bad_target) {
  const int64_t n = input.sizes[0], classes = input.sizes[1], r = input.sizes[2];
  const int64_t* t = target.data<int64_t>();
  bool ok = true;
  dispatch_all(input.dtype, [&](auto tag) {  // (float16/bfloat16 too: values only move)
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T> || is_small_float_v<T>) {
      const T* x = input.data<T>();
      const T* w = weight ? weight->data<T>() : nullptr;
      T* out = picked.data<T>();
      T* out_w = picked_weight.data<T>();
      for (int64_t i = 0; i < n && ok; ++i)
        for (int64_t j = 0; j < r; ++j) {
          const int64_t k = i * r + j, c = t[k];
          if (c == ignore_index) {
            out[k] = T(0.0f);
            out_w[k] = T(0.0f);
            continue;
          }
          if (c < 0 || c >= classes) {
            *bad_target = c;
            ok = false;
            break;
          }
          out[k] = x[(i * classes + c) * r + j];
          out_w[k] = w ? w[c] : T(1.0f);
        }
    }
  });
  return ok;
}

void scatter_class_grads(const TensorImpl& target, const TensorImpl& values, TensorImpl& out) {
  const int64_t n = out.sizes[0], classes = out.sizes[1], r = out.sizes[2];
  const int64_t* t = target.data<int64_t>();
  dispatch_all(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T> || is_small_float_v<T>) {
      const T* v = values.data<T>();
      T* o = out.data<T>();
      std::fill(o, o + n * classes * r, static_cast<T>(0.0f));
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < r; ++j) {
          const int64_t k = i * r + j, c = t[k];
          if (c >= 0) o[(i * classes + c) * r + j] = v[k];
        }
    }
  });
}

}  // namespace cgrad::kernels
