// The whole SFAR video-text model of ../shared/docs/METHOD.md and its baselines: CLIP's image
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

#include "sfar/describe/description_cache.h"
#include "sfar/method/text_bank.h"
#include "sfar/method/video_head.h"
#include "sfar/models/clip_model.h"
#include "sfar/text/tokenizer.h"

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
  // train/frame_embedding_cache.h).
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

// The texts of one label space: global[c] for class c, and sub[c] its N sub-texts (sub is
// empty when the run has no description cache).
struct ClassTexts {
  std::vector<std::string> global;
  std::vector<std::vector<std::string>> sub;
};

// Global texts from `global_template` ("{name}" replaced); sub-texts from each class's set
// chosen by `choice`, padded by repeating the last sentence or truncated to `num_subtexts`.
// `cache` may be null (no sub-texts). Throws ConfigError naming `cache_path` and the class
// when a class is missing, has no sentences or (kSelected) has no selected set.
ClassTexts make_class_texts(const std::vector<std::string>& class_names, const std::string& global_template,
                            const describe::DescriptionCache* cache, const std::string& cache_path,
                            std::int64_t num_subtexts, describe::SubtextChoice choice);

// Tokenizes and encodes the texts with the (frozen) text tower. Without sub-texts, each class
// holds its global text as its only sub-text (heads mean/temporal never read them).
TextBank build_class_text_bank(models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                               const ClassTexts& texts, std::int64_t context_length);

// What identifies a text bank on disk: the weights file (path, size, modification time; "random"
// for random initialisation with `seed`) and the activation it is run with (the same file gives
// other features under GELU), the tokenizer and every text.
std::string text_bank_key(const std::string& weights, models::ClipActivation activation, std::uint64_t seed,
                          const text::TokenizerSpec& tokenizer, std::int64_t context_length,
                          const ClassTexts& texts);

// `dir`/text_bank_<key>.pt when it exists and loads (hit = true), otherwise build_class_text_bank
// saved there atomically (hit = false). The bank stays on the CPU.
TextBank load_or_build_text_bank(const std::string& dir, const std::string& key,
                                 models::ClipTextEncoderImpl& encoder, const text::Tokenizer& tokenizer,
                                 const ClassTexts& texts, std::int64_t context_length, bool* hit = nullptr);

}  // namespace sfar::method
