// Tensor clips (.safetensors, uint8 frames [N, H, W, 3]): the frames asked for, byte for byte,
// and a FormatError or ArgumentError naming the file for anything else.
#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/io/tensor_clip.h"
#include "support/tensor_clip_file.h"
#include "support/test_data.h"

namespace sfar::io {
namespace {

// A tensor file in `dir` whose bytes count up from `first` (mod 256).
std::string write_clip(const test::TempDir& dir, const std::string& file, const std::string& name,
                       const std::string& dtype, const std::string& shape, std::size_t bytes, int first = 0) {
  const std::string path = dir.file(file);
  test::write_tensor_file(path, name, dtype, shape, bytes,
                          [first](std::size_t i) { return static_cast<std::uint8_t>((first + i) & 0xff); });
  return path;
}

TEST(TensorClip, ReadsTheFramesAskedForInOrder) {
  test::TempDir dir;
  const std::size_t frame = 2 * 3 * 3;  // H 2, W 3
  const std::string path = write_clip(dir, "c.safetensors", "frames", "U8", "[4,2,3,3]", 4 * frame, 5);
  const TensorClip clip(path);
  EXPECT_EQ(clip.frame_count(), 4);
  EXPECT_EQ(clip.height(), 2);
  EXPECT_EQ(clip.width(), 3);
  const auto frames = clip.read_frames({3, 0, 3});
  ASSERT_EQ(frames.size(), 3u);
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const std::size_t index = k == 1 ? 0 : 3;
    EXPECT_EQ(frames[k].width, 3);
    EXPECT_EQ(frames[k].height, 2);
    ASSERT_EQ(frames[k].data.size(), frame);
    for (std::size_t i = 0; i < frame; ++i) EXPECT_EQ(frames[k].data[i], (5 + index * frame + i) & 0xff) << k << " " << i;
  }
}

TEST(TensorClip, OutOfRangeIndexNamesTheFile) {
  test::TempDir dir;
  const std::string path = write_clip(dir, "c.safetensors", "frames", "U8", "[2,1,1,3]", 6);
  const TensorClip clip(path);
  for (const std::int64_t bad : {std::int64_t{2}, std::int64_t{-1}}) {
    try {
      clip.read_frames({0, bad});
      FAIL() << bad;
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
  }
}

TEST(TensorClip, WrongTensorsAreFormatErrors) {
  test::TempDir dir;
  const std::vector<std::string> bad = {
      write_clip(dir, "f32.safetensors", "frames", "F32", "[1,1,1,3]", 12),
      write_clip(dir, "gray.safetensors", "frames", "U8", "[2,2,2]", 8),
      write_clip(dir, "four.safetensors", "frames", "U8", "[1,1,1,4]", 4),
      write_clip(dir, "empty.safetensors", "frames", "U8", "[0,2,2,3]", 0),
      write_clip(dir, "named.safetensors", "images", "U8", "[1,1,1,3]", 3),
  };
  for (const auto& path : bad) {
    try {
      TensorClip clip(path);
      FAIL() << path;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(TensorClip(dir.file("missing.safetensors")), IoError);
}

TEST(TensorClip, TheSuffixTellsATensorClip) {
  EXPECT_TRUE(is_tensor_clip_path("clips/a.safetensors"));
  EXPECT_FALSE(is_tensor_clip_path(".safetensors"));
  EXPECT_FALSE(is_tensor_clip_path("clips/a.mp4"));
  EXPECT_FALSE(is_tensor_clip_path("clips/a.safetensors.mp4"));
}

}  // namespace
}  // namespace sfar::io
