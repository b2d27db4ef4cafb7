// The gradient cache (Gao et al. 2021): a loss over a whole optimizer step's batch, split into
// micro-batches and ranks, for the memory of one micro-batch's backbone graph. The backbone
// (the expensive part) runs twice per micro-batch; the head and the loss run once, on the
// whole batch.
//
//   GradientCache cache(dist);
//   auto frames = cache.embed(micro_batches, encode, passes);  // 1. backbone, no graph
//   auto loss = head_loss(frames);                             // 2. whole batch, all ranks
//   scaled(loss).backward();                                   //    head grads + cached grads
//   cache.backward(encode, passes);                            // 3. backbone again, with a graph
//
// Randomness: the device's default generator (and the CPU's) is saved before each
// micro-batch's first pass and restored before its second, so dropout or any random op draws
// the same values in both; afterwards the generators are where the first passes left them.
//
// Ranks: every rank computes the same loss on the gathered batch, so the head's gradients are
// the same on every rank, and each rank's backbone gradient is its share of the total. The
// cached gradients are multiplied by the world size before the second passes, so that the
// GradientReducer's mean over ranks is that total: exactly the one-process gradient.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "sfar/engine/distributed.h"
#include "sfar/engine/trainer.h"

namespace sfar::engine {

class GradientCache {
 public:
  // Runs micro-batch `micro`'s backbone: its embeddings [b, ...] (called twice per micro-batch).
  using Encode = std::function<torch::Tensor(std::int64_t micro)>;

  // `dist`: null or inactive for one process.
  explicit GradientCache(DistributedContext* dist) : dist_(dist && dist->active() ? dist : nullptr) {}

  // Step 1: every micro-batch's embeddings, computed without a graph and kept as leaves that
  // require grad; returns them concatenated over micro-batches and gathered over ranks (rank
  // order), a tensor that back-propagates into the leaves. `device`: where the backbone runs.
  torch::Tensor embed(std::int64_t micro_batches, const Encode& encode, const StepPasses& passes,
                      const torch::Device& device);

  // Step 3, after the loss's backward: re-runs each micro-batch with a graph and
  // back-propagates its leaf's gradient, calling passes.before_backward before each pass
  // (`last` on the last one). Then forgets the cached embeddings.
  void backward(const Encode& encode, const StepPasses& passes);

  void clear() { entries_.clear(); }

 private:
  struct RngState {
    torch::Tensor cpu, device;
  };
  struct Entry {
    torch::Tensor leaf;
    RngState rng;
  };
  RngState save_rng() const;
  void restore_rng(const RngState& state) const;

  DistributedContext* dist_;
  torch::Device device_ = torch::kCPU;
  std::vector<Entry> entries_;
};

}  // namespace sfar::engine
