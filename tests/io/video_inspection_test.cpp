#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "sfar/io/video_inspection.h"
#include "support/test_data.h"
#include "video_test_support.h"

#if SFAR_WITH_VIDEO
#include "sfar/io/image_file.h"
#endif

namespace sfar::io {
namespace {

TEST(VideoInspection, ParsesIndicesAndNamesTheBadToken) {
  EXPECT_EQ(parse_frame_indices("0,10,50"), (std::vector<std::int64_t>{0, 10, 50}));
  EXPECT_EQ(parse_frame_indices("7"), (std::vector<std::int64_t>{7}));
  for (const std::string bad : {"", "1,,2", "-3", "4x", "1,", "x"}) {
    try {
      parse_frame_indices(bad, "--at");
      FAIL() << "accepted '" << bad << "'";
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("--at"), std::string::npos) << e.what();
    }
  }
}

TEST(VideoInspection, SpreadIndicesAreSegmentCentresInsideTheVideo) {
  EXPECT_EQ(spread_frame_indices(60, 8), (std::vector<std::int64_t>{3, 11, 18, 26, 33, 41, 48, 56}));
  EXPECT_EQ(spread_frame_indices(3, 8), (std::vector<std::int64_t>{0, 0, 0, 1, 1, 2, 2, 2}));
  EXPECT_TRUE(spread_frame_indices(0, 8).empty());  // never index -1
}

#if SFAR_WITH_VIDEO
TEST(VideoInspection, FramePngsHoldTheFramesAskedForOnceEach) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  ASSERT_TRUE(test::make_test_clip(clip, "-c:v libx264 -g 12", 30));
  const auto lines = write_frame_pngs(clip, {20, 3, 20}, dir.path().string(), 0);
  ASSERT_EQ(lines.size(), 2u);  // 20 once, in increasing order
  VideoReader reader(clip);
  const auto expected = reader.read_frames({3, 20});
  for (std::size_t k = 0; k < 2; ++k) {
    const auto line = nlohmann::json::parse(lines[k]);
    EXPECT_EQ(line["index"], k == 0 ? 3 : 20);
    const RgbFrame written = read_image(line["path"].get<std::string>());
    EXPECT_EQ(line["width"], written.width);
    EXPECT_EQ(written.data, expected[k].data) << "frame " << line["index"];
  }
  EXPECT_THROW(write_frame_pngs(clip, {30}, dir.path().string(), 0), Error);  // past the last frame
}

TEST(VideoInspection, DecodeBenchReadsTheIndicesAndCountsEveryFrame) {
  SFAR_REQUIRE_FFMPEG_CLI();
  test::TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  ASSERT_TRUE(test::make_test_clip(clip, "-c:v libx264 -g 12", 40));
  const auto given = nlohmann::json::parse(decode_bench_json(clip, {5, 30}, VideoReadOptions()));
  EXPECT_EQ(given["indices"].get<std::vector<std::int64_t>>(), (std::vector<std::int64_t>{5, 30}));
  EXPECT_EQ(given["frames"], 40);
  EXPECT_EQ(given["sequential_frames"], 40);
  EXPECT_GE(given["seek_frames_decoded"].get<std::int64_t>(), 2);
  EXPECT_LT(given["seek_frames_decoded"].get<std::int64_t>(), 40);
  const auto spread = nlohmann::json::parse(decode_bench_json(clip, {}, VideoReadOptions()));
  EXPECT_EQ(spread["indices"].get<std::vector<std::int64_t>>(), spread_frame_indices(40, 8));
  EXPECT_GT(spread["speedup"].get<double>(), 0.0);
}
#endif

}  // namespace
}  // namespace sfar::io
