#include "cgrad/autograd/grad_mode.h"

namespace cgrad {
namespace {
// Read by every op: initial-exec, a plain load instead of a call to __tls_get_addr
// (Note [Thread block cache]).
thread_local bool grad_enabled __attribute__((tls_model("initial-exec"))) = true;
thread_local bool inference_enabled __attribute__((tls_model("initial-exec"))) = false;
}  // namespace
bool GradMode::is_enabled() { return grad_enabled; }
bool GradMode::records() { return grad_enabled && !inference_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }
bool InferenceMode::is_enabled() { return inference_enabled; }
void InferenceMode::set_enabled(bool enabled) { inference_enabled = enabled; }
}  // namespace cgrad
