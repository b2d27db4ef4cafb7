// Choosing which frames of a video to decode. Samplers return frame indices only; decoding
// happens elsewhere, so a sampler can be tested with plain numbers.
//
//   SegmentSampler tsn({.num_segments = 8});
//   auto clips = tsn.sample(300, SampleMode::kTrain, seed_for(seed, epoch, index));
//   // clips.size() == 1, clips[0].size() == 8, one random frame per segment
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sfar::data {

enum class SampleMode { kTrain, kTest };

// One clip = the frame indices fed to the model together; test-time sampling may give
// several clips per video (multi-view testing).
using Clip = std::vector<std::int64_t>;

class FrameSampler {
 public:
  virtual ~FrameSampler() = default;
  // `num_frames` > 0. Deterministic for a given seed.
  virtual std::vector<Clip> sample(std::int64_t num_frames, SampleMode mode,
                                   std::uint64_t seed) const = 0;
  virtual std::string describe() const = 0;
};

// TSN segment sampling: the video is cut into `num_segments` equal segments; training takes
// one random frame per segment, testing the centre frame of each. With `num_clips` > 1 at
// test time, the clips take evenly shifted positions inside the segments.
struct SegmentSamplerOptions {
  std::int64_t num_segments = 8;
  std::int64_t num_clips = 1;  // test only
};

class SegmentSampler final : public FrameSampler {
 public:
  explicit SegmentSampler(SegmentSamplerOptions options);
  std::vector<Clip> sample(std::int64_t num_frames, SampleMode mode,
                           std::uint64_t seed) const override;
  std::string describe() const override;

 private:
  SegmentSamplerOptions options_;
};

// Dense clips: `clip_length` frames `stride` apart. Training takes one clip at a random start;
// testing takes `num_clips` clips with evenly spaced starts. Indices past the end wrap to the
// last frame, so short videos still give full clips.
struct DenseSamplerOptions {
  std::int64_t clip_length = 8;
  std::int64_t stride = 8;
  std::int64_t num_clips = 1;  // test only
};

class DenseSampler final : public FrameSampler {
 public:
  explicit DenseSampler(DenseSamplerOptions options);
  std::vector<Clip> sample(std::int64_t num_frames, SampleMode mode,
                           std::uint64_t seed) const override;
  std::string describe() const override;

 private:
  DenseSamplerOptions options_;
};

// Uniform: `num_frames_out` indices evenly spread over the whole video, the same in training
// and testing.
class UniformSampler final : public FrameSampler {
 public:
  explicit UniformSampler(std::int64_t num_frames_out);
  std::vector<Clip> sample(std::int64_t num_frames, SampleMode mode,
                           std::uint64_t seed) const override;
  std::string describe() const override;

 private:
  std::int64_t count_;
};

// A per-sample seed from (run seed, epoch, sample index): the same sample gets the same
// random choices whatever the number of loader workers or the order they run in.
std::uint64_t seed_for(std::uint64_t run_seed, std::uint64_t epoch, std::uint64_t index);

// The one table of samplers (table order is enumerator order): `data.sampler`'s names, its help
// and the error for an unknown name come from it. `make` takes the clip length in frames, the
// dense stride and the test-time clips per video (each sampler reads what applies to it).
enum class SamplerKind { kSegment, kDense, kUniform };
struct SamplerEntry {
  const char* name;
  SamplerKind value;
  const char* description;
  std::unique_ptr<FrameSampler> (*make)(std::int64_t num_frames, std::int64_t stride, std::int64_t num_clips);
};
const std::vector<SamplerEntry>& frame_samplers();

std::unique_ptr<FrameSampler> make_frame_sampler(SamplerKind kind, std::int64_t num_frames, std::int64_t stride,
                                                 std::int64_t num_clips);
// By name; ArgumentError naming `sampler`, the name and every known one otherwise.
std::unique_ptr<FrameSampler> make_frame_sampler(const std::string& name, std::int64_t num_frames,
                                                 std::int64_t stride, std::int64_t num_clips);

}  // namespace sfar::data
