#include "cgrad/autograd/grad_mode.h"

namespace cgrad {
namespace {
thread_local bool grad_enabled = true;
thread_local bool inference_enabled = false;
}
bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }
bool InferenceMode::is_enabled() { return inference_enabled; }
void InferenceMode::set_enabled(bool enabled) { inference_enabled = enabled; }
}  // namespace cgrad
