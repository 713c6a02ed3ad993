#include "cgrad/autograd/saved_values.h"

namespace cgrad {

const std::vector<DerivedSavedValue>& derived_saved_values() {
  using From = DerivedSavedValue::From;
  static const std::vector<DerivedSavedValue> table = {
      {"AddBackward0", "alpha", From::Default, 1},
      {"SubBackward0", "alpha", From::Default, 1},
      {"ExpandBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"IndexBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"MaxBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"MeanBackward0", "self_sym_numel", From::FirstInputNumel},
      {"MeanBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"MeanBackward1", "self_sym_numel", From::FirstInputNumel},
      {"MeanBackward1", "self_sym_sizes", From::FirstInputSizes},
      {"MinBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"RepeatBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SelectBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SliceBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SortBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SortBackward1", "self_sym_sizes", From::FirstInputSizes},
      {"SplitBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SplitWithSizesBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SqueezeBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SqueezeBackward1", "self_sym_sizes", From::FirstInputSizes},
      {"SumBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"SumBackward1", "self_sym_sizes", From::FirstInputSizes},
      {"TopkBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"UnsafeViewBackward0", "self_sym_sizes", From::FirstInputSizes},
      {"ViewBackward0", "self_sym_sizes", From::FirstInputSizes},
  };
  return table;
}

}  // namespace cgrad
