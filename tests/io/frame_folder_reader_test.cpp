#include <gtest/gtest.h>

#include <fstream>

#include "sfar/core/error.h"
#include "sfar/io/frame_folder_reader.h"
#include "sfar/io/image_file.h"
#include "support/test_data.h"

namespace sfar::io {
namespace {

RgbFrame gradient(int width, int height, int seed) {
  RgbFrame f{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (std::size_t i = 0; i < f.data.size(); ++i) f.data[i] = static_cast<std::uint8_t>(i * 7 + seed * 31);
  return f;
}

// Writes `count` PNG frames named by `name(number)`, numbers from `first`.
template <typename Name>
void write_frames(int count, int first, Name name) {
  for (int i = 0; i < count; ++i) write_png_atomic(name(i + first), gradient(8, 6, i));
}

TEST(FrameFolderReader, ReadsOneBasedFramesExactly) {
  test::TempDir dir;
  write_frames(5, 1, [&](int n) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "img_%05d.png", n);
    return dir.file(buf);
  });
  FrameFolderReader reader(dir.path().string(), {"img_{:05d}.png", -1, 0});
  EXPECT_EQ(reader.frame_count(), 5);
  EXPECT_EQ(reader.frame_path(0), dir.file("img_00001.png"));
  const auto frames = reader.read_frames({4, 0, 4});
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].data, gradient(8, 6, 4).data);  // PNG is lossless; RGB order kept
  EXPECT_EQ(frames[1].data, gradient(8, 6, 0).data);
  EXPECT_EQ(frames[2].width, 8);
}

TEST(FrameFolderReader, ZeroBasedPrintfPatternAndResize) {
  test::TempDir dir;
  write_frames(3, 0, [&](int n) { return dir.file("frame" + std::to_string(n) + ".png"); });
  FrameFolderReader reader(dir.path().string(), {"frame%d.png", -1, 3});
  EXPECT_EQ(reader.frame_count(), 3);
  const auto frames = reader.read_frames({2});
  EXPECT_EQ(frames[0].height, 3);
  EXPECT_EQ(frames[0].width, 4);
}

TEST(FrameFolderReader, ErrorsNameFolderFileOrIndex) {
  test::TempDir dir;
  EXPECT_THROW(FrameFolderReader(dir.file("absent")), IoError);
  EXPECT_THROW(FrameFolderReader(dir.path().string(), {"img.jpg", -1, 0}), ArgumentError);
  EXPECT_THROW(FrameFolderReader(dir.path().string()), IoError);  // no img_00000/1.jpg
  std::ofstream(dir.file("img_00001.jpg")) << "not a jpeg";
  FrameFolderReader reader(dir.path().string());
  EXPECT_EQ(reader.frame_count(), 1);
  try {
    reader.read_frames({0});
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.where(), dir.file("img_00001.jpg"));
  }
  try {
    reader.read_frames({1});
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.value(), "1");
  }
}

}  // namespace
}  // namespace sfar::io
