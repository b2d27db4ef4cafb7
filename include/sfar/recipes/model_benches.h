// The model benchmarks behind `sfar bench forward` and `sfar bench checkpoint`, on a randomly
// initialised CLIP of a given architecture (no data files needed). Each returns the JSON line the
// command prints; the command only parses its options and resolves the preset.
//
//   auto line = recipes::bench_forward(models::clip_preset("ViT-B/16"), {.batch = 8});
//   auto cost = recipes::bench_checkpoint(models::clip_preset("ViT-B/16"), {.runs = 5});
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "sfar/engine/precision.h"
#include "sfar/models/clip_config.h"

namespace sfar::recipes {

struct ForwardBenchOptions {
  std::int64_t batch = 1;  // images and texts per forward pass
  std::int64_t iters = 3;  // timed calls after one warm-up
  std::string device = "auto";
  engine::Precision precision = engine::Precision::kFp32;  // fp16 is refused: no loss to scale here
  std::uint64_t seed = 0;
};

// encode_image and encode_text ms per item (mean over `iters` calls), the model's build time and
// its parameter count. ArgumentError naming --batch, --iters or --precision for a bad option.
nlohmann::json bench_forward(const models::ClipConfig& config, const ForwardBenchOptions& options);

struct CheckpointBenchOptions {
  std::int64_t runs = 5;  // loads timed per case; medians are reported
  std::string dir;        // where the files go (kept); empty: a temporary folder, deleted
};

// What checking a file's integrity (core/file_integrity.h) costs: writes a training checkpoint
// (the model tensors, as the Trainer writes them), a `.pt` export and a `.safetensors` export,
// then the median ms of a checkpoint load without and with the CRC-32 check, and of the check
// alone for each file, with the files' sizes.
nlohmann::json bench_checkpoint(const models::ClipConfig& config, const CheckpointBenchOptions& options);

}  // namespace sfar::recipes
