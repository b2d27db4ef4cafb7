// The whole SFAR video-text model of docs/method.md and its baselines: CLIP's image
// encoder applied to every frame of every clip at once, the video head chosen by
// HeadOptions::type, and class scores against a frozen text bank. CLIP's text tower is frozen
// (requires_grad false); its logit scale is learned unless fixed.
//
//   SfarModel model(models::load_clip("ViT-B-16.pt"), HeadOptions{}, /*learn_logit_scale=*/true);
//   TextBank bank = build_class_text_bank(*model->clip, *tokenizer, texts, 77);
//   SfarOutput out = model->forward(clips, bank);  // clips [B, T, 3, H, W] -> logits [B, C]
//
// Parameter names: `clip.visual.*` (the backbone), `clip.logit_scale`, `clip.<text tower>`
// (frozen) and `head.*`.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/method/text_bank.h"
#include "sfar/method/video_head.h"
#include "sfar/models/clip_model.h"

namespace sfar::method {

struct SfarOutput {
  torch::Tensor logits;          // [B, C], scaled cosine similarities
  torch::Tensor coarse_weights;  // [B, C, T] or undefined (heads without a coarse branch)
  torch::Tensor fine_weights;    // [B, C, T] or undefined
};

class SfarModelImpl : public torch::nn::Module {
 public:
  // Takes ownership of `clip`; freezes its text tower and, unless `learn_logit_scale`, its
  // logit scale.
  SfarModelImpl(models::ClipModel clip, const HeadOptions& head, bool learn_logit_scale = true);

  // clips [B, T, 3, H, W] CLIP-normalised at the model's input resolution.
  SfarOutput forward(const torch::Tensor& clips, const TextBank& bank);
  // The two halves of forward: the backbone, clips [B, T, 3, H, W] -> frame embeddings
  // [B, T, E]; and the head with the class logits on them (a gradient cache runs them apart,
  // and a frozen backbone's cached embeddings are trained through score alone, see
  // recipes/frame_embedding_cache.h).
  torch::Tensor encode_frames(const torch::Tensor& clips);
  SfarOutput score(const torch::Tensor& frames, const TextBank& bank);

  models::ClipModel clip{nullptr};
  VideoHead head{nullptr};
};
TORCH_MODULE(SfarModel);

// Parameter element counts of one module: requires_grad true (trainable) or false (frozen).
struct ParameterCount {
  std::int64_t total = 0, trainable = 0, frozen = 0;
};
// Per part: "visual" (clip.visual), "text" (the rest of clip but the logit scale),
// "logit_scale", "head", and "all".
std::vector<std::pair<std::string, ParameterCount>> count_parameters(const SfarModelImpl& model);

}  // namespace sfar::method
