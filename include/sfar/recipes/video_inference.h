// `sfar infer` and `sfar export-features`: a checkpoint's model (load_scored_model, the run
// scaffold) applied to videos read with the config's test sampler and pipeline.
//
//   infer_video(config, {.video = "clip.mp4", .label = "cleaning pool", .explain = "why.png"})
//     -> {"video", "predicted", "true", "correct", "key_frames", "top", "logits"}
//   export_features(config, {.list = "val.txt", .out = "feats.safetensors"})
//     -> {"out", "videos", "dim", "conditioned"}
// Without a checkpoint both score the run's best.pt, or model.weights when it is an `sfar
// export` with its head, saying which through `note`, and refuse an untrained head
// (choose_checkpoint).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sfar/data/video_dataset.h"
#include "sfar/engine/progress.h"
#include "sfar/method/video_head.h"
#include "sfar/recipes/run_scaffold.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

// The config's test sampler and pipeline over `records` under `root`, read as written
// (failures raise).
std::shared_ptr<const data::VideoDataset> test_dataset(data::DataConfig config, std::vector<data::VideoRecord> records,
                                                       const std::string& root, std::uint64_t seed);

// A tensor's values as doubles, for JSON.
std::vector<double> to_vector(const torch::Tensor& t);

// One video's forward pass over its V test views.
struct VideoPass {
  torch::Tensor clip;    // [V, T, 3, H, W] as the model saw it (CPU)
  torch::Tensor frames;  // [V, T, D] frame embeddings
  method::HeadOutput head;
  torch::Tensor logits;  // [V, C] (CPU)
  torch::Tensor probs;   // [C] softmax, views averaged
};
VideoPass forward_video(ScoredModel& model, const torch::Tensor& clip);

// The frames of view 0 of clip [V, T, 3, H, W] as the model saw them, [T, H, W, 3] uint8 RGB:
// the pipeline's (last) normalize step is undone.
torch::Tensor seen_frames(const torch::Tensor& clip, const std::vector<data::TransformSpec>& pipeline);

// The class `label` names: a class name, or its id. ArgumentError naming --label otherwise.
std::int64_t label_class(const std::string& label, const std::vector<std::string>& names);

struct InferOptions {
  std::string checkpoint;  // as --checkpoint gives it (choose_checkpoint)
  std::string video;
  std::string label;       // the true class (name or id); empty: unknown
  std::string explain;     // the key-frame picture (PNG); empty: none
  std::int64_t topk = 5;
  std::function<void(const std::string&)> note;  // the line saying which weights were chosen
};
nlohmann::json infer_video(const SfarRunConfig& config, const InferOptions& options);

struct ExportFeaturesOptions {
  std::string checkpoint;  // as --checkpoint gives it
  std::string list;        // like data.list: a relative path that does not exist is looked up under data.root
  std::string out;         // .jsonl, .pt or .safetensors (ArgumentError naming --out otherwise)
  std::function<void(const std::string&)> note;
  engine::ProgressSlot progress;
};
nlohmann::json export_features(const SfarRunConfig& config, const ExportFeaturesOptions& options);

}  // namespace sfar::recipes
