#include "sfar/core/runtime.h"

#include <torch/torch.h>

#include <thread>

#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"

namespace sfar {

int set_compute_threads(std::int64_t threads) {
  if (threads < 0) throw ArgumentError("threads", "must be 0 (all cores) or positive",
                                       std::to_string(threads));
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  torch::set_num_threads(threads == 0 ? static_cast<int>(cores) : static_cast<int>(threads));
  return torch::get_num_threads();
}

std::string resolve_device(const std::string& requested) {
  if (requested == "auto") return torch::cuda::is_available() ? "cuda" : "cpu";
  if (requested == "cpu") return requested;
  if (requested.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw ArgumentError("device", "CUDA is not available in this build or on this machine",
                          requested);
    }
    try {
      (void)torch::Device(requested);
    } catch (const c10::Error&) {
      throw ArgumentError("device", "expected cuda or cuda:N", requested);
    }
    return requested;
  }
  throw ArgumentError("device", "expected auto, cpu, cuda or cuda:N", requested);
}

void seed_everything(std::uint64_t seed) {
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

std::string runtime_summary() {
  std::string s = "libtorch " + compat::torch_version() + ", " +
                  std::to_string(torch::get_num_threads()) + " threads";
  s += torch::cuda::is_available()
           ? ", cuda devices: " + std::to_string(torch::cuda::device_count())
           : ", cuda: not available";
  return s;
}

}  // namespace sfar
