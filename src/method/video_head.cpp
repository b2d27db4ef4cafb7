#include "sfar/method/video_head.h"

#include "sfar/core/error.h"
#include "sfar/core/name_table.h"

namespace F = torch::nn::functional;

namespace sfar::method {

ResidualFfnImpl::ResidualFfnImpl(std::int64_t dim) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, dim));
  fc2 = register_module("fc2", torch::nn::Linear(dim, dim));
  // Start as the identity map, so a fresh head does not disturb CLIP's embedding space.
  torch::NoGradGuard no_grad;
  fc2->weight.zero_();
  fc2->bias.zero_();
}

torch::Tensor ResidualFfnImpl::forward(const torch::Tensor& x) {
  return x + fc2->forward(F::gelu(fc1->forward(x)));
}

const std::vector<HeadEntry>& head_types() {
  using T = HeadType;
  static const std::vector<HeadEntry> table = {
      // name, enumerator, description; parts: temporal, coarse, fine
      {"mean", T::kMean, "mean of frame embeddings (ViFi-CLIP)", false, false, false},
      {"temporal", T::kTemporal, "temporal transformer, then mean (BIKE-style)", true, false, false},
      {"coarse", T::kCoarse, "coarse branch -> FFN", false, true, false},
      {"fine", T::kFine, "fine branch -> FFN", false, false, true},
      {"sfar", T::kSfar, "FFN_coarse(coarse) + FFN_fine(fine), or concat + linear", false, true, true},
  };
  return table;
}

const std::string& to_string(HeadType type) { return entry_of(head_types(), type).name; }

bool uses_subtexts(HeadType type) {
  const HeadEntry& e = entry_of(head_types(), type);
  return e.coarse || e.fine;
}

const HeadEntry& HeadOptions::entry() const { return entry_of(head_types(), type); }

VideoHeadImpl::VideoHeadImpl(const HeadOptions& options, std::int64_t dim) : options_(options) {
  const HeadEntry& parts = options_.entry();
  if (options_.runs_temporal()) {
    temporal = register_module("temporal",
                               TemporalTransformer(dim, options_.temporal_layers, options_.max_frames));
  }
  if (parts.coarse) {
    coarse = register_module("coarse", CoarseBranch(dim, options_.tau_coarse, options_.coarse_residual));
    ffn_coarse = register_module("ffn_coarse", ResidualFfn(dim));
  }
  if (parts.fine) ffn_fine = register_module("ffn_fine", ResidualFfn(dim));
  if (!uses_subtexts(parts.value) && options_.pooled_ffn) {
    ffn_pooled = register_module("ffn_pooled", ResidualFfn(dim));
  }
  if (options_.fuses_concat()) fuse = register_module("fuse", torch::nn::Linear(2 * dim, dim));
}

HeadOutput VideoHeadImpl::forward(const torch::Tensor& frames_in, const TextBank& bank) {
  if (frames_in.dim() != 3) throw ArgumentError("video head", "expected frame embeddings [B, T, D]");
  const auto frames = temporal ? temporal->forward(frames_in) : frames_in;
  HeadOutput out;
  if (!uses_subtexts(options_.type)) {
    out.video = frames.mean(1, /*keepdim=*/true);
    if (ffn_pooled) out.video = ffn_pooled->forward(out.video);
    return out;
  }
  torch::Tensor coarse_video, fine_video;
  if (coarse) {
    auto branch = coarse->forward(frames, bank);
    out.coarse_weights = branch.weights;
    coarse_video = ffn_coarse->forward(branch.video);
  }
  if (ffn_fine) {
    auto branch = fine_branch(frames, bank, options_.tau_fine);
    out.fine_weights = branch.weights;
    out.fine_subtexts = branch.subtext;
    fine_video = ffn_fine->forward(branch.video);
  }
  if (!coarse_video.defined()) {
    out.video = fine_video;
  } else if (!fine_video.defined()) {
    out.video = coarse_video;
  } else if (fuse) {
    out.video = fuse->forward(torch::cat({coarse_video, fine_video}, -1));
  } else {
    out.video = coarse_video + fine_video;
  }
  return out;
}

torch::Tensor class_logits(const torch::Tensor& video, const torch::Tensor& class_embed,
                           const torch::Tensor& logit_scale) {
  const auto v = F::normalize(video, F::NormalizeFuncOptions().dim(-1));
  const auto t = F::normalize(class_embed, F::NormalizeFuncOptions().dim(-1));
  const auto cos = (v * t.unsqueeze(0)).sum(-1);  // broadcasts [B, 1, D] over classes too
  return logit_scale.exp().clamp_max(100.0) * cos;
}

}  // namespace sfar::method
