// Measuring the video loader against two references on the same samples:
//  - baseline: open the file, decode and convert every frame at native size, keep the wanted
//    ones, then resize + the same crop/flip/normalise pipeline (what a naive loader does);
//  - limit: FFmpeg decoding only the frames that must be decoded, without conversion.
// All three use one thread each when `workers` is 1, so the ratios compare work per clip.
//
//   auto result = run_loader_bench(records, {.root = root, .batches = 20});
//   result.loader.ms_per_clip / result.limit_ms_per_clip  // target <= 1.3
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/data/video_list.h"

namespace sfar::data {

struct LoaderBenchOptions {
  std::string root;
  std::int64_t batches = 20;
  std::int64_t batch_size = 8;
  std::int64_t workers = 1;
  std::int64_t prefetch = 4;
  std::int64_t num_frames = 8;     // TSN segments, training mode
  std::int64_t crop = 224;
  std::int64_t short_side = 256;   // resize while decoding (loader) / after converting (baseline)
  std::int64_t decoder_threads = 1;  // FFmpeg threads inside one clip (frame and slice threading); 0 = FFmpeg decides
  std::int64_t reference_clips = 0;  // clips timed for baseline and limit; 0: all loader clips
  std::uint64_t seed = 0;
};

struct LoaderBenchResult {
  std::int64_t clips = 0;
  double seconds = 0.0;
  double clips_per_s = 0.0;
  double ms_per_clip = 0.0;            // wall time per clip (per worker when workers > 1)
  double decode_ms_per_clip = 0.0;     // summed over workers
  double transform_ms_per_clip = 0.0;
  std::int64_t bad_files = 0;
  double peak_rss_mb = 0.0;            // sfar::peak_rss_mb() after the loader run
  std::int64_t reference_clips = 0;
  double baseline_ms_per_clip = 0.0;
  double limit_ms_per_clip = 0.0;
  double sample_ms_per_clip = 0.0;     // the loader's per-sample path, timed beside the references
  double speedup_vs_baseline = 0.0;    // baseline / sample
  double ratio_to_limit = 0.0;         // sample / limit
  double decode_ratio_to_limit = 0.0;  // decode stage (decode + convert + resize) / limit, interleaved
};

LoaderBenchResult run_loader_bench(const std::vector<VideoRecord>& records, const LoaderBenchOptions& options);

// Re-encodes each distinct video of `records` into `dir` with the ffmpeg command-line tool
// (H.264, a key frame every `interval` frames, no scene-cut key frames) and returns records
// pointing there (absolute paths). IoError names the file when ffmpeg fails.
std::vector<VideoRecord> reencode_with_key_frames(const std::vector<VideoRecord>& records, const std::string& root,
                                                  const std::string& dir, std::int64_t interval);

// run_loader_bench on copies of the videos re-encoded with a key frame every `interval` frames
// (reencode_with_key_frames) in a fresh temporary folder, removed afterwards, failure or not.
LoaderBenchResult run_rekeyed_loader_bench(const std::vector<VideoRecord>& records, LoaderBenchOptions options,
                                           std::int64_t interval);

// One run as the JSON object `sfar bench data` prints: `set`, every field of `r`,
// `target_speedup`, and the sizing: clips_per_s_per_core (each of `workers` runs on one core;
// fewer than 1 counts as 1) and, when `step_rate` (clips/s a training step consumes) is positive,
// step_rate and cores_needed, the cores whose clips/s reach it (-1 when nothing loaded).
std::string loader_bench_json(const std::string& set, const LoaderBenchResult& r, double target_speedup,
                              std::int64_t workers, double step_rate);

}  // namespace sfar::data
