// The video side of SFAR and its baselines, selected by `HeadOptions::type`, so that every
// ablation of the paper runs in one framework:
//   mean      mean of frame embeddings (ViFi-CLIP)
//   temporal  temporal transformer, then mean (BIKE-style)
//   coarse    coarse branch -> FFN
//   fine      fine branch -> FFN
//   sfar      FFN_coarse(coarse) + FFN_fine(fine)  (or concat + linear)
// Class-conditioned heads give one video embedding per candidate class: [B, C, D].
//
//   VideoHead head(HeadOptions{}, /*dim=*/512);
//   auto out = head(frames, bank);                        // frames [B, T, D]
//   auto logits = class_logits(out.video, bank.global_embed, logit_scale);  // [B, C]
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/method/storyboard_branches.h"
#include "sfar/method/temporal_transformer.h"
#include "sfar/method/text_bank.h"

namespace sfar::method {

// `head.type` (see above): one row per head, naming the parts it builds. The model's modules, its
// cost (model_cost.h) and the check of python/sfar_head.py (tests/python/test_head_table.py) all
// read these rows; a new head is one enumerator, one row, and its forward in video_head.cpp.
enum class HeadType { kMean, kTemporal, kCoarse, kFine, kSfar };
struct HeadEntry {
  std::string name;
  HeadType value;
  const char* description;
  bool temporal;  // always runs the temporal transformer first (head.temporal adds it to any head)
  bool coarse;    // the coarse branch and FFN_coarse
  bool fine;      // the fine branch and FFN_fine (two branches: summed, or head.fusion concat)
};
const std::vector<HeadEntry>& head_types();
const std::string& to_string(HeadType type);
// coarse, fine and sfar score each class with its sub-texts; mean and temporal need none.
bool uses_subtexts(HeadType type);

// `head.fusion` of two branches: FFN_coarse + FFN_fine, or a linear map of both.
enum class HeadFusion { kSum, kConcat };
inline const cfg::NamedValues<HeadFusion>& head_fusion_names() {
  static const cfg::NamedValues<HeadFusion> names = {{"sum", HeadFusion::kSum}, {"concat", HeadFusion::kConcat}};
  return names;
}

struct HeadOptions {
  HeadType type = HeadType::kSfar;
  bool temporal = false;           // temporal transformer before weighting (coarse/fine/sfar)
  std::int64_t temporal_layers = 6;
  std::int64_t max_frames = 32;
  double tau_coarse = 0.01;
  double tau_fine = 0.01;
  bool coarse_residual = true;
  HeadFusion fusion = HeadFusion::kSum;
  // mean/temporal: the pooled embedding goes through a residual FFN, as SFAR's branch outputs
  // do, so that a baseline on a frozen backbone (model.freeze_backbone) has a trainable video
  // side of the same kind; false (ViFi-CLIP, BIKE) pools only.
  bool pooled_ffn = false;

  const HeadEntry& entry() const;  // the row of `type`
  // The temporal transformer runs before the head: the type's own, or head.temporal on any type.
  bool runs_temporal() const { return temporal || entry().temporal; }
  // Two branches fused by a linear map (head.fusion concat).
  bool fuses_concat() const { return entry().coarse && entry().fine && fusion == HeadFusion::kConcat; }

  template <class A>
  void visit(A& a) {
    a("type", type, head_types());
    a("temporal", temporal);
    a("temporal_layers", temporal_layers, cfg::at_least(1));
    a("max_frames", max_frames, cfg::at_least(1));
    a("tau_coarse", tau_coarse, cfg::positive());
    a("tau_fine", tau_fine, cfg::positive());
    a("coarse_residual", coarse_residual);
    a("fusion", fusion, head_fusion_names());
    a("pooled_ffn", pooled_ffn);
  }
};

struct HeadOutput {
  torch::Tensor video;           // [B, C, D] (class-conditioned) or [B, 1, D] (mean/temporal)
  torch::Tensor coarse_weights;  // [B, C, T] or undefined
  torch::Tensor fine_weights;    // [B, C, T] or undefined
  torch::Tensor fine_subtexts;   // [B, C, T] int64: the sub-text that chose each frame, or undefined
};

// Linear(D, D) - GELU - Linear(D, D) with a residual.
class ResidualFfnImpl : public torch::nn::Module {
 public:
  explicit ResidualFfnImpl(std::int64_t dim);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ResidualFfn);

class VideoHeadImpl : public torch::nn::Module {
 public:
  VideoHeadImpl(const HeadOptions& options, std::int64_t dim);
  // frames [B, T, D] (frame embeddings from the image encoder)
  HeadOutput forward(const torch::Tensor& frames, const TextBank& bank);
  const HeadOptions& options() const { return options_; }

  TemporalTransformer temporal{nullptr};
  CoarseBranch coarse{nullptr};
  ResidualFfn ffn_coarse{nullptr}, ffn_fine{nullptr};
  ResidualFfn ffn_pooled{nullptr};  // mean/temporal with pooled_ffn only
  torch::nn::Linear fuse{nullptr};  // concat fusion only

 private:
  HeadOptions options_;
};
TORCH_MODULE(VideoHead);

// y_c = s * cos(o_c, t_c), s = exp(logit_scale) capped at 100.
// video [B, C, D] or [B, 1, D], class_embed [C, D] -> [B, C]
torch::Tensor class_logits(const torch::Tensor& video, const torch::Tensor& class_embed,
                           const torch::Tensor& logit_scale);

}  // namespace sfar::method
