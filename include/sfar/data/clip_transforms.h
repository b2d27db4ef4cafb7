// Spatial and colour transforms for video clips. A clip is a float tensor
// [V, T, 3, H, W] in [0, 1] (V views, T frames); every frame of a clip gets the same random
// parameters. Multi-crop test transforms (three_crop, ten_crop) multiply V. Pipelines are built
// from a list of TransformSpec (one YAML list entry each), mapped 1:1 onto the factories of the
// one transform table, clip_transforms().
//
//   using T = TransformType;
//   auto pipeline = make_clip_pipeline({{.type = T::kRandomResizedCrop, .size = 224},
//                                       {.type = T::kFlip}, {.type = T::kNormalize}});
//   ClipSample s{frames_to_clip(frames), {label}};
//   pipeline(s, rng);  // s.clip: [1, T, 3, 224, 224]
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/core/name_table.h"

namespace sfar::data {

struct ClipSample {
  torch::Tensor clip;                // [V, T, 3, H, W] float in [0, 1] (normalised after `normalize`)
  std::vector<std::int64_t> labels;  // a flip may swap "left"/"right" classes
};

using ClipTransform = std::function<void(ClipSample&, std::mt19937_64&)>;

enum class TransformType {
  kResizeShort, kCenterCrop, kRandomResizedCrop, kMultiScaleCrop, kThreeCrop, kTenCrop,
  kFlip, kColorJitter, kGrayscale, kNormalize,
};

struct TransformSpec;
// The one table of transforms (names keyed by enumerator): the config's `type` names, the
// crop checks and the errors for unknown names come from it.
struct TransformEntry {
  const char* name;
  TransformType value;
  const char* description;
  // Views a crop gives per input view: 1 for a single crop, 3 or 10 for multi-crops; 0: not a
  // crop (the output side is not `size`).
  std::int64_t crop_views;
  bool reads_size;  // `size` is one of its keys (crops, resize_short)
  ClipTransform (*make)(const TransformSpec& spec);
};
const std::vector<TransformEntry>& clip_transforms();
// The entry named `type`; ArgumentError naming `where`, the name and every known one otherwise.
const TransformEntry& find_clip_transform(const std::string& type, const std::string& where = "transform type");

// One transform of a pipeline. Only the keys of the chosen `type` are read or written.
struct TransformSpec {
  TransformType type = TransformType::kNormalize;
  std::int64_t size = 224;                   // output side (short side for resize_short)
  std::vector<double> scale = {0.08, 1.0};   // random_resized_crop: area fraction
  std::vector<double> ratio = {0.75, 4.0 / 3.0};
  std::vector<double> scales = {1.0, 0.875, 0.75, 0.66};  // multi_scale_crop
  double p = 0.5;                            // flip, grayscale, color_jitter probability
  double brightness = 0.4, contrast = 0.4, saturation = 0.4, hue = 0.1;
  std::vector<double> mean = {0.48145466, 0.4578275, 0.40821073};  // CLIP's
  std::vector<double> std = {0.26862954, 0.26130258, 0.27577711};
  // flip: pairs of class ids that swap under a horizontal flip, as a flat list [a0, b0, a1, b1].
  // Classes listed in `flip_forbidden` are never flipped (a flip would change their meaning).
  std::vector<std::int64_t> flip_pairs;
  std::vector<std::int64_t> flip_forbidden;

  template <class A>
  void visit(A& a) {
    a("type", type, clip_transforms());
    using T = TransformType;
    if (entry_of(clip_transforms(), type).reads_size) a("size", size, cfg::at_least(1));
    if (type == T::kRandomResizedCrop) {
      a("scale", scale, cfg::in_range(0, 1));
      a("ratio", ratio, cfg::positive());
    }
    if (type == T::kMultiScaleCrop) a("scales", scales, cfg::in_range(0.1, 1));
    if (type == T::kFlip || type == T::kGrayscale || type == T::kColorJitter) a("p", p, cfg::in_range(0, 1));
    if (type == T::kFlip) {
      a("flip_pairs", flip_pairs, cfg::non_negative());
      a("flip_forbidden", flip_forbidden, cfg::non_negative());
    }
    if (type == T::kColorJitter) {
      a("brightness", brightness, cfg::non_negative());
      a("contrast", contrast, cfg::non_negative());
      a("saturation", saturation, cfg::non_negative());
      a("hue", hue, cfg::in_range(0, 0.5));
    }
    if (type == T::kNormalize) {
      a("mean", mean);
      a("std", std, cfg::positive());
    }
  }
};

// Builds one transform; throws ArgumentError for inconsistent options (e.g. odd flip_pairs).
ClipTransform make_clip_transform(const TransformSpec& spec);
// Runs the specs in order.
ClipTransform make_clip_pipeline(const std::vector<TransformSpec>& specs);

// Frames as [T, H, W, 3] uint8 -> [1, T, 3, H, W] float in [0, 1].
torch::Tensor frames_to_clip(const torch::Tensor& frames_thwc_uint8);

// For datasets whose class names mention sides: classes whose names differ only by
// "left" <-> "right" become flip pairs; a side-specific class without a partner is forbidden.
void flip_rules_from_class_names(const std::vector<std::string>& class_names,
                                 std::vector<std::int64_t>& pairs, std::vector<std::int64_t>& forbidden);

}  // namespace sfar::data
