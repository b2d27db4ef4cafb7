// The evaluation-time clip task that scripts/bench_data_peers.sh gives sfar and its peers
// (decord, PyAV, torchcodec): TSN's segment centres, the short side resized while decoding, a
// centre crop and CLIP's normalisation, one clip [T, 3, crop, crop] float at a time, read through
// the video loader (`workers` threads, one FFmpeg thread each).
//
//   ClipBenchOptions options{.list = "val.txt", .root = "videos"};
//   std::cout << run_clip_bench(options) << "\n";
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sfar/data/data_config.h"

namespace sfar::data {

struct ClipBenchOptions {
  std::string list;  // `<path> <label>` per line
  std::string root;
  std::int64_t workers = 1, rounds = 5, repeat = 8, frames = 8, short_side = 256, crop = 224;
};

// The task as a `data:` section. ArgumentError naming the options when workers, rounds or
// repeat is below 1.
DataConfig clip_bench_task(const ClipBenchOptions& options);

// Each record's clip, untimed, named clip_<i> in list order: what the peers' tensors are compared with.
std::vector<std::pair<std::string, torch::Tensor>> clip_bench_clips(const ClipBenchOptions& options);

// Times `rounds` rounds, each reading the list `repeat` times over in list order, one clip per
// batch. One JSON object: command, loader, workers, clips_per_round, clips_per_s (one per round),
// peak_rss_mb, and `clips`: each record's path, codec, width, height, frames and the frame
// indices the sampler takes, for the peers to read the same frames.
std::string run_clip_bench(const ClipBenchOptions& options);

}  // namespace sfar::data
