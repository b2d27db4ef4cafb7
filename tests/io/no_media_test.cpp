// sfar_io_nomedia (io/media_libraries.h), what the GPU check's binaries link: every video and
// image-file function throws a LibraryError naming the file, never returns an empty result, and
// media_libraries() says nothing is linked; tensor clips still read.
#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/io/image_file.h"
#include "sfar/io/media_libraries.h"
#include "sfar/io/video_reader.h"
#include "sfar/io/video_writer.h"
#include "support/test_data.h"

namespace sfar::io {
namespace {

template <typename F>
void expect_no_media(F&& call, const std::string& where) {
  try {
    call();
    FAIL() << where << ": returned";
  } catch (const LibraryError& e) {
    EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("without FFmpeg"), std::string::npos) << e.what();
  }
}

TEST(NoMedia, EveryDecoderAndEncoderThrowsNamingTheFile) {
  const std::string video = test::reference_path("videos/h264_30fps.mp4");
  expect_no_media([&] { VideoReader reader(video); }, video);
  expect_no_media([&] { probe_video(video); }, video);
  expect_no_media([&] { read_image("frame.png"); }, "frame.png");
  expect_no_media([&] { write_png_atomic("out.png", RgbFrame{1, 1, {0, 0, 0}}); }, "out.png");
  expect_no_media([&] { write_video("out.mp4", {RgbFrame{2, 2, std::vector<std::uint8_t>(12)}}); }, "out.mp4");
  expect_no_media([&] { resize_short_side(RgbFrame{1, 1, {0, 0, 0}}, 2); }, "resize_short_side");
  EXPECT_FALSE(has_video_encoder("libx264"));
}

TEST(NoMedia, NoLibrariesAreReported) {
  const MediaLibraries media = media_libraries();
  EXPECT_FALSE(media.linked);
  EXPECT_TRUE(media.ffmpeg.empty());
  EXPECT_TRUE(media.opencv.empty());
}

}  // namespace
}  // namespace sfar::io
