#include "sfar/data/frame_sampler.h"

#include <algorithm>
#include <random>

#include "sfar/core/error.h"
#include "sfar/core/name_table.h"

namespace sfar::data {
namespace {

// SplitMix64: a well-mixed 64-bit hash, so that neighbouring indices get unrelated seeds.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void require_frames(std::int64_t num_frames) {
  if (num_frames <= 0) {
    throw ArgumentError("frame sampler", "a video needs at least one frame",
                        std::to_string(num_frames));
  }
}

void require_positive(const char* what, std::int64_t value) {
  if (value <= 0) throw ArgumentError(what, "must be positive", std::to_string(value));
}

}  // namespace

std::uint64_t seed_for(std::uint64_t run_seed, std::uint64_t epoch, std::uint64_t index) {
  return mix(mix(mix(run_seed) ^ epoch) ^ index);
}

SegmentSampler::SegmentSampler(SegmentSamplerOptions options) : options_(options) {
  require_positive("num_segments", options_.num_segments);
  require_positive("num_clips", options_.num_clips);
}

std::vector<Clip> SegmentSampler::sample(std::int64_t num_frames, SampleMode mode,
                                         std::uint64_t seed) const {
  require_frames(num_frames);
  const std::int64_t segments = options_.num_segments;
  const double length = static_cast<double>(num_frames) / static_cast<double>(segments);
  std::vector<Clip> clips;
  if (mode == SampleMode::kTrain) {
    std::mt19937_64 rng(seed);
    Clip clip(segments);
    for (std::int64_t s = 0; s < segments; ++s) {
      // Frames whose index falls in [s*length, (s+1)*length); at least one frame per segment
      // even when the video is shorter than the number of segments.
      const auto begin = static_cast<std::int64_t>(s * length);
      const auto end = std::max(begin + 1, static_cast<std::int64_t>((s + 1) * length));
      std::uniform_int_distribution<std::int64_t> pick(begin, end - 1);
      clip[s] = std::min(pick(rng), num_frames - 1);
    }
    clips.push_back(std::move(clip));
    return clips;
  }
  const std::int64_t views = options_.num_clips;
  for (std::int64_t v = 0; v < views; ++v) {
    // View v sits at fraction (v + 0.5) / views inside every segment; one view = the centre.
    const double offset = length * (static_cast<double>(v) + 0.5) / static_cast<double>(views);
    Clip clip(segments);
    for (std::int64_t s = 0; s < segments; ++s) {
      clip[s] = std::min(static_cast<std::int64_t>(s * length + offset), num_frames - 1);
    }
    clips.push_back(std::move(clip));
  }
  return clips;
}

std::string SegmentSampler::describe() const {
  return "segment(num_segments=" + std::to_string(options_.num_segments) +
         ", num_clips=" + std::to_string(options_.num_clips) + ")";
}

DenseSampler::DenseSampler(DenseSamplerOptions options) : options_(options) {
  require_positive("clip_length", options_.clip_length);
  require_positive("stride", options_.stride);
  require_positive("num_clips", options_.num_clips);
}

std::vector<Clip> DenseSampler::sample(std::int64_t num_frames, SampleMode mode,
                                       std::uint64_t seed) const {
  require_frames(num_frames);
  const std::int64_t span = (options_.clip_length - 1) * options_.stride + 1;
  const std::int64_t last_start = std::max<std::int64_t>(0, num_frames - span);
  auto clip_at = [&](std::int64_t start) {
    Clip clip(options_.clip_length);
    for (std::int64_t i = 0; i < options_.clip_length; ++i) {
      clip[i] = std::min(start + i * options_.stride, num_frames - 1);
    }
    return clip;
  };
  std::vector<Clip> clips;
  if (mode == SampleMode::kTrain) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> pick(0, last_start);
    clips.push_back(clip_at(pick(rng)));
    return clips;
  }
  const std::int64_t views = options_.num_clips;
  for (std::int64_t v = 0; v < views; ++v) {
    const std::int64_t start =
        views == 1 ? last_start / 2
                   : static_cast<std::int64_t>(static_cast<double>(last_start) * v / (views - 1) + 0.5);
    clips.push_back(clip_at(start));
  }
  return clips;
}

std::string DenseSampler::describe() const {
  return "dense(clip_length=" + std::to_string(options_.clip_length) +
         ", stride=" + std::to_string(options_.stride) +
         ", num_clips=" + std::to_string(options_.num_clips) + ")";
}

UniformSampler::UniformSampler(std::int64_t num_frames_out) : count_(num_frames_out) {
  require_positive("num_frames", count_);
}

std::vector<Clip> UniformSampler::sample(std::int64_t num_frames, SampleMode,
                                         std::uint64_t) const {
  require_frames(num_frames);
  Clip clip(count_);
  for (std::int64_t i = 0; i < count_; ++i) {
    // Centres of count_ equal parts of [0, num_frames).
    clip[i] = std::min(static_cast<std::int64_t>((i + 0.5) * num_frames / count_), num_frames - 1);
  }
  return {clip};
}

std::string UniformSampler::describe() const {
  return "uniform(num_frames=" + std::to_string(count_) + ")";
}

const std::vector<SamplerEntry>& frame_samplers() {
  static const std::vector<SamplerEntry> table = {
      {"segment", SamplerKind::kSegment, "TSN: one frame per equal segment, random in training, centred in testing",
       [](std::int64_t frames, std::int64_t, std::int64_t clips) -> std::unique_ptr<FrameSampler> {
         return std::make_unique<SegmentSampler>(SegmentSamplerOptions{frames, clips});
       }},
      {"dense", SamplerKind::kDense, "consecutive frames `stride` apart from a random (training) or spaced start",
       [](std::int64_t frames, std::int64_t stride, std::int64_t clips) -> std::unique_ptr<FrameSampler> {
         return std::make_unique<DenseSampler>(DenseSamplerOptions{frames, stride, clips});
       }},
      {"uniform", SamplerKind::kUniform, "frames evenly spread over the whole video, the same in training",
       [](std::int64_t frames, std::int64_t, std::int64_t) -> std::unique_ptr<FrameSampler> {
         return std::make_unique<UniformSampler>(frames);
       }},
  };
  return table;
}

std::unique_ptr<FrameSampler> make_frame_sampler(SamplerKind kind, std::int64_t num_frames, std::int64_t stride,
                                                 std::int64_t num_clips) {
  return entry_of(frame_samplers(), kind).make(num_frames, stride, num_clips);
}

std::unique_ptr<FrameSampler> make_frame_sampler(const std::string& name, std::int64_t num_frames,
                                                 std::int64_t stride, std::int64_t num_clips) {
  return find_entry(frame_samplers(), name, "sampler", "sampler").make(num_frames, stride, num_clips);
}

}  // namespace sfar::data
