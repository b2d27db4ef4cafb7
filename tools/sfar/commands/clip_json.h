// JSON views of CLIP objects shared by the CLIP commands.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "sfar/models/clip_config.h"

namespace sfar::cli {

inline nlohmann::json clip_config_json(const models::ClipConfig& c) {
  return {{"embed_dim", c.embed_dim},
          {"image_resolution", c.image_resolution},
          {"vision_layers", c.vision_layers},
          {"vision_width", c.vision_width},
          {"vision_patch_size", c.vision_patch_size},
          {"vision_heads", c.vision_heads()},
          {"context_length", c.context_length},
          {"vocab_size", c.vocab_size},
          {"transformer_width", c.transformer_width},
          {"transformer_heads", c.transformer_heads},
          {"transformer_layers", c.transformer_layers},
          {"activation", models::to_string(c.activation)}};
}

// [D] tensor -> its values (fp32 CPU copy).
inline std::vector<float> tensor_to_vector(const torch::Tensor& vector) {
  const auto values = vector.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return {values.data_ptr<float>(), values.data_ptr<float>() + values.numel()};
}

}  // namespace sfar::cli
