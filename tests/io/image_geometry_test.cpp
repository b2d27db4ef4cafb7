// The image loader and frame folders at odd sizes and in every pixel layout an image file may
// use, compared with ffmpeg's decode of the same file. PNG is lossless, so native reads must
// match exactly (16-bit PNG: within 1, ffmpeg rounds where OpenCV truncates). JPEG decoders
// differ (IDCT, chroma upsampling), and frame folders resize with OpenCV's bilinear filter
// while swscale's bilinear widens its filter when shrinking; those compare by mean difference.
#include <gtest/gtest.h>

#include <filesystem>

#include "sfar/core/error.h"
#include "sfar/io/frame_folder_reader.h"
#include "sfar/io/image_file.h"
#include "support/test_data.h"
#include "video_geometry_support.h"
#include "video_test_support.h"

namespace sfar::io {
namespace {

// OpenCV's 2-tap bilinear filter against swscale's widened one, on a sharp test pattern.
constexpr double kResizedMeanTolerance = 12.0;

struct ImageCase {
  const char* label;
  int width, height;
  const char* pix_fmt;
  const char* extension;
  double mean_tolerance;
  int max_tolerance;
};

class ImageGeometry : public ::testing::TestWithParam<ImageCase> {};

TEST_P(ImageGeometry, ReadImageMatchesFfmpeg) {
  const ImageCase& c = GetParam();
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  const std::string path = dir.file(std::string(c.label) + "." + c.extension);
  ASSERT_EQ(test::ffmpeg_error(test::pattern_input(c.width + 8, c.height + 8) + " -frames:v 1 -vf scale=" +
                               std::to_string(c.width) + ":" + std::to_string(c.height) + ",format=" + c.pix_fmt +
                               " " + path),
            "");
  const RgbFrame image = read_image(path);
  ASSERT_EQ(image.width, c.width);
  ASSERT_EQ(image.height, c.height);
  const test::FfmpegDecode reference = test::ffmpeg_rgb(path);
  ASSERT_EQ(reference.error, "");
  ASSERT_EQ(reference.bytes.size(), image.data.size());
  const test::FrameDifference d = test::compare_rgb(image, reference.bytes, 0);
  EXPECT_LE(d.mean, c.mean_tolerance);
  EXPECT_LE(d.max, c.max_tolerance);
  // Resizing keeps the buffer exactly width x height x 3 at any size.
  for (const int side : {7, 16, 33}) {
    const RgbFrame small = resize_short_side(image, side);
    EXPECT_EQ(std::min(small.width, small.height), side);
    EXPECT_EQ(small.data.size(), static_cast<std::size_t>(small.width) * small.height * 3);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, ImageGeometry,
    ::testing::Values(ImageCase{"png_rgb24_427x241", 427, 241, "rgb24", "png", 0.0, 0},
                      ImageCase{"png_rgba_17x19", 17, 19, "rgba", "png", 0.0, 0},
                      ImageCase{"png_gray_426x240", 426, 240, "gray", "png", 0.0, 0},
                      ImageCase{"png_pal8_33x21", 33, 21, "pal8", "png", 0.0, 0},
                      ImageCase{"png_rgb48_61x17", 61, 17, "rgb48be", "png", 1.0, 1},
                      ImageCase{"jpeg_yuvj420p_427x241", 427, 241, "yuvj420p", "jpg", 3.0, 255},
                      ImageCase{"jpeg_yuvj444p_63x35", 63, 35, "yuvj444p", "jpg", 3.0, 255},
                      ImageCase{"jpeg_gray_19x23", 19, 23, "gray", "jpg", 3.0, 255}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(ImageGeometry, ResizeRefusesABufferOfTheWrongSize) {
  RgbFrame image{5, 3, std::vector<std::uint8_t>(5 * 3 * 3 - 1)};
  EXPECT_THROW(resize_short_side(image, 2), ArgumentError);
}

// A folder of odd-sized PNG frames reads exactly as ffmpeg decodes the same image sequence at
// native size, and close to it resized.
TEST(ImageGeometry, FrameFolderAtOddSizesMatchesFfmpeg) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  for (const auto& [w, h] : {std::pair{427, 241}, std::pair{17, 31}, std::pair{426, 240}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const std::string folder = dir.file(std::to_string(w) + "x" + std::to_string(h));
    std::filesystem::create_directories(folder);
    ASSERT_EQ(test::ffmpeg_error(test::pattern_input(w + 8, h + 8) + " -frames:v 3 -vf scale=" + std::to_string(w) +
                                 ":" + std::to_string(h) + " -start_number 1 " + folder + "/img_%05d.png"),
              "");
    const test::FfmpegDecode reference = test::ffmpeg_rgb(folder + "/img_%05d.png");
    ASSERT_EQ(reference.error, "");
    const auto frames = FrameFolderReader(folder, {"img_{:05d}.png", -1, 0}).read_frames({0, 1, 2});
    const std::size_t frame_bytes = static_cast<std::size_t>(w) * h * 3;
    ASSERT_EQ(reference.bytes.size(), 3 * frame_bytes);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(test::compare_rgb(frames[i], reference.bytes, i * frame_bytes).max, 0) << "frame " << i;
    }
    const int side = std::min(w, h) * 2 / 3;
    const auto [rw, rh] = test::short_side_size(w, h, side);
    const test::FfmpegDecode resized = test::ffmpeg_rgb(folder + "/img_%05d.png", rw, rh);
    ASSERT_EQ(resized.error, "");
    const auto small = FrameFolderReader(folder, {"img_{:05d}.png", -1, side}).read_frames({2});
    ASSERT_EQ(small[0].width, rw);
    ASSERT_EQ(small[0].height, rh);
    const double mean = test::compare_rgb(small[0], resized.bytes, 2 * static_cast<std::size_t>(rw) * rh * 3).mean;
    EXPECT_LE(mean, kResizedMeanTolerance);
  }
}

}  // namespace
}  // namespace sfar::io
