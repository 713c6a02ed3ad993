// tril/triu: a copy with the part outside the triangle zeroed, matrix by matrix.
#include <algorithm>
#include <cstring>

#include "cgrad/parallel.h"
#include "kernels/kernels.h"

namespace cgrad::kernels {

void triangle(const TensorImpl& a, int64_t k, bool upper, TensorImpl& out) {
  copy(a, out);
  const int64_t rows = a.sizes[a.dim() - 2], cols = a.sizes[a.dim() - 1];
  if (out.numel() == 0) return;
  const int64_t matrices = out.numel() / (rows * cols);
  const size_t item = itemsize(out.dtype);
  char* base = static_cast<char*>(out.raw_data());
  // Zero bits are zero in every dtype: each row's excluded run is one memset.
  parallel_for(matrices * rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(cols, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t r = begin; r < end; ++r) {
                   const int64_t i = r % rows;
                   char* row = base + r * cols * static_cast<int64_t>(item);
                   // tril keeps j <= i + k; triu keeps j >= i + k.
                   if (upper) {
                     const int64_t stop = std::clamp<int64_t>(i + k, 0, cols);
                     std::memset(row, 0, stop * item);
                   } else {
                     const int64_t start = std::clamp<int64_t>(i + k + 1, 0, cols);
                     std::memset(row + start * item, 0, (cols - start) * item);
                   }
                 }
               }, 1);
}

}  // namespace cgrad::kernels
