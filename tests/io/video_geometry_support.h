// Clips of any geometry made by the ffmpeg command at test time, and ffmpeg's own RGB decode of
// them, for checking sfar's readers frame by frame (video_geometry_test.cpp,
// image_geometry_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/io/rgb_frame.h"

namespace sfar::test {

// True when `ffmpeg -encoders` lists `encoder` (libx264, libvpx, mjpeg, ...).
bool have_encoder(const std::string& encoder);

// Runs `ffmpeg -hide_banner -loglevel error -y ARGS`; on failure, ffmpeg's message.
// Empty string on success.
std::string ffmpeg_error(const std::string& args);

// One clip to make: `filters` apply to the source (a moving test pattern), then the encoder.
struct ClipSpec {
  std::string name;     // file name, with the container's extension
  int width = 0, height = 0;
  std::string pix_fmt;  // the encoder's input format
  std::string encoder;  // for skipping when ffmpeg lacks it
  std::string codec_args;  // -c:v ... and its settings
  int frames = 3;
  // Extra output options (audio, metadata) and inputs placed after the video source (input 0).
  std::string extra_output_args;
  std::string extra_inputs;
  std::string filters;  // appended to the scale filter, e.g. ",setpts=..."
};

// The ffmpeg output arguments that make `spec` at `path` from input 0 (the test pattern).
std::string clip_output_args(const ClipSpec& spec, const std::string& path);
// The test pattern input (testsrc2 at 10 fps, large enough for every size scaled down from it).
std::string pattern_input(int width, int height);

// What ffmpeg decodes from `path`: every frame as packed RGB24 (rotated upright as the ffmpeg
// command does by default), at `width` x `height` with swscale's bilinear filter when both are
// given (> 0), else at the decoded size. `input_args` go before -i (-noautorotate).
struct FfmpegDecode {
  std::vector<std::uint8_t> bytes;
  std::string error;
};
FfmpegDecode ffmpeg_rgb(const std::string& path, int width = 0, int height = 0,
                        const std::string& input_args = "");
// The same for many files in one ffmpeg process (each process costs ~50 ms).
struct RgbRequest {
  std::string path;
  int width = 0, height = 0;
  std::string input_args;
};
std::vector<FfmpegDecode> ffmpeg_rgb(const std::vector<RgbRequest>& requests);

// Mean and largest absolute difference between `frame` and the same-sized frame at `offset`
// in `reference` (packed RGB24); checks the sizes.
struct FrameDifference {
  double mean = 0;
  int max = 0;
};
FrameDifference compare_rgb(const io::RgbFrame& frame, const std::vector<std::uint8_t>& reference,
                            std::size_t offset);

// The size sfar's readers resize a width x height frame to for `short_side`.
std::pair<int, int> short_side_size(int width, int height, int short_side);

}  // namespace sfar::test

// Skips the test, naming the encoder, when the ffmpeg command or its `name` encoder is missing
// (uses SFAR_REQUIRE_FFMPEG_CLI from video_test_support.h).
#define SFAR_REQUIRE_ENCODER(name)                                                           \
  SFAR_REQUIRE_FFMPEG_CLI();                                                                 \
  if (!::sfar::test::have_encoder(name)) {                                                   \
    GTEST_SKIP() << "the installed ffmpeg has no encoder " << (name) << "; clip skipped"; \
  }
