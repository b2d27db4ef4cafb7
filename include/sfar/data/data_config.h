// The `data:` section of a configuration: where the dataset is, how its clips are sampled and
// transformed, and how the loader runs. Read with read_config<DataConfig>(tree.find("data"), "data").
//
//   data:
//     root: /data/hmdb51
//     list: splits/train1.txt
//     labels: labels/hmdb51/text4vis_hmdb51_labels.csv
//     sampler: segment
//     num_frames: 8
//     train_pipeline: [{type: random_resized_crop, size: 224}, {type: flip}, {type: normalize}]
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sfar/core/config_archive.h"
#include "sfar/core/name_table.h"
#include "sfar/data/bad_file_policy.h"
#include "sfar/data/clip_transforms.h"
#include "sfar/data/dataset_check.h"
#include "sfar/data/frame_sampler.h"
#include "sfar/data/video_list.h"
#include "sfar/io/video_limits.h"

namespace sfar::data {

// A transform of `type` with its defaults.
inline TransformSpec transform_spec(TransformType type) {
  TransformSpec spec;
  spec.type = type;
  return spec;
}

// The keys every reader of video clips shares, described once: `data:` of a run and `pretrain:`
// of `sfar pretrain` are this section plus their own keys (each sets its own defaults).
struct ClipSourceConfig {
  std::string root;                   // list paths are relative to it
  std::string list;
  SamplerKind sampler = SamplerKind::kSegment;  // a name of frame_samplers()
  std::int64_t num_frames = 8;
  std::int64_t stride = 1;            // dense only
  std::int64_t short_side = 256;      // resize while decoding; 0: native
  // Set by `sfar data prepare` in the data.yaml it writes: the short side its videos were
  // re-encoded at. A larger (or native) short_side would upscale them, so the loader refuses it.
  std::int64_t prepared_short_side = 0;  // 0: not a prepared copy
  std::int64_t decoder_threads = 1;
  // Largest frame (width x height) a video may declare; larger is a bad file, refused before
  // a frame of it is allocated. Default 8192x8192 (io::kDefaultMaxFramePixels): 8K fits.
  std::int64_t max_frame_pixels = io::kDefaultMaxFramePixels;
  std::vector<TransformSpec> train_pipeline = {transform_spec(TransformType::kRandomResizedCrop),
                                               transform_spec(TransformType::kFlip),
                                               transform_spec(TransformType::kNormalize)};
  std::vector<TransformSpec> test_pipeline = {transform_spec(TransformType::kCenterCrop),
                                              transform_spec(TransformType::kNormalize)};
  BadFilePolicy bad_file_policy;      // skip | raise | "retry N"; skip by default
  std::int64_t workers = 4;
  std::int64_t prefetch = 8;

  template <class A>
  void visit(A& a) {
    a("root", root);
    a("list", list);
    a("sampler", sampler, frame_samplers());
    a("num_frames", num_frames, cfg::at_least(1));
    a("stride", stride, cfg::at_least(1));
    a("short_side", short_side, cfg::non_negative());
    a("prepared_short_side", prepared_short_side, cfg::non_negative());
    a("decoder_threads", decoder_threads, cfg::non_negative());
    a("max_frame_pixels", max_frame_pixels, cfg::in_range(1, 2147483647));  // FFmpeg's bound: INT_MAX
    a("train_pipeline", train_pipeline);
    a("test_pipeline", test_pipeline);
    a("bad_file_policy", bad_file_policy);
    a("workers", workers, cfg::non_negative());
    a("prefetch", prefetch, cfg::at_least(1));
  }
};

struct DataConfig : ClipSourceConfig {
  VideoListFormat format = VideoListFormat::kPathLabel;  // a name of video_list_formats()
  std::string labels;                 // class-name file; empty: labels are only range-checked
  bool multi_label = false;           // path_label/raw_frames lines "<path> <l1>,<l2>,..." (Charades)
  std::string frame_pattern = "img_{:05d}.jpg";
  std::int64_t clips = 1;             // test views
  std::int64_t batch_size = 8;

  template <class A>
  void visit(A& a) {
    ClipSourceConfig::visit(a);
    a("format", format, video_list_formats());
    a("labels", labels);
    a("multi_label", multi_label);
    a("frame_pattern", frame_pattern, cfg::non_empty());
    a("clips", clips, cfg::at_least(1));
    a("batch_size", batch_size, cfg::at_least(1));
  }
};

// Reads the `data:` section of the config files (later files and `--set` overrides win).
// ConfigError when the section is missing or wrong.
DataConfig load_data_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides = {});

// The class names from `labels` (empty when unset) and the records of `list`; paths are used
// as written (relative to the working directory).
std::vector<std::string> load_class_names(const DataConfig& config);
std::vector<VideoRecord> load_records(const DataConfig& config, const std::vector<std::string>& class_names);
std::shared_ptr<const FrameSampler> make_sampler(const DataConfig& config);

// `sfar data check` of the config's list: its records checked against its root, frame pattern,
// class names and frame size limit (check_dataset). `progress` gets (0, records) first, then
// (done, records) as the check goes.
DatasetCheckReport check_data_config(const DataConfig& config, bool decode,
                                     const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace sfar::data
