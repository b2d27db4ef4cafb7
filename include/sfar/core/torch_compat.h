// The one place where differences between LibTorch versions are handled. sfar builds against
// Debian's LibTorch 1.13 (CPU) and official LibTorch 2.x builds (CUDA); code elsewhere calls
// these functions instead of testing versions itself.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>
#include <ATen/autocast_mode.h>

#include <string>

#define SFAR_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||       \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace sfar::compat {

inline std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

// c10::Error's message without the C++ stack trace LibTorch appends.
inline std::string error_message(const c10::Error& e) { return e.what_without_backtrace(); }

// Turns autocast on or off for one device type. LibTorch 2.4 replaced the per-device
// setters (set_enabled / set_autocast_cpu_enabled) by one that takes the device type.
inline void set_autocast_enabled(c10::DeviceType device, bool enabled) {
#if SFAR_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == c10::DeviceType::CPU) {
    at::autocast::set_cpu_enabled(enabled);
  } else {
    at::autocast::set_enabled(enabled);
  }
#endif
}

inline void set_autocast_dtype(c10::DeviceType device, at::ScalarType dtype) {
#if SFAR_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::DeviceType::CPU) {
    at::autocast::set_autocast_cpu_dtype(dtype);
  } else {
    at::autocast::set_autocast_gpu_dtype(dtype);
  }
#endif
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
