#pragma once
// Thread-local grad mode (torch.no_grad / enable_grad / set_grad_enabled).

namespace cgrad {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
  // Whether ops record a graph now: grad mode on and inference mode off (inside
  // inference_mode, enable_grad turns grad mode on but records nothing, as in torch).
  static bool records();
};

// Thread-local inference mode (torch.inference_mode): grad mode off, and every tensor
// made meanwhile is an inference tensor that autograd later refuses to save or have
// written in place.
struct InferenceMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : prev_(GradMode::is_enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~GradModeGuard() { GradMode::set_enabled(prev_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace cgrad
