#include "sfar/models/clip_model.h"

#include <cmath>

namespace sfar::models {

ClipModelImpl::ClipModelImpl(const ClipConfig& config) : ClipTextEncoderImpl(config) {
  visual = register_module("visual", ClipVisionTransformer(config));
  logit_scale = register_parameter("logit_scale", torch::full({}, std::log(1.0 / 0.07)));
}

torch::Tensor ClipModelImpl::encode_image(const torch::Tensor& images) { return visual(images); }

ClipLogits ClipModelImpl::forward(const torch::Tensor& images, const torch::Tensor& tokens) {
  auto image_features = encode_image(images);
  auto text_features = encode_text(tokens);
  image_features = image_features / image_features.norm(2, -1, true);
  text_features = text_features / text_features.norm(2, -1, true);
  auto logits_per_image =
      logit_scale.exp() * torch::matmul(image_features, text_features.t().to(image_features.scalar_type()));
  return {logits_per_image, logits_per_image.t()};
}

std::int64_t ClipModelImpl::parameter_count() const {
  std::int64_t count = 0;
  for (const auto& parameter : parameters()) count += parameter.numel();
  return count;
}

}  // namespace sfar::models
