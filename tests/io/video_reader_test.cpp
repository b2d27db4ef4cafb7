// Frame-accurate random access checked byte for byte against a full sequential decode, on the
// clips support/make_references.py encodes (the shared clips' containers, codecs, sizes and
// frame counts), on the shared real clips (extra suite, RealData/) and on clips made at run
// time (VP8/WebM, H.264/Matroska, MPEG-4/AVI).
#include <gtest/gtest.h>

#include <set>

#include "sfar/core/error.h"
#include "sfar/io/video_reader.h"
#include "support/test_data.h"
#include "video_test_support.h"

namespace sfar::io {
namespace {

struct SharedClip {
  const char* file;
  const char* codec;
  int width, height;
  double fps;
  std::int64_t frames;
  bool real;  // under $SFAR_DATA_DIR (extra suite), else generated in the build tree
};

std::string clip_path(const SharedClip& clip) {
  return clip.real ? test::data_path(clip.file) : test::reference_path(clip.file);
}

// Generated stand-ins for the clips below: same container, codec, size, rate and frame count.
const SharedClip kGeneratedClips[] = {
    {"videos/h264_28fps.mp4", "h264", 340, 256, 28, 280, false},
    {"videos/h264_30fps.mp4", "h264", 340, 256, 30, 300, false},
    {"videos/mpeg4_mp3.avi", "mpeg4", 320, 240, 25, 164, false},
    {"videos/h264_1080p.avi", "h264", 1920, 1080, 30, 103, false},
    {"videos/vp9_28fps.webm", "vp9", 340, 256, 28, 280, false},
};

// The real clips under $SFAR_DATA_DIR/videos (frame counts from ffprobe -count_frames).
const SharedClip kClips[] = {
    {"videos/mmaction2_demo.mp4", "h264", 340, 256, 28, 280, true},
    {"videos/mmaction2_test.mp4", "h264", 340, 256, 30, 300, true},
    {"videos/mmaction2_test.avi", "mpeg4", 320, 240, 25, 164, true},
    {"videos/mmaction2_ntu_S001C001P001R001A001_rgb.avi", "h264", 1920, 1080, 30, 103, true},
    {"videos/mmaction2_demo_vp9.webm", "vp9", 340, 256, 28, 280, true},
};

std::vector<std::vector<std::int64_t>> index_sets(std::int64_t n) {
  return {{0},
          {n - 1},
          {n / 2, 3, n / 2, n - 1, 0, 3},                    // unsorted, repeated
          {5, n / 3, 2 * n / 3, n - 2},                      // sparse: seeks
          {n / 2, n / 2 + 1, n / 2 + 2, n / 2 + 3, n / 2 + 5},  // dense: decodes through
          {n - 1, 1}};
}

// Checks every index set against read_all() with the same options; `min_seeks_sparse`:
// seeks expected for the sparse set (clips with several key frames).
void expect_matches_sequential(const std::string& path, VideoReadOptions options) {
  VideoReader reader(path, options);
  const std::int64_t n = reader.info().frames;
  const auto sets = index_sets(n);
  std::set<std::int64_t> needed;
  for (const auto& s : sets) needed.insert(s.begin(), s.end());
  std::map<std::int64_t, RgbFrame> reference;
  std::int64_t decoded = 0;
  reader.read_all([&](std::int64_t i, RgbFrame&& f) {
    EXPECT_EQ(i, decoded++);
    if (needed.count(i)) reference[i] = std::move(f);
  });
  ASSERT_EQ(decoded, n) << path << ": sequential decode frame count";
  for (const auto& set : sets) {
    const auto frames = reader.read_frames(set);
    ASSERT_EQ(frames.size(), set.size());
    for (std::size_t k = 0; k < set.size(); ++k) {
      const RgbFrame& want = reference.at(set[k]);
      EXPECT_EQ(frames[k].width, want.width);
      EXPECT_EQ(frames[k].height, want.height);
      EXPECT_TRUE(frames[k].data == want.data) << path << ": frame " << set[k] << " differs";
    }
    EXPECT_FALSE(reader.last_stats().fell_back_to_sequential) << path;
  }
  // A fresh reader (no read_all before) gives the same frames.
  VideoReader fresh(path, options);
  const auto frames = fresh.read_frames({n - 1, 0});
  EXPECT_TRUE(frames[0].data == reference.at(n - 1).data) << path;
  EXPECT_TRUE(frames[1].data == reference.at(0).data) << path;
}

class SharedVideo : public ::testing::TestWithParam<SharedClip> {};

TEST_P(SharedVideo, ProbeMatchesFfprobe) {
  const SharedClip clip = GetParam();
  const std::string path = clip_path(clip);
  const VideoInfo info = probe_video(path);
  EXPECT_EQ(info.codec, clip.codec);
  EXPECT_EQ(info.width, clip.width);
  EXPECT_EQ(info.height, clip.height);
  EXPECT_NEAR(info.fps, clip.fps, 1e-6);
  EXPECT_EQ(info.frames, clip.frames);
  EXPECT_NEAR(info.duration, clip.frames / clip.fps, 0.1);
  ASSERT_FALSE(info.keyframes.empty());
  EXPECT_EQ(info.keyframes.front(), 0);
}

TEST_P(SharedVideo, RandomAccessEqualsSequentialDecode) {
  const std::string path = clip_path(GetParam());
  expect_matches_sequential(path, VideoReadOptions());
}

TEST_P(SharedVideo, RandomAccessEqualsSequentialDecodeResizedSingleThreadNoDiscard) {
  const std::string path = clip_path(GetParam());
  expect_matches_sequential(path, VideoReadOptions().short_side(112).threads(1).discard_unwanted_nonref(false));
}

INSTANTIATE_TEST_SUITE_P(Generated, SharedVideo, ::testing::ValuesIn(kGeneratedClips));
INSTANTIATE_TEST_SUITE_P(RealData, SharedVideo, ::testing::ValuesIn(kClips));

TEST(VideoReader, SparseReadOfALongClipSeeksInsteadOfDecodingEverything) {
  const std::string path = test::reference_path("videos/h264_28fps.mp4");
  VideoReader reader(path);
  ASSERT_GT(reader.info().keyframes.size(), 2u);
  ASSERT_TRUE(reader.info().frame_accurate_seek);
  const std::int64_t last_key = reader.info().keyframes.back();
  reader.read_frames({last_key + 2, 279});
  EXPECT_GE(reader.last_stats().seeks, 1);
  EXPECT_LT(reader.last_stats().frames_decoded, 280 - last_key + 8);
  EXPECT_EQ(reader.last_stats().frames_converted, 2);
}

TEST(VideoReader, ResizesShortSide) {
  const std::string path = test::reference_path("videos/h264_1080p.avi");
  VideoReader reader(path, VideoReadOptions().short_side(224));
  const auto frames = reader.read_frames({0});
  EXPECT_EQ(frames[0].height, 224);
  EXPECT_EQ(frames[0].width, 398);  // 1920 * 224 / 1080 = 398.2
  EXPECT_EQ(frames[0].data.size(), 224u * 398u * 3u);
}

TEST(VideoReader, OutOfRangeIndexNamesFileAndIndex) {
  const std::string path = test::reference_path("videos/mpeg4_mp3.avi");
  VideoReader reader(path);
  for (const std::int64_t bad : {std::int64_t{164}, std::int64_t{-1}}) {
    try {
      reader.read_frames({0, bad});
      FAIL() << "no error for index " << bad;
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_EQ(e.value(), std::to_string(bad));
      EXPECT_NE(std::string(e.what()).find("[0, 164)"), std::string::npos) << e.what();
    }
  }
}

// Clips made at run time cover containers and codecs the shared data lacks.
struct MadeClip {
  const char* name;
  const char* args;
  const char* codec;
};

class MadeVideo : public ::testing::TestWithParam<MadeClip> {};

TEST_P(MadeVideo, RandomAccessEqualsSequentialDecode) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  const std::string path = dir.file(GetParam().name);
  ASSERT_TRUE(test::make_test_clip(path, GetParam().args)) << "ffmpeg could not make " << path;
  const VideoInfo info = probe_video(path);
  EXPECT_EQ(info.codec, GetParam().codec);
  EXPECT_EQ(info.frames, 60);
  EXPECT_EQ(info.width, 176);
  EXPECT_NEAR(info.fps, 25.0, 1e-6);
  expect_matches_sequential(path, VideoReadOptions());
}

INSTANTIATE_TEST_SUITE_P(
    Containers, MadeVideo,
    ::testing::Values(MadeClip{"vp8.webm", "-c:v libvpx -g 10 -b:v 300k", "vp8"},
                      MadeClip{"h264_bframes.mkv", "-c:v libx264 -g 12 -bf 3 -preset fast", "h264"},
                      MadeClip{"h264_open_gop.mp4", "-c:v libx264 -g 12 -bf 3 -x264-params open-gop=1", "h264"},
                      MadeClip{"mpeg4_bframes.avi", "-c:v mpeg4 -g 12 -bf 2", "mpeg4"},
                      MadeClip{"mpeg4_plain.avi", "-c:v mpeg4 -g 12 -bf 0", "mpeg4"}),
    [](const auto& info) {
      std::string name = info.param.name;
      for (char& c : name) if (c == '.') c = '_';
      return name;
    });

}  // namespace
}  // namespace sfar::io
