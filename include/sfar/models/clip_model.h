// CLIP: the text tower (inherited, as its parameters sit at the root of OpenAI's state_dict),
// the image tower under `visual.`, and `logit_scale`. Parameter names equal OpenAI's
// state_dict keys, so a checkpoint loads by name (see clip_loader.h).
//
//   ClipModel model(clip_preset("ViT-B/16"));
//   auto image_features = model->encode_image(images);  // [B, 3, 224, 224] -> [B, 512]
//   auto logits = model->forward(images, tokens);       // [B_i, B_t] and [B_t, B_i]
#pragma once

#include <torch/torch.h>

#include "sfar/models/clip_config.h"
#include "sfar/models/clip_text.h"
#include "sfar/models/clip_vision.h"

namespace sfar::models {

struct ClipLogits {
  torch::Tensor logits_per_image;  // [B_images, B_texts]
  torch::Tensor logits_per_text;   // [B_texts, B_images]
};

class ClipModelImpl : public ClipTextEncoderImpl {
 public:
  explicit ClipModelImpl(const ClipConfig& config);

  // [B, 3, R, R] CLIP-normalised -> [B, embed_dim], unnormalised.
  torch::Tensor encode_image(const torch::Tensor& images);
  // Cosine similarities scaled by logit_scale.exp(), as OpenAI's forward.
  ClipLogits forward(const torch::Tensor& images, const torch::Tensor& tokens);

  // Number of parameter elements (equals clip_parameter_count(config())).
  std::int64_t parameter_count() const;

  ClipVisionTransformer visual{nullptr};
  torch::Tensor logit_scale;  // scalar, log(1 / 0.07) at initialisation
};
TORCH_MODULE(ClipModel);

}  // namespace sfar::models
