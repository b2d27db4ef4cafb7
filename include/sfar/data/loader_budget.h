// What a video loader will ask of this machine, checked from the config before anything is
// allocated: a worker count no machine can run, or clips no memory can hold, is a ConfigError
// naming the key and the estimate instead of a bare std::bad_alloc or "Resource temporarily
// unavailable" once the run has started.
//
//   data::check_loader_budget(config.data, {.section = "data", .workers_key = "data.workers",
//                                           .workers = config.data.workers, .batch_size = 8});
#pragma once

#include <cstdint>
#include <string>

#include "sfar/data/data_config.h"

namespace sfar::data {

struct LoaderDemand {
  std::string section = "data";          // prefix of the clip-source keys in messages
  std::string workers_key = "data.workers";
  std::int64_t workers = 0;              // loader threads (0: the caller's thread)
  std::int64_t batch_size = 1;           // videos stacked into one batch
  std::int64_t clips = 1;                // clips sampled per video (test views)
  const std::vector<TransformSpec>* pipeline = nullptr;  // the transforms applied (crop size, crops)
};

// At most this many loader workers or decoder threads: 8 per core.
std::int64_t max_loader_threads();
// This machine's physical memory in bytes (0 when unknown: then nothing is refused for memory).
std::uint64_t physical_memory_bytes();

// A lower bound of the bytes the loader holds at once: each worker's decoded clip (uint8 frames
// of at least short_side x short_side, and their float copy) and one batch of transformed clips
// (float, the pipeline's crop side; the decoded side without a crop).
double loader_bytes_lower_bound(const ClipSourceConfig& source, const LoaderDemand& demand);

// ConfigError naming `workers_key` (above max_loader_threads()), `<section>.decoder_threads`
// (same), or `<section>.num_frames` / `<section>.short_side` when loader_bytes_lower_bound exceeds
// `memory_bytes`, with the estimate.
void check_loader_budget(const ClipSourceConfig& source, const LoaderDemand& demand,
                         std::uint64_t memory_bytes = physical_memory_bytes());

}  // namespace sfar::data
