#include "sfar/data/video_dataset.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include "sfar/core/error.h"
#include "sfar/io/frame_folder_reader.h"
#include "sfar/io/image_file.h"
#include "sfar/io/tensor_clip.h"
#include "sfar/io/video_reader.h"

namespace sfar::data {
namespace {

std::int64_t ns_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
      .count();
}

// Frames [N, H, W, 3] -> one uint8 tensor; all frames must share one size.
torch::Tensor stack_frames(const std::vector<io::RgbFrame>& frames, const std::string& path) {
  const int h = frames.front().height, w = frames.front().width;
  auto out = torch::empty({static_cast<std::int64_t>(frames.size()), h, w, 3}, torch::kUInt8);
  const std::size_t bytes = static_cast<std::size_t>(h) * w * 3;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].height != h || frames[i].width != w || frames[i].data.size() != bytes) {
      throw FormatError(path, "frames of one video differ in size",
                        std::to_string(frames[i].width) + "x" + std::to_string(frames[i].height));
    }
    std::memcpy(out.data_ptr<std::uint8_t>() + i * bytes, frames[i].data.data(), bytes);
  }
  return out;
}

}  // namespace

VideoDataset::VideoDataset(std::vector<VideoRecord> records, std::shared_ptr<const FrameSampler> sampler,
                           ClipTransform pipeline, VideoDatasetOptions options)
    : records_(std::move(records)),
      sampler_(std::move(sampler)),
      pipeline_(std::move(pipeline)),
      options_(std::move(options)),
      bad_files_(std::make_shared<BadFileLog>()) {
  if (records_.empty()) throw ArgumentError(options_.root, "the dataset has no records");
  if (!sampler_) throw ArgumentError("VideoDataset", "no frame sampler given");
}

std::string VideoDataset::resolve(std::int64_t index) const {
  const std::filesystem::path path(records_.at(static_cast<std::size_t>(index)).path);
  if (path.is_absolute() || options_.root.empty()) return path.string();
  return (std::filesystem::path(options_.root) / path).string();
}

VideoSample VideoDataset::load(std::int64_t index, std::uint64_t epoch) const {
  if (index < 0 || index >= size()) {
    throw ArgumentError("VideoDataset", "sample index out of range [0, " + std::to_string(size()) + ")",
                        std::to_string(index));
  }
  const VideoRecord& record = records_[static_cast<std::size_t>(index)];
  const std::string path = resolve(index);
  const std::uint64_t seed = seed_for(options_.seed, epoch, static_cast<std::uint64_t>(index));

  const auto decode_start = std::chrono::steady_clock::now();
  std::vector<Clip> clips;
  std::vector<io::RgbFrame> frames;
  auto pick = [&](std::int64_t available) {
    const std::int64_t first = std::max<std::int64_t>(0, record.start_frame);
    std::int64_t last = record.end_frame >= 0 ? std::min(record.end_frame, available - 1) : available - 1;
    if (last < first) {
      throw FormatError(path, "no frames in the annotated range (" + record.origin + ")",
                        std::to_string(first) + ".." + std::to_string(record.end_frame));
    }
    clips = sampler_->sample(last - first + 1, options_.mode, seed);
    std::vector<std::int64_t> wanted;
    for (const Clip& clip : clips) {
      for (const std::int64_t i : clip) wanted.push_back(first + i);
    }
    return wanted;
  };
  if (io::is_tensor_clip_path(path)) {
    const io::TensorClip clip(path);
    frames = clip.read_frames(pick(clip.frame_count()));
    // Stored frames are resized like decoded ones (io::resize_short_side, which a binary without
    // OpenCV lacks: it then reads clips stored at data.short_side only).
    if (options_.short_side > 0 && std::min(clip.width(), clip.height()) != options_.short_side) {
      for (auto& frame : frames) frame = io::resize_short_side(frame, static_cast<int>(options_.short_side));
    }
  } else if (record.num_frames >= 0 || std::filesystem::is_directory(path)) {
    io::FrameFolderOptions folder_options;
    folder_options.pattern = options_.frame_pattern;
    folder_options.short_side = static_cast<int>(options_.short_side);
    io::FrameFolderReader folder(path, folder_options);
    std::int64_t available = folder.frame_count();
    if (record.num_frames > 0) available = std::min(available, record.num_frames);
    frames = folder.read_frames(pick(available));
  } else {
    io::VideoReader reader(path, io::VideoReadOptions()
                                     .short_side(static_cast<int>(options_.short_side))
                                     .threads(static_cast<int>(options_.decoder_threads))
                                     .max_pixels(options_.max_frame_pixels));
    if (reader.info().frames <= 0) throw FormatError(path, "the video has no frames");
    frames = reader.read_frames(pick(reader.info().frames));
  }
  decode_ns_ += ns_since(decode_start);

  const auto transform_start = std::chrono::steady_clock::now();
  const auto views = static_cast<std::int64_t>(clips.size());
  const auto length = static_cast<std::int64_t>(clips.front().size());
  ClipSample sample{frames_to_clip(stack_frames(frames, path)), record.labels};
  sample.clip = sample.clip.reshape({views, length, 3, sample.clip.size(3), sample.clip.size(4)});
  std::mt19937_64 rng(seed_for(seed, 0x7472616e73ULL, 0));  // independent of the sampler's draws
  pipeline_(sample, rng);
  transform_ns_ += ns_since(transform_start);
  ++clips_;
  return VideoSample{std::move(sample.clip), std::move(sample.labels), index, index, path};
}

VideoSample VideoDataset::get(std::int64_t index, std::uint64_t epoch) const {
  const BadFilePolicy& policy = options_.bad_files;
  const std::int64_t attempts = policy.kind == BadFilePolicy::Kind::kRetry ? 1 + policy.retries : 1;
  for (std::int64_t attempt = 0; attempt < attempts; ++attempt) {
    try {
      return load(index, epoch);
    } catch (const Error& e) {
      bad_files_->record(resolve(index), e.what());
      if (policy.kind == BadFilePolicy::Kind::kRaise) throw;
    }
  }
  // Replacement: candidates drawn from (seed, epoch, index) alone, so the choice does not
  // depend on which worker got here first; files already known bad are passed over.
  std::mt19937_64 rng(seed_for(options_.seed, epoch, static_cast<std::uint64_t>(index)) ^
                      0x5eed5eed5eed5eedULL);
  for (std::int64_t tries = 0; tries < options_.max_replacement_tries && size() > 1;) {
    const auto j = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(size()));
    if (j == index) continue;
    ++tries;
    if (bad_files_->contains(resolve(j))) continue;
    try {
      VideoSample sample = load(j, epoch);
      sample.index = index;
      bad_files_->count_replacement();
      return sample;
    } catch (const Error& e) {
      bad_files_->record(resolve(j), e.what());
    }
  }
  throw IoError(resolve(index), "unreadable, and no readable replacement found after " +
                                    std::to_string(options_.max_replacement_tries) + " tries");
}

DatasetTimings VideoDataset::timings() const {
  return DatasetTimings{clips_.load(), static_cast<double>(decode_ns_.load()) * 1e-9,
                        static_cast<double>(transform_ns_.load()) * 1e-9};
}

void check_prepared_short_side(const ClipSourceConfig& config) {
  const std::int64_t prepared = config.prepared_short_side;
  if (prepared == 0 || (config.short_side > 0 && config.short_side <= prepared)) return;
  throw ConfigError("data.short_side",
                    "the videos under " + config.root + " were re-encoded by `sfar data prepare` at a short side of " +
                        std::to_string(prepared) + " (data.prepared_short_side), so they would be upscaled; prepare "
                        "them again with --short-side " + std::to_string(config.short_side) +
                        " or train on the source videos",
                    config.short_side == 0 ? "0 (native)" : std::to_string(config.short_side));
}

std::shared_ptr<const VideoDataset> make_video_dataset(const DataConfig& config, std::vector<VideoRecord> records,
                                                       SampleMode mode, std::uint64_t seed) {
  check_prepared_short_side(config);
  VideoDatasetOptions options;
  options.root = config.root;
  options.mode = mode;
  options.short_side = config.short_side;
  options.decoder_threads = config.decoder_threads;
  options.max_frame_pixels = config.max_frame_pixels;
  options.frame_pattern = config.frame_pattern;
  options.bad_files = config.bad_file_policy;
  options.seed = seed;
  const auto& pipeline = mode == SampleMode::kTrain ? config.train_pipeline : config.test_pipeline;
  return std::make_shared<const VideoDataset>(std::move(records), make_sampler(config), make_clip_pipeline(pipeline),
                                              options);
}

}  // namespace sfar::data
