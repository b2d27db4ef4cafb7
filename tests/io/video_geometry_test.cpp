// Every frame geometry, pixel format, codec and container sfar may meet, on clips made at test
// time by the ffmpeg command: each is read at native size and resized, and every frame is
// compared with ffmpeg's own decode of the same file (ffmpeg -f rawvideo -pix_fmt rgb24; the
// resized reference through swscale's bilinear filter, as sfar resizes). Row strides that are
// not a multiple of swscale's SIMD block (426 px) once made the RGB conversion write past its
// buffer; under AddressSanitizer (scripts/test_sanitizers.sh) any such write fails here.
//
// Tolerance, as a mean absolute difference per byte: at native size 1.0 (both convert with
// swscale's bilinear flags; measured differences are about 0.01, single pixels at colour
// edges), resized 4.0 (ffmpeg's filter graph may scale in other steps, and turns rotated
// frames before scaling where sfar scales first: measured up to 3.0 there, under 1 elsewhere).
// A geometry error (wrong stride, shifted or swapped rows, a frame left sideways) differs by
// tens on average.
#include <gtest/gtest.h>

#include "sfar/io/video_reader.h"
#include "support/test_data.h"
#include "video_geometry_support.h"
#include "video_test_support.h"

namespace sfar::io {
namespace {

constexpr double kNativeMeanTolerance = 1.0;
constexpr double kResizedMeanTolerance = 4.0;

struct Expected {
  std::string path;
  int width = 0, height = 0;  // as shown (upright)
  int short_side = 0;         // 0: native size
  bool autorotate = true;
};

// Reads `e.path` as `e` says and compares every frame with ffmpeg's decode `reference`.
void expect_like_ffmpeg(const Expected& e, const test::FfmpegDecode& reference) {
  SCOPED_TRACE(e.path + (e.short_side ? " at short side " + std::to_string(e.short_side) : " at native size") +
               (e.autorotate ? "" : ", not rotated"));
  ASSERT_EQ(reference.error, "");
  VideoReader reader(e.path, VideoReadOptions().threads(1).short_side(e.short_side).autorotate(e.autorotate));
  ASSERT_EQ(reader.info().width, e.width);
  ASSERT_EQ(reader.info().height, e.height);
  const auto [w, h] = e.short_side ? test::short_side_size(e.width, e.height, e.short_side)
                                   : std::make_pair(e.width, e.height);
  const std::size_t frame_bytes = static_cast<std::size_t>(w) * h * 3;
  std::vector<RgbFrame> frames;
  reader.read_all([&](std::int64_t, RgbFrame&& f) { frames.push_back(std::move(f)); });
  ASSERT_EQ(static_cast<std::int64_t>(frames.size()), reader.info().frames);
  ASSERT_EQ(frames.size() * frame_bytes, reference.bytes.size()) << "frame count or size differs from ffmpeg's";
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_EQ(frames[i].width, w);
    ASSERT_EQ(frames[i].height, h);
    const test::FrameDifference d = test::compare_rgb(frames[i], reference.bytes, i * frame_bytes);
    EXPECT_LE(d.mean, e.short_side ? kResizedMeanTolerance : kNativeMeanTolerance) << "frame " << i << " (largest difference " << d.max << ")";
  }
  // Random access (seek, decode forward) at this geometry gives the same frames.
  const std::int64_t last = reader.info().frames - 1;
  const auto picked = reader.read_frames({last, 0});
  EXPECT_EQ(picked[0].data, frames[last].data);
  EXPECT_EQ(picked[1].data, frames[0].data);
}

// Checks every expectation against one batch of ffmpeg decodes.
void expect_all_like_ffmpeg(const std::vector<Expected>& expected) {
  std::vector<test::RgbRequest> requests;
  for (const Expected& e : expected) {
    const auto [w, h] = e.short_side ? test::short_side_size(e.width, e.height, e.short_side) : std::make_pair(0, 0);
    requests.push_back({e.path, w, h, e.autorotate ? "" : "-noautorotate"});
  }
  const std::vector<test::FfmpegDecode> references = test::ffmpeg_rgb(requests);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    expect_like_ffmpeg(expected[i], references[i]);
    if (::testing::Test::HasFailure()) return;  // one geometry's report is enough
  }
}

// Makes `specs` in `dir` with one ffmpeg process and checks each at native size and resized to
// 2/3 of its short side.
void check_clips(const test::TempDir& dir, const std::vector<test::ClipSpec>& specs) {
  int size = 0;
  std::string extra_inputs, outputs;
  std::vector<Expected> expected;
  for (const test::ClipSpec& spec : specs) {
    size = std::max({size, spec.width + 16, spec.height + 16});
    extra_inputs = spec.extra_inputs;  // the same for every spec of a batch
    const std::string path = dir.file(spec.name);
    outputs += test::clip_output_args(spec, path) + " ";
    expected.push_back({path, spec.width, spec.height, 0});
    expected.push_back({path, spec.width, spec.height, std::max(8, std::min(spec.width, spec.height) * 2 / 3)});
  }
  ASSERT_EQ(test::ffmpeg_error(test::pattern_input(size, size) + " " + extra_inputs + " " + outputs), "");
  expect_all_like_ffmpeg(expected);
}

// --- widths 16..64 in steps of 1, codecs that allow odd sizes -------------------------------

struct SweepCodec {
  const char* label;
  const char* encoder;
  const char* codec_args;
  const char* pix_fmt;
  const char* extension;
};

class WidthSweep : public ::testing::TestWithParam<SweepCodec> {};

TEST_P(WidthSweep, EveryWidthFrom16To64MatchesFfmpeg) {
  const SweepCodec& c = GetParam();
  SFAR_REQUIRE_ENCODER(c.encoder);
  test::TempDir dir;
  std::vector<test::ClipSpec> specs;
  for (int width = 16; width <= 64; ++width) {
    test::ClipSpec spec;
    spec.width = width;
    spec.height = 16 + width % 5;  // odd heights too
    spec.name = "w" + std::to_string(width) + "x" + std::to_string(spec.height) + "." + c.extension;
    spec.pix_fmt = c.pix_fmt;
    spec.encoder = c.encoder;
    spec.codec_args = c.codec_args;
    spec.frames = 2;
    specs.push_back(spec);
  }
  check_clips(dir, specs);
}

INSTANTIATE_TEST_SUITE_P(
    OddSizeCodecs, WidthSweep,
    ::testing::Values(SweepCodec{"vp8", "libvpx", "-c:v libvpx -deadline realtime -cpu-used 8", "yuv420p", "webm"},
                      SweepCodec{"vp9", "libvpx-vp9", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8", "yuv420p", "webm"},
                      SweepCodec{"mpeg4", "mpeg4", "-c:v mpeg4 -q:v 3", "yuv420p", "avi"},
                      SweepCodec{"mjpeg", "mjpeg", "-c:v mjpeg -q:v 3", "yuvj420p", "avi"},
                      SweepCodec{"raw", "rawvideo", "-c:v rawvideo", "yuv420p", "nut"}),
    [](const auto& info) { return std::string(info.param.label); });

// --- real-world sizes, pixel formats, codecs and containers ---------------------------------

struct Case {
  const char* label;
  int width, height;
  const char* pix_fmt;
  const char* encoder;
  const char* codec_args;
  const char* extension;
  const char* extra_output_args = "";
  const char* extra_inputs = "";
  const char* filters = "";
  int frames = 3;
};

class Geometry : public ::testing::TestWithParam<Case> {};

TEST_P(Geometry, MatchesFfmpegAtNativeSizeAndResized) {
  const Case& c = GetParam();
  SFAR_REQUIRE_ENCODER(c.encoder);
  test::TempDir dir;
  test::ClipSpec spec;
  spec.name = std::string(c.label) + "." + c.extension;
  spec.width = c.width;
  spec.height = c.height;
  spec.pix_fmt = c.pix_fmt;
  spec.encoder = c.encoder;
  spec.codec_args = c.codec_args;
  spec.extra_output_args = c.extra_output_args;
  spec.extra_inputs = c.extra_inputs;
  spec.filters = c.filters;
  spec.frames = c.frames;
  check_clips(dir, {spec});
}

const char* const kX264 = "-c:v libx264 -preset ultrafast";

INSTANTIATE_TEST_SUITE_P(
    RealWorldSizes, Geometry,
    ::testing::Values(Case{"h264_426x240", 426, 240, "yuv420p", "libx264", kX264, "mp4"},
                      Case{"vp9_427x240", 427, 240, "yuv420p", "libvpx-vp9", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8", "webm"},
                      Case{"h264_640x360", 640, 360, "yuv420p", "libx264", kX264, "mp4"},
                      Case{"h264_854x480", 854, 480, "yuv420p", "libx264", kX264, "mkv"},
                      Case{"h264_1280x720", 1280, 720, "yuv420p", "libx264", kX264, "mp4", "", "", "", 2},
                      Case{"h264_1920x1080", 1920, 1080, "yuv420p", "libx264", kX264, "mp4", "", "", "", 2},
                      Case{"vp8_426x241", 426, 241, "yuv420p", "libvpx", "-c:v libvpx -deadline realtime", "webm"},
                      Case{"mpeg4_427x239", 427, 239, "yuv420p", "mpeg4", "-c:v mpeg4", "avi"},
                      Case{"vp9_853x481", 853, 481, "yuv420p", "libvpx-vp9", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8", "webm"},
                      Case{"h264_portrait_240x426", 240, 426, "yuv420p", "libx264", kX264, "mp4"}),
    [](const auto& info) { return std::string(info.param.label); });

INSTANTIATE_TEST_SUITE_P(
    PixelFormats, Geometry,
    ::testing::Values(Case{"h264_yuv420p", 426, 240, "yuv420p", "libx264", kX264, "mp4"},
                      Case{"h264_yuvj420p", 426, 240, "yuvj420p", "libx264", kX264, "mp4"},
                      Case{"h264_yuv422p", 426, 240, "yuv422p", "libx264", kX264, "mp4"},
                      Case{"h264_yuv444p", 426, 240, "yuv444p", "libx264", kX264, "mp4"},
                      Case{"h264_yuv420p10le", 426, 240, "yuv420p10le", "libx264", kX264, "mp4"},
                      Case{"ffv1_gray", 427, 241, "gray", "ffv1", "-c:v ffv1", "mkv"},
                      Case{"ffv1_yuv422p", 427, 241, "yuv422p", "ffv1", "-c:v ffv1", "mkv"},
                      Case{"ffv1_yuv444p", 427, 241, "yuv444p", "ffv1", "-c:v ffv1", "mkv"},
                      Case{"ffv1_yuv420p10le", 427, 241, "yuv420p10le", "ffv1", "-c:v ffv1", "mkv"},
                      Case{"raw_rgb24", 427, 241, "rgb24", "rawvideo", "-c:v rawvideo", "nut"},
                      Case{"gif_pal8", 427, 241, "pal8", "gif", "-c:v gif", "gif"},
                      // The palette comes once, as side data of the first packet
                      // (video_palette_test.cpp): once decoded as one black colour.
                      Case{"raw_pal8_avi", 427, 241, "pal8", "rawvideo", "-c:v rawvideo", "avi"},
                      Case{"raw_pal8_mov", 427, 241, "pal8", "rawvideo", "-c:v rawvideo", "mov"}),
    [](const auto& info) { return std::string(info.param.label); });

INSTANTIATE_TEST_SUITE_P(
    CodecsAndContainers, Geometry,
    ::testing::Values(Case{"h264_mp4", 426, 240, "yuv420p", "libx264", kX264, "mp4"},
                      Case{"h264_mkv", 426, 240, "yuv420p", "libx264", kX264, "mkv"},
                      Case{"hevc_mp4", 426, 240, "yuv420p", "libx265", "-c:v libx265 -preset ultrafast -x265-params log-level=error", "mp4"},
                      Case{"av1_mkv", 426, 240, "yuv420p", "libaom-av1", "-c:v libaom-av1 -cpu-used 8 -usage realtime", "mkv"},
                      Case{"vp8_webm", 426, 240, "yuv420p", "libvpx", "-c:v libvpx -deadline realtime", "webm"},
                      Case{"vp9_webm", 426, 240, "yuv420p", "libvpx-vp9", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8", "webm"},
                      Case{"mpeg2_mpg", 426, 240, "yuv420p", "mpeg2video", "-c:v mpeg2video", "mpg"},
                      Case{"mjpeg_avi", 426, 240, "yuvj420p", "mjpeg", "-c:v mjpeg", "avi"},
                      Case{"gif", 426, 240, "pal8", "gif", "-c:v gif", "gif"},
                      Case{"smc_mov", 426, 240, "pal8", "smc", "-c:v smc", "mov"},
                      Case{"zmbv_avi", 426, 240, "pal8", "zmbv", "-c:v zmbv", "avi"},
                      Case{"h264_aac_mp4", 426, 240, "yuv420p", "libx264", kX264, "mp4",
                           "-map 1:a -c:a aac -shortest", "-f lavfi -i sine=frequency=440:duration=1"},
                      Case{"vp9_opus_webm", 426, 240, "yuv420p", "libvpx-vp9", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8", "webm",
                           "-map 1:a -c:a libopus -shortest", "-f lavfi -i sine=frequency=440:duration=1"}),
    [](const auto& info) { return std::string(info.param.label); });

// Variable frame rate: frames 0, 0.05, 0.2, 0.45, ... s apart; each decoded frame comes once.
INSTANTIATE_TEST_SUITE_P(
    VariableFrameRate, Geometry,
    ::testing::Values(Case{"vfr_h264_mkv", 426, 240, "yuv420p", "libx264", kX264, "mkv", "-fps_mode vfr", "",
                           ",setpts=N*N*0.05/TB", 6},
                      Case{"vfr_h264_mp4", 426, 240, "yuv420p", "libx264", kX264, "mp4",
                           "-fps_mode vfr -video_track_timescale 1000", "", ",setpts=N*N*0.05/TB", 6},
                      Case{"vfr_vp9_webm", 427, 240, "yuv420p", "libvpx-vp9", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8",
                           "webm", "-fps_mode vfr", "", ",setpts=N*N*0.05/TB", 6}),
    [](const auto& info) { return std::string(info.param.label); });

// --- display rotation (phone videos) ---------------------------------------------------------

class Rotation : public ::testing::TestWithParam<int> {};

// A 426x240 clip stored with a display matrix of `degrees` clockwise comes out upright as the
// ffmpeg command shows it, and as stored with autorotate(false).
TEST_P(Rotation, FramesComeOutUprightAsFfmpegShowsThem) {
  const int degrees = GetParam();
  SFAR_REQUIRE_ENCODER("libx264");
  test::TempDir dir;
  test::ClipSpec spec;
  spec.name = "rotated_" + std::to_string(degrees) + ".mp4";
  spec.width = 426;
  spec.height = 240;
  spec.pix_fmt = "yuv420p";
  spec.encoder = "libx264";
  spec.codec_args = kX264;
  const std::string stored = dir.file("stored.mp4"), path = dir.file(spec.name);
  ASSERT_EQ(test::ffmpeg_error(test::pattern_input(448, 448) + " " + test::clip_output_args(spec, stored)), "");
  // The mp4 muxer turns the `rotate` tag (clockwise degrees) into a display matrix.
  ASSERT_EQ(test::ffmpeg_error("-i " + stored + " -c copy -metadata:s:v:0 rotate=" + std::to_string(degrees) + " " + path), "");
  // Which way the muxer writes the tag's matrix varies between FFmpeg versions; the pixels
  // below settle the direction, against what the ffmpeg command shows.
  const int rotation = probe_video(path).rotation;
  EXPECT_TRUE(rotation == degrees || rotation == 360 - degrees) << rotation;
  const bool sideways = degrees % 180 == 90;
  const int w = sideways ? 240 : 426, h = sideways ? 426 : 240;
  expect_all_like_ffmpeg({{path, w, h, 0}, {path, w, h, 160}, {path, 426, 240, 0, /*autorotate=*/false}});
}

INSTANTIATE_TEST_SUITE_P(QuarterTurns, Rotation, ::testing::Values(90, 180, 270));

}  // namespace
}  // namespace sfar::io
