// Training memory estimate for `sfar train --dry-run`: parameters, gradients and AdamW states
// counted from the model, activations measured on one clip and scaled to the micro-batch.
//
// Activations are measured by counting CPU allocations: while a forward pass runs, LibTorch's
// CPU allocator is wrapped by one that records the bytes each allocation made *by the calling
// thread* asks for and subtracts them when freed. The bytes still held when the forward
// returns are what autograd saved for the backward pass (plus the small outputs): the
// activation memory of one clip in fp32. The peak over forward + backward is reported too.
// On a CUDA device nothing is measured (measured = false); mixed precision roughly halves the
// activations of the fp32 figure.
//
//   const auto m = measure_activations([&] { return loss_of_one_clip(); });
//   MemoryEstimate e = estimate_training_memory(*model, m, micro_batch);
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

namespace sfar::engine {

struct ActivationMeasurement {
  bool measured = false;              // false: the allocator could not be wrapped, or not on CPU
  std::int64_t saved_bytes = 0;       // held when the forward returned (activations of one sample)
  std::int64_t peak_bytes = 0;        // peak over forward + backward, relative to the start
};

// Runs `forward` (which returns a scalar loss) and then its backward pass with the CPU
// allocator counting, as described above.
ActivationMeasurement measure_activations(const std::function<torch::Tensor()>& forward);

struct MemoryEstimate {
  std::int64_t parameter_bytes = 0;   // every parameter
  std::int64_t gradient_bytes = 0;    // trainable parameters
  std::int64_t optimizer_bytes = 0;   // AdamW: exp_avg + exp_avg_sq = 2 x trainable
  std::int64_t micro_batch = 1;
  ActivationMeasurement per_clip;
  std::int64_t activation_bytes = 0;  // per_clip.saved_bytes x micro_batch
  std::int64_t total_bytes = 0;       // the four above
};

MemoryEstimate estimate_training_memory(const torch::nn::Module& model, const ActivationMeasurement& per_clip,
                                        std::int64_t micro_batch);

// "0 B", "512 B", "1.50 KiB", "3.20 GiB" (binary units).
std::string human_bytes(std::int64_t bytes);

}  // namespace sfar::engine
