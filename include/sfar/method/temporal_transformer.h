// BIKE-style temporal transformer over frame embeddings: learned position embedding, a few
// CLIP residual attention blocks, and a residual connection to the input.
//
//   TemporalTransformer temporal(/*dim=*/512, /*layers=*/6, /*max_frames=*/32);
//   auto y = temporal(frames);  // [B, T, D] -> [B, T, D]
#pragma once

#include <torch/torch.h>

#include "sfar/models/clip_transformer.h"

namespace sfar::method {

class TemporalTransformerImpl : public torch::nn::Module {
 public:
  TemporalTransformerImpl(std::int64_t dim, std::int64_t layers, std::int64_t max_frames);
  // [B, T, D] -> [B, T, D]; T <= max_frames.
  torch::Tensor forward(const torch::Tensor& frames);

  torch::Tensor positional_embedding;  // [max_frames, D]
  models::ClipTransformer transformer{nullptr};
};
TORCH_MODULE(TemporalTransformer);

}  // namespace sfar::method
