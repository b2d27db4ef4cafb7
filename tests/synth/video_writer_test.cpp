// io::write_video: what it writes decodes back (the project's reader) to the frames given,
// the same frames give the same bytes, and bad input fails naming the file and value.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "support/error_text.h"
#include "sfar/io/video_reader.h"
#include "sfar/io/video_writer.h"
#include "support/test_data.h"

namespace {

using sfar::io::RgbFrame;

// A moving colour gradient: smooth enough to survive compression, different in every frame.
std::vector<RgbFrame> gradient_frames(int count, int width, int height) {
  std::vector<RgbFrame> frames;
  for (int f = 0; f < count; ++f) {
    RgbFrame frame{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        std::uint8_t* p = &frame.data[(static_cast<std::size_t>(y) * width + x) * 3];
        p[0] = static_cast<std::uint8_t>(40 + 2 * x + 4 * f);
        p[1] = static_cast<std::uint8_t>(60 + 2 * y);
        p[2] = static_cast<std::uint8_t>(200 - x - y);
      }
    }
    frames.push_back(std::move(frame));
  }
  return frames;
}

double mean_abs_diff(const RgbFrame& a, const RgbFrame& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) sum += std::abs(int(a.data[i]) - int(b.data[i]));
  return sum / a.data.size();
}

using sfar::test::thrown;

std::size_t files_in(const std::filesystem::path& dir) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(VideoWriter, H264RoundTripThroughTheReader) {
  sfar::test::TempDir dir;
  const auto frames = gradient_frames(16, 64, 48);
  const std::string path = dir.file("clip.mp4");
  const std::string encoder = sfar::io::write_video(path, frames, sfar::io::VideoWriteOptions().fps(8));
  ASSERT_TRUE(encoder == "libx264" || encoder == "mpeg4") << encoder;
  sfar::io::VideoReader reader(path);
  EXPECT_EQ(reader.info().codec, encoder == "libx264" ? "h264" : "mpeg4");
  EXPECT_EQ(reader.info().width, 64);
  EXPECT_EQ(reader.info().height, 48);
  EXPECT_EQ(reader.info().frames, 16);
  EXPECT_NEAR(reader.info().fps, 8.0, 1e-6);
  EXPECT_NEAR(reader.info().duration, 2.0, 0.01);
  std::int64_t count = 0;
  reader.read_all([&](std::int64_t i, RgbFrame&& got) {
    EXPECT_LT(mean_abs_diff(got, frames[static_cast<std::size_t>(i)]), 3.0) << "frame " << i;
    ++count;
  });
  EXPECT_EQ(count, 16);
  EXPECT_EQ(files_in(dir.path()), 1u);  // no temporary file left beside it
}

TEST(VideoWriter, SameFramesGiveTheSameBytes) {
  sfar::test::TempDir dir;
  const auto frames = gradient_frames(12, 32, 32);
  sfar::io::write_video(dir.file("a.mp4"), frames);
  sfar::io::write_video(dir.file("b.mp4"), frames);
  EXPECT_EQ(sfar::read_file(dir.file("a.mp4")), sfar::read_file(dir.file("b.mp4")));
  auto changed = frames;
  changed[5].data[100] ^= 0x40;
  sfar::io::write_video(dir.file("c.mp4"), changed);
  EXPECT_NE(sfar::read_file(dir.file("a.mp4")), sfar::read_file(dir.file("c.mp4")));
}

TEST(VideoWriter, FallsBackWhenTheEncoderIsMissing) {
  sfar::test::TempDir dir;
  const auto frames = gradient_frames(4, 32, 32);
  const auto options = sfar::io::VideoWriteOptions().encoder("no_such_encoder").fallback_encoder("mpeg4");
  EXPECT_EQ(sfar::io::write_video(dir.file("f.mp4"), frames, options), "mpeg4");
  EXPECT_EQ(sfar::io::probe_video(dir.file("f.mp4")).codec, "mpeg4");
  const std::string error = thrown([&] {
    sfar::io::write_video(dir.file("g.mp4"), frames, sfar::io::VideoWriteOptions().encoder("no_such_encoder").fallback_encoder(""));
  });
  EXPECT_NE(error.find("g.mp4"), std::string::npos) << error;
  EXPECT_NE(error.find("\"no_such_encoder\""), std::string::npos) << error;
}

TEST(VideoWriter, BadInputNamesTheFileAndValue) {
  sfar::test::TempDir dir;
  const std::string path = dir.file("bad.mp4");
  EXPECT_NE(thrown([&] { sfar::io::write_video(path, {}); }).find("bad.mp4: no frames"), std::string::npos);
  EXPECT_NE(thrown([&] { sfar::io::write_video(path, gradient_frames(2, 33, 32)); }).find("\"33x32\""), std::string::npos);
  auto mixed = gradient_frames(3, 32, 32);
  mixed[2] = gradient_frames(1, 64, 32)[0];
  EXPECT_NE(thrown([&] { sfar::io::write_video(path, mixed); }).find("frame 2 differs"), std::string::npos);
  EXPECT_NE(thrown([&] { sfar::io::write_video(dir.file("x.notacontainer"), gradient_frames(2, 32, 32)); })
                .find("no container for this file extension, got \".notacontainer\""),
            std::string::npos);
  sfar::write_file_atomic(dir.file("plainfile"), "x");
  const std::string unwritable = thrown([&] { sfar::io::write_video(dir.file("plainfile/c.mp4"), gradient_frames(2, 32, 32)); });
  EXPECT_NE(unwritable.find("plainfile"), std::string::npos) << unwritable;
  EXPECT_NE(thrown([&] { sfar::io::write_video(path, gradient_frames(2, 32, 32), sfar::io::VideoWriteOptions().fps(0)); })
                .find("fps must be positive"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(files_in(dir.path()), 1u);  // only plainfile: failed writes leave nothing
}

}  // namespace
