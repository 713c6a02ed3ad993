#pragma once
// Anomaly detection's switch and trace capture: a graph type, apart from the engine, so
// that nodes record it without depending on the engine (Note [Layers], CMakeLists.txt).
#include <functional>
#include <string>

namespace cgrad {

// Anomaly detection: nodes remember where the forward called them (a trace the Python
// layer captures), and a backward node that returns NaN raises naming both.
struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
  // Set by the bindings: returns the user's current Python stack.
  static void set_trace_capturer(std::function<std::string()> capture);
  static std::string capture_trace();
};

}  // namespace cgrad
