// Palettized video: the demuxer hands the palette over once, as side data of the first packet
// (AV_PKT_DATA_PALETTE), and the reader's index pass reads that packet before anything is
// decoded. Raw pal8 in AVI and MOV and QuickTime SMC once came out as one black colour in
// every frame. Each clip here is decoded in order and after seeks (a fresh reader whose first
// read seeks past the first packet, and reads out of order) and compared with ffmpeg's own
// in-order decode: every byte within 2 levels (palette to RGB is exact; 2 allows for
// swscale's dithering paths). A palette that changes from frame to frame (AVI stores each
// change before its frame) is followed after a seek too. ZMBV and GIF carry their palette in
// the bitstream and are checked alongside.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "sfar/io/video_reader.h"
#include "support/test_data.h"
#include "video_geometry_support.h"
#include "video_test_support.h"

namespace sfar::io {
namespace {

constexpr int kMaxDifference = 2;
constexpr int kFrames = 24;

struct PaletteCase {
  const char* label;
  const char* encoder;
  const char* codec_args;
  const char* extension;
  const char* pix_fmt = "pal8";  // the encoder's input
  const char* filters = "";      // after the scale filter
};

// A palette of its own for every frame: AVI stores each change as a chunk before its frame,
// which a seek to the frame's index entry passes over. Quoted for the shell (`;`, `[`).
const char* const kPalettePerFrame =
    "',split[a][b];[a]palettegen=stats_mode=single:max_colors=64[p];[b][p]paletteuse=new=1'";

class PaletteClip : public ::testing::TestWithParam<PaletteCase> {
 protected:
  // Makes the clip (67x45, 24 frames, a key frame every 6) and ffmpeg's RGB decode of it.
  void SetUp() override {
    const PaletteCase& c = GetParam();
    SFAR_REQUIRE_ENCODER(c.encoder);
    test::ClipSpec spec;
    spec.name = std::string(c.label) + "." + c.extension;
    spec.width = 67;
    spec.height = 45;
    spec.pix_fmt = c.pix_fmt;
    spec.filters = c.filters;
    spec.codec_args = std::string(c.codec_args) + " -pix_fmt pal8 -g 6";
    spec.frames = kFrames;
    path_ = dir_.file(spec.name);
    ASSERT_EQ(test::ffmpeg_error(test::pattern_input(96, 96) + " " + test::clip_output_args(spec, path_)), "");
    reference_ = test::ffmpeg_rgb(path_);
    ASSERT_EQ(reference_.error, "");
    ASSERT_EQ(reference_.bytes.size(), kFrameBytes * kFrames);
    // The reference itself has many colours; a black clip would compare equal to a black one.
    std::set<std::uint32_t> colours;
    for (std::size_t i = 0; i + 2 < kFrameBytes; i += 3) {
      colours.insert(reference_.bytes[i] << 16 | reference_.bytes[i + 1] << 8 | reference_.bytes[i + 2]);
    }
    ASSERT_GT(colours.size(), 20u);
  }

  void expect_frame(const RgbFrame& frame, std::int64_t index) const {
    ASSERT_EQ(frame.width, 67);
    ASSERT_EQ(frame.height, 45);
    const test::FrameDifference d = test::compare_rgb(frame, reference_.bytes, index * kFrameBytes);
    EXPECT_LE(d.max, kMaxDifference) << path_ << " frame " << index << " (mean difference " << d.mean << ")";
  }

  static constexpr std::size_t kFrameBytes = 67 * 45 * 3;
  test::TempDir dir_;
  std::string path_;
  test::FfmpegDecode reference_;
};

TEST_P(PaletteClip, InOrderDecodeMatchesFfmpeg) {
  VideoReader reader(path_, VideoReadOptions().threads(1));
  ASSERT_EQ(reader.info().frames, kFrames);
  std::int64_t count = 0;
  reader.read_all([&](std::int64_t i, RgbFrame&& frame) {
    expect_frame(frame, i);
    ++count;
  });
  EXPECT_EQ(count, kFrames);
}

TEST_P(PaletteClip, FramesAfterASeekMatchFfmpeg) {
  // seek_min_skip 0: every gap is a seek, so the first read starts past the first packet and
  // the decoder never sees it.
  VideoReader reader(path_, VideoReadOptions().threads(1).seek_min_skip(0));
  const std::vector<std::int64_t> wanted = {19, 7, 23, 13};
  const auto frames = reader.read_frames(wanted);
  ASSERT_EQ(frames.size(), wanted.size());
  for (std::size_t i = 0; i < wanted.size(); ++i) expect_frame(frames[i], wanted[i]);
  if (reader.info().frame_accurate_seek && reader.info().keyframes.size() > 1) {
    EXPECT_GT(reader.last_stats().seeks, 0);
  }
  // A second read on the same reader, after the decoder has seen the palette, agrees too.
  const auto again = reader.read_frames({23, 1});
  expect_frame(again[0], 23);
  expect_frame(again[1], 1);
}

INSTANTIATE_TEST_SUITE_P(
    Palettized, PaletteClip,
    ::testing::Values(PaletteCase{"raw_pal8_avi", "rawvideo", "-c:v rawvideo", "avi"},
                      PaletteCase{"raw_pal8_mov", "rawvideo", "-c:v rawvideo", "mov"},
                      PaletteCase{"raw_pal8_changing_avi", "rawvideo", "-c:v rawvideo", "avi", "rgb24", kPalettePerFrame},
                      PaletteCase{"raw_pal8_changing_mov", "rawvideo", "-c:v rawvideo", "mov", "rgb24", kPalettePerFrame},
                      PaletteCase{"smc_mov", "smc", "-c:v smc", "mov"},
                      PaletteCase{"zmbv_pal8_avi", "zmbv", "-c:v zmbv", "avi"},
                      PaletteCase{"gif_pal8", "gif", "-c:v gif", "gif"}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace sfar::io
