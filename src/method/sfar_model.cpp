#include "sfar/method/sfar_model.h"

#include "sfar/core/error.h"

namespace sfar::method {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string part_of(const std::string& name) {
  if (starts_with(name, "clip.visual.")) return "visual";
  if (name == "clip.logit_scale") return "logit_scale";
  if (starts_with(name, "clip.")) return "text";
  return "head";
}

}  // namespace

SfarModelImpl::SfarModelImpl(models::ClipModel clip_model, const HeadOptions& options, bool learn_logit_scale) {
  clip = register_module("clip", std::move(clip_model));
  head = register_module("head", VideoHead(options, clip->config().embed_dim));
  for (auto& item : clip->named_parameters()) {
    const std::string name = "clip." + item.key();
    const std::string part = part_of(name);
    if (part == "text" || (part == "logit_scale" && !learn_logit_scale)) item.value().set_requires_grad(false);
  }
}

SfarOutput SfarModelImpl::forward(const torch::Tensor& clips, const TextBank& bank) {
  return score(encode_frames(clips), bank);
}

torch::Tensor SfarModelImpl::encode_frames(const torch::Tensor& clips) {
  if (clips.dim() != 5 || clips.size(2) != 3) {
    throw ArgumentError("sfar model", "expected clips [B, T, 3, H, W]", c10::str(clips.sizes()));
  }
  const auto B = clips.size(0), T = clips.size(1);
  const auto frames = clip->encode_image(clips.reshape({B * T, 3, clips.size(3), clips.size(4)}));
  return frames.view({B, T, frames.size(-1)});
}

SfarOutput SfarModelImpl::score(const torch::Tensor& frames, const TextBank& bank) {
  if (frames.dim() != 3) {
    throw ArgumentError("sfar model", "expected frame embeddings [B, T, D]", c10::str(frames.sizes()));
  }
  auto out = head->forward(frames, bank);
  return {class_logits(out.video, bank.global_embed, clip->logit_scale), out.coarse_weights, out.fine_weights};
}

std::vector<std::pair<std::string, ParameterCount>> count_parameters(const SfarModelImpl& model) {
  std::vector<std::pair<std::string, ParameterCount>> parts = {
      {"visual", {}}, {"text", {}}, {"logit_scale", {}}, {"head", {}}, {"all", {}}};
  auto add = [](ParameterCount& c, const torch::Tensor& t) {
    c.total += t.numel();
    (t.requires_grad() ? c.trainable : c.frozen) += t.numel();
  };
  for (const auto& item : model.named_parameters()) {
    const std::string part = part_of(item.key());
    for (auto& [name, count] : parts) {
      if (name == part) add(count, item.value());
    }
    add(parts.back().second, item.value());
  }
  return parts;
}

}  // namespace sfar::method
