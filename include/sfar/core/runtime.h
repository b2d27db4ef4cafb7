// Process-wide runtime settings: LibTorch threads, the compute device and random seeds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sfar {

// Sets LibTorch's intra-op threads; 0 means one per available core.
// Returns the number of threads in use afterwards.
int set_compute_threads(std::int64_t threads);

// Resolves "auto" | "cpu" | "cuda" | "cuda:N" to a device string LibTorch accepts; "auto"
// picks CUDA when it is available. Asking for CUDA without it is an ArgumentError naming
// `where` (the option or config key the device came from) and the value.
std::string resolve_device(const std::string& requested, const std::string& where = "device");

// Seeds LibTorch's CPU and CUDA generators.
void seed_everything(std::uint64_t seed);

// Peak resident set size of this process, in MiB: VmHWM, this address space's own peak. (getrusage's
// maxrss is not: Linux keeps the larger of the parent's peak at fork and the process's own across
// exec, so a small command started by a big one, such as a Python benchmark driver, would report
// its parent's memory.)
double peak_rss_mb();

// A one-line description of the build and machine: versions, threads, devices.
std::string runtime_summary();

// What LibTorch was built with and what this machine offers it (`sfar env`).
struct TorchEnvironment {
  struct Device {
    std::string name;
    std::int64_t memory_bytes = 0;
  };
  std::string libtorch;      // e.g. "2.11.0"
  bool cuda_compiled = false;
  std::string cuda_version;  // the CUDA runtime LibTorch was built with; "" without CUDA
  std::string cudnn;         // cuDNN LibTorch was built with; "" without it
  std::string blas;          // the CPU BLAS and oneDNN, e.g. "mkl 2024.2.0; onednn 3.7.1"
  std::vector<Device> devices;  // CUDA devices present; empty without a GPU
  int threads = 0;
};
TorchEnvironment torch_environment();

}  // namespace sfar
