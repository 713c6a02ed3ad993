#include "cgrad/autograd/anomaly_mode.h"

#include <atomic>

namespace cgrad {
namespace {

std::atomic<bool> anomaly_enabled{false};
std::function<std::string()>& trace_capturer() {
  static auto* capture = new std::function<std::string()>();  // leaked: may outlive statics
  return *capture;
}

}  // namespace

bool AnomalyMode::is_enabled() { return anomaly_enabled.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled.store(enabled); }
void AnomalyMode::set_trace_capturer(std::function<std::string()> capture) {
  trace_capturer() = std::move(capture);
}
std::string AnomalyMode::capture_trace() {
  return trace_capturer() ? trace_capturer()() : std::string();
}

}  // namespace cgrad
