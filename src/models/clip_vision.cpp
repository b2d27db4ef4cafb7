#include "sfar/models/clip_vision.h"

#include <cmath>

#include "sfar/core/error.h"

namespace sfar::models {

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const ClipConfig& config) : config_(config) {
  validate_clip_config(config);
  const auto width = config.vision_width;
  const auto tokens = config.grid_size() * config.grid_size() + 1;
  conv1 = register_module(
      "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, width, config.vision_patch_size)
                                     .stride(config.vision_patch_size)
                                     .bias(false)));
  class_embedding = register_parameter("class_embedding", torch::empty({width}));
  positional_embedding = register_parameter("positional_embedding", torch::empty({tokens, width}));
  ln_pre = register_module("ln_pre", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  transformer = register_module(
      "transformer", ClipTransformer(width, config.vision_layers, config.vision_heads(), config.activation));
  ln_post = register_module("ln_post", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  proj = register_parameter("proj", torch::empty({width, config.embed_dim}));
  reset_parameters();
}

void ClipVisionTransformerImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  const double scale = std::pow(static_cast<double>(config_.vision_width), -0.5);
  class_embedding.normal_(0.0, scale);
  positional_embedding.normal_(0.0, scale);
  proj.normal_(0.0, scale);
}

torch::Tensor ClipVisionTransformerImpl::embed(const torch::Tensor& images) {
  const auto r = config_.image_resolution;
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != r || images.size(3) != r) {
    throw ArgumentError("clip image input", "expected [B, 3, " + std::to_string(r) + ", " +
                        std::to_string(r) + "]", c10::str(images.sizes()));
  }
  auto x = conv1(images.to(conv1->weight.scalar_type()));  // [B, width, g, g]
  x = x.flatten(2).transpose(1, 2);                         // [B, g*g, width]
  auto cls = class_embedding.to(x.scalar_type()).expand({x.size(0), 1, x.size(2)});
  x = torch::cat({cls, x}, 1) + positional_embedding.to(x.scalar_type());
  return layer_norm_fp32(ln_pre, x);
}

torch::Tensor ClipVisionTransformerImpl::forward_tokens(const torch::Tensor& images) {
  return layer_norm_fp32(ln_post, transformer(embed(images)));
}

torch::Tensor ClipVisionTransformerImpl::forward(const torch::Tensor& images) {
  auto x = transformer(embed(images));
  auto cls = layer_norm_fp32(ln_post, x.select(1, 0));  // [B, width]
  return torch::matmul(cls, proj.to(cls.scalar_type()));
}

}  // namespace sfar::models
