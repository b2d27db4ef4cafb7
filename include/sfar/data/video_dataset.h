// A video dataset: annotation records + a root folder + a frame sampler + a transform
// pipeline. Sample i of epoch e is decoded, sampled and transformed with random choices
// that depend only on (seed, e, i), so any number of loader workers gives the same samples.
// Bad files (missing, empty, truncated, not a video) follow the BadFilePolicy.
//
//   VideoDataset ds(records, make_frame_sampler("segment", 8, 1, 1), make_clip_pipeline(specs),
//                   VideoDatasetOptions{.root = "/data/hmdb51", .short_side = 256});
//   VideoSample s = ds.get(17, /*epoch=*/0);  // s.clip: [V, T, 3, H, W]
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sfar/data/bad_file_policy.h"
#include "sfar/data/clip_transforms.h"
#include "sfar/data/data_config.h"
#include "sfar/data/frame_sampler.h"
#include "sfar/data/video_list.h"

namespace sfar::data {

struct VideoDatasetOptions {
  std::string root;                         // record paths are relative to it (absolute ones stay)
  SampleMode mode = SampleMode::kTrain;
  std::int64_t short_side = 0;              // resize while decoding; 0: native size
  std::int64_t decoder_threads = 1;         // FFmpeg threads per file; 0: FFmpeg decides
  std::int64_t max_frame_pixels = io::kDefaultMaxFramePixels;  // larger frames: a bad file
  std::string frame_pattern = "img_{:05d}.jpg";  // for records that are frame folders
  BadFilePolicy bad_files;
  std::uint64_t seed = 0;
  std::int64_t max_replacement_tries = 32;  // skip: distinct samples tried before giving up
};

struct VideoSample {
  torch::Tensor clip;                // [V, T, 3, H, W] float
  std::vector<std::int64_t> labels;
  std::int64_t index = -1;           // the index asked for
  std::int64_t source_index = -1;    // the record actually read (differs after a replacement)
  std::string path;                  // the file or folder actually read
};

// Time spent per stage, summed over all samples read (all threads).
struct DatasetTimings {
  std::int64_t clips = 0;
  double decode_s = 0.0;     // open, index, seek, decode, convert
  double transform_s = 0.0;  // to tensor + pipeline
};

class VideoDataset {
 public:
  // ArgumentError when `records` is empty or `sampler` is null.
  VideoDataset(std::vector<VideoRecord> records, std::shared_ptr<const FrameSampler> sampler,
               ClipTransform pipeline, VideoDatasetOptions options);

  std::int64_t size() const { return static_cast<std::int64_t>(records_.size()); }
  const std::vector<VideoRecord>& records() const { return records_; }
  const VideoDatasetOptions& options() const { return options_; }
  // Root-joined path of record i.
  std::string resolve(std::int64_t index) const;

  // Sample `index` of `epoch` under the bad-file policy. Throws (naming the file) under
  // `raise`, or when `skip` found no readable replacement.
  VideoSample get(std::int64_t index, std::uint64_t epoch) const;
  // Reads record `index` as it is; any failure throws IoError/FormatError naming the file.
  VideoSample load(std::int64_t index, std::uint64_t epoch) const;

  // The thread-safe log that get() adds to (hence reachable from a const dataset, as get()
  // is); a resumed run restores it.
  BadFileLog& bad_files() const { return *bad_files_; }
  DatasetTimings timings() const;

 private:
  std::vector<VideoRecord> records_;
  std::shared_ptr<const FrameSampler> sampler_;
  ClipTransform pipeline_;
  VideoDatasetOptions options_;
  std::shared_ptr<BadFileLog> bad_files_;
  mutable std::atomic<std::int64_t> clips_{0}, decode_ns_{0}, transform_ns_{0};
};

// ConfigError naming data.short_side when the section points at a copy `sfar data prepare` made
// at a smaller short side (data.prepared_short_side): the loader would upscale it in silence.
void check_prepared_short_side(const ClipSourceConfig& config);

// The dataset a `data:` section describes over `records`: its root, sampler, decoding options,
// bad-file policy and the train or test pipeline by `mode`. The one place that turns a
// DataConfig into VideoDatasetOptions. Calls check_prepared_short_side.
std::shared_ptr<const VideoDataset> make_video_dataset(const DataConfig& config, std::vector<VideoRecord> records,
                                                       SampleMode mode, std::uint64_t seed);

}  // namespace sfar::data
