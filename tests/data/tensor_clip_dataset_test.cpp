// The dataset reads tensor clips (io/tensor_clip.h) where a list names a .safetensors file:
// the sampler's frames, the transforms, the bad-file policy, as for a video.
#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/data/video_dataset.h"
#include "support/tensor_clip_file.h"
#include "support/test_data.h"

namespace sfar::data {
namespace {

// 16 frames of 4 x 6 pixels; every byte of frame t is 10 t.
std::string write_counting_clip(const test::TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name);
  test::write_tensor_file(path, "frames", "U8", "[16,4,6,3]", 16 * 4 * 6 * 3,
                          [](std::size_t i) { return static_cast<std::uint8_t>(10 * (i / (4 * 6 * 3))); });
  return path;
}

VideoDataset make(const test::TempDir& dir, const std::string& file, std::int64_t short_side,
                  const std::string& policy = "raise") {
  VideoDatasetOptions options;
  options.root = dir.path().string();
  options.mode = SampleMode::kTest;
  options.short_side = short_side;
  options.bad_files = parse_bad_file_policy(policy);
  VideoRecord record;
  record.path = file;
  record.labels = {2};
  return VideoDataset({record}, make_frame_sampler("segment", 8, 1, 1), make_clip_pipeline({}), options);
}

TEST(TensorClipDataset, SampleHoldsTheFramesTheSamplerChose) {
  test::TempDir dir;
  write_counting_clip(dir, "a.safetensors");
  const VideoSample s = make(dir, "a.safetensors", 4).get(0, 0);
  ASSERT_EQ(s.clip.sizes(), (std::vector<std::int64_t>{1, 8, 3, 4, 6}));
  EXPECT_EQ(s.labels, std::vector<std::int64_t>{2});
  const auto chosen = SegmentSampler({8, 1}).sample(16, SampleMode::kTest, 0).front();
  for (std::size_t t = 0; t < chosen.size(); ++t) {
    const auto frame = s.clip[0][static_cast<std::int64_t>(t)];
    EXPECT_TRUE(torch::allclose(frame, torch::full_like(frame, 10.0 * static_cast<double>(chosen[t]) / 255.0)))
        << "frame " << chosen[t];
  }
}

// Stored frames are resized to data.short_side as decoded ones are.
TEST(TensorClipDataset, ResizesToTheShortSide) {
  test::TempDir dir;
  write_counting_clip(dir, "a.safetensors");
  EXPECT_EQ(make(dir, "a.safetensors", 8).get(0, 0).clip.sizes(), (std::vector<std::int64_t>{1, 8, 3, 8, 12}));
}

TEST(TensorClipDataset, ABrokenClipFollowsTheBadFilePolicy) {
  test::TempDir dir;
  test::write_tensor_file(dir.file("b.safetensors"), "frames", "F32", "[1,1,1,3]", 12, [](std::size_t) { return 0; });
  EXPECT_THROW(make(dir, "b.safetensors", 0).get(0, 0), FormatError);
}

}  // namespace
}  // namespace sfar::data
