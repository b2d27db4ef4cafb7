// Process-wide runtime settings: LibTorch threads, the compute device and random seeds.
#pragma once

#include <cstdint>
#include <string>

namespace sfar {

// Sets LibTorch's intra-op threads; 0 means one per available core.
// Returns the number of threads in use afterwards.
int set_compute_threads(std::int64_t threads);

// Resolves "auto" | "cpu" | "cuda" | "cuda:N" to a device string LibTorch accepts; "auto"
// picks CUDA when it is available. Asking for CUDA without it is an ArgumentError.
std::string resolve_device(const std::string& requested);

// Seeds LibTorch's CPU and CUDA generators.
void seed_everything(std::uint64_t seed);

// A one-line description of the build and machine: versions, threads, devices.
std::string runtime_summary();

}  // namespace sfar
