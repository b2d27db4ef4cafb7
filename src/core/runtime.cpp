#include "sfar/core/runtime.h"

#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/torch.h>

#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#if SFAR_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

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

std::string resolve_device(const std::string& requested, const std::string& where) {
  if (requested == "auto") return torch::cuda::is_available() ? "cuda" : "cpu";
  if (requested == "cpu") return requested;
  if (requested.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw ArgumentError(where, "CUDA is not available in this build or on this machine",
                          requested);
    }
    try {
      (void)torch::Device(requested);
    } catch (const c10::Error&) {
      throw ArgumentError(where, "expected cuda or cuda:N", requested);
    }
    return requested;
  }
  throw ArgumentError(where, "expected auto, cpu, cuda or cuda:N", requested);
}

void seed_everything(std::uint64_t seed) {
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string runtime_summary() {
  std::string s = "libtorch " + compat::torch_version() + ", " +
                  std::to_string(torch::get_num_threads()) + " threads";
  s += torch::cuda::is_available()
           ? ", cuda devices: " + std::to_string(torch::cuda::device_count())
           : ", cuda: not available";
  return s;
}

namespace {

// 91900 -> "9.19.0" (cuDNN 9 numbers versions as major * 10000 + minor * 100 + patch).
std::string cudnn_version_text(long version) {
  if (version <= 0) return "";
  return std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) + "." +
         std::to_string(version % 100);
}

// 13000 -> "13.0" (CUDART_VERSION is major * 1000 + minor * 10).
std::string cuda_version_text(long version) {
  if (version <= 0) return "";
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

// The BLAS line of LibTorch's build configuration, with MKL's and oneDNN's versions.
std::string blas_text() {
  const std::string config = at::show_config();
  std::smatch match;
  std::string blas = std::regex_search(config, match, std::regex("BLAS_INFO=([^,\\s]+)")) ? match[1].str() : "unknown";
  if (at::hasMKL()) blas += " (" + at::get_mkl_version() + ")";
  if (at::hasMKLDNN()) blas += "; onednn (" + at::get_mkldnn_version() + ")";
  return blas;
}

}  // namespace

TorchEnvironment torch_environment() {
  TorchEnvironment env;
  env.libtorch = compat::torch_version();
  const auto& cuda = at::detail::getCUDAHooks();
  env.cuda_compiled = cuda.isBuilt();
  if (env.cuda_compiled) {
    env.cuda_version = cuda_version_text(cuda.versionCUDART());
    env.cudnn = cudnn_version_text(cuda.versionCuDNN());
  }
  env.blas = blas_text();
  env.threads = torch::get_num_threads();
#if SFAR_WITH_CUDA
  const std::size_t count = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto* properties = at::cuda::getDeviceProperties(static_cast<c10::DeviceIndex>(i));
    env.devices.push_back({properties->name, static_cast<std::int64_t>(properties->totalGlobalMem)});
  }
#endif
  return env;
}

}  // namespace sfar
