// SFAR's two key-frame branches (docs/method.md). Both compute, for every video and
// every candidate class at once, weights over the video's frames and the weighted sum of frame
// embeddings; nothing loops over classes. B videos, T frames, C classes, D embedding.
//
// Coarse: the global text's tokens attend to the stacked sub-text tokens (T^_c = T_c +
//   softmax(Q K^T / sqrt(d)) V), then each word picks frames by softmax over frames of
//   cos(word, frame) / tau_c, averaged over words.
// Fine: frame l's affinity to sub-text n is its mean cosine to that sub-text's words; the best
//   sub-text per frame, softmax over frames at tau_f, gives the weights.
#pragma once

#include <torch/torch.h>

#include "sfar/method/text_bank.h"

namespace sfar::method {

struct BranchOutput {
  torch::Tensor weights;  // [B, C, T], sums to 1 over T
  torch::Tensor video;    // [B, C, D] = sum_l weights * frames
  torch::Tensor subtext;  // fine branch only: [B, C, T] int64, the sub-text that chose each frame
};

class CoarseBranchImpl : public torch::nn::Module {
 public:
  CoarseBranchImpl(std::int64_t dim, double tau, bool residual);
  // The sub-text-augmented global tokens T^_c: [C, Lg, D]. Depends on texts only, so a
  // caller may compute it once per step for all videos.
  torch::Tensor augment_global(const TextBank& bank);
  // frames [B, T, D] -> weights [B, C, T], video [B, C, D]
  BranchOutput forward(const torch::Tensor& frames, const TextBank& bank);

  torch::nn::Linear w_q{nullptr}, w_k{nullptr}, w_v{nullptr};

 private:
  double tau_;
  bool residual_;
};
TORCH_MODULE(CoarseBranch);

// Parameter-free.
BranchOutput fine_branch(const torch::Tensor& frames, const TextBank& bank, double tau);

// Helper shared by both branches: weights [B, C, T], frames [B, T, D] -> [B, C, D].
torch::Tensor aggregate_frames(const torch::Tensor& weights, const torch::Tensor& frames);

}  // namespace sfar::method
