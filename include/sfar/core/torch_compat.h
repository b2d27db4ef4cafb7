// The one place where differences between LibTorch versions are handled. sfar builds against
// LibTorch 2.4 and later (CMake refuses older ones; the pinned wheel is 2.11), where the calls
// below need no version test; code elsewhere calls these instead of ATen's directly.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

#include <string>

namespace sfar::compat {

inline std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

// c10::Error's message without the C++ stack trace LibTorch appends.
inline std::string error_message(const c10::Error& e) { return e.what_without_backtrace(); }

// Turns autocast on or off for one device type, with the given reduced-precision dtype.
inline void set_autocast_enabled(c10::DeviceType device, bool enabled) {
  at::autocast::set_autocast_enabled(device, enabled);
}

inline void set_autocast_dtype(c10::DeviceType device, at::ScalarType dtype) {
  at::autocast::set_autocast_dtype(device, dtype);
}

// RAII autocast region, e.g. `AutocastGuard guard(torch::kCUDA, torch::kBFloat16);`.
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType device, at::ScalarType dtype) : device_(device) {
    set_autocast_dtype(device, dtype);
    set_autocast_enabled(device, true);
  }
  ~AutocastGuard() {
    set_autocast_enabled(device_, false);
    at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType device_;
};

}  // namespace sfar::compat
