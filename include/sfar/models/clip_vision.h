// CLIP's image tower, OpenAI's `VisionTransformer`: patchify with a bias-free convolution,
// prepend the class token, add positions, ln_pre, transformer, ln_post on the class token,
// project. Parameter names match OpenAI's (`conv1.weight`, `class_embedding`, `proj`, ...).
//
//   ClipVisionTransformer visual(config);
//   torch::Tensor features = visual(images);  // [B, 3, 224, 224] -> [B, embed_dim]
#pragma once

#include <torch/torch.h>

#include "sfar/models/clip_config.h"
#include "sfar/models/clip_transformer.h"

namespace sfar::models {

class ClipVisionTransformerImpl : public torch::nn::Module {
 public:
  explicit ClipVisionTransformerImpl(const ClipConfig& config);

  // [B, 3, R, R] (R = image_resolution, CLIP-normalised) -> [B, embed_dim]
  torch::Tensor forward(const torch::Tensor& images);
  // Every token after ln_post, before the projection: [B, 3, R, R] -> [B, 1 + grid^2, width]
  torch::Tensor forward_tokens(const torch::Tensor& images);

  void reset_parameters();

  torch::nn::Conv2d conv1{nullptr};
  torch::Tensor class_embedding;      // [width]
  torch::Tensor positional_embedding; // [1 + grid^2, width]
  torch::nn::LayerNorm ln_pre{nullptr};
  ClipTransformer transformer{nullptr};
  torch::nn::LayerNorm ln_post{nullptr};
  torch::Tensor proj;                 // [width, embed_dim]

 private:
  torch::Tensor embed(const torch::Tensor& images);  // -> [B, 1 + grid^2, width] after ln_pre

  ClipConfig config_;
};
TORCH_MODULE(ClipVisionTransformer);

}  // namespace sfar::models
