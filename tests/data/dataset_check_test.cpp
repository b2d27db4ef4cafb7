#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/data/dataset_check.h"
#include <fstream>

#include "io/video_test_support.h"
#include "video_data_fixture.h"

namespace sfar::data {
namespace {

TEST(DatasetCheck, FindsEveryKindOfBadFileAndCountsFramesAndClasses) {
  SFAR_REQUIRE_VIDEO_FIXTURE(fx);
  auto records = fx.good;
  records.insert(records.end(), fx.bad.begin(), fx.bad.end());
  DatasetCheckOptions options;
  options.root = fx.dir.path().string();
  options.class_names = {"a", "b", "c", "d"};
  options.list = "fixture.txt";
  const auto report = check_dataset(records, options);
  EXPECT_EQ(report.ok, 4);
  EXPECT_EQ(report.missing, 1);
  EXPECT_EQ(report.empty, 1);
  EXPECT_EQ(report.undecodable, 2);
  // Frame counts of the generated clips (support/make_references.py).
  EXPECT_EQ(report.files[0].frames, 280);
  EXPECT_EQ(report.files[1].frames, 300);
  EXPECT_EQ(report.files[2].frames, 164);
  EXPECT_EQ(report.files[3].frames, 280);
  EXPECT_EQ(report.min_frames, 164);
  EXPECT_EQ(report.max_frames, 300);
  EXPECT_DOUBLE_EQ(report.mean_frames, (280 + 300 + 164 + 280) / 4.0);
  EXPECT_EQ(report.files[6].status, "undecodable");
  EXPECT_NE(report.files[6].reason.find("truncated"), std::string::npos) << report.files[6].reason;
  // Labels 0,1,2,0 (good) + 0,1,2,0 (bad): the list's balance, whatever the files hold.
  EXPECT_EQ(report.class_counts, (std::vector<std::int64_t>{4, 2, 2, 0}));

  write_check_report(report, fx.dir.file("report"));
  const auto json = nlohmann::json::parse(read_file(fx.dir.file("report/report.json")));
  EXPECT_EQ(json["missing"], 1);
  EXPECT_EQ(json["empty_classes"], 1);
  EXPECT_EQ(json["files"].size(), 8u);
  EXPECT_EQ(json["class_balance"][3]["name"], "d");
  const std::string table = read_file(fx.dir.file("report/report.txt"));
  EXPECT_NE(table.find(fx.dir.file("missing.mp4")), std::string::npos);
  EXPECT_NE(table.find("undecodable 2"), std::string::npos) << table;
  EXPECT_EQ(nlohmann::json::parse(check_summary_json(report))["ok"], 4);
}

// Clips made by the ffmpeg command at test time, in one folder, as list records.
struct MadeClips {
  test::TempDir dir;
  std::vector<VideoRecord> records;
  void add(const std::string& name, const std::string& ffmpeg_args) {
    ASSERT_TRUE(test::run_ffmpeg(ffmpeg_args + " " + dir.file(name))) << ffmpeg_args;
    VideoRecord r;
    r.path = name;
    r.labels = {0};
    r.origin = "made:" + std::to_string(records.size() + 1);
    records.push_back(r);
  }
  DatasetCheckReport check() const {
    DatasetCheckOptions options;
    options.root = dir.path().string();
    return check_dataset(records, options);
  }
};

const char* const kPattern = "-f lavfi -i testsrc2=size=64x48:rate=10 ";
const char* const kBlank = "-f lavfi -i color=c=0x3366cc:size=64x48:rate=10 ";

// A palettized clip decodes to its colours (it once came out black, and data check said ok);
// a genuinely one-colour clip is flagged, and a list of only such clips is flagged as a whole.
TEST(DatasetCheck, FlagsClipsOfOneColourButNotAPalettizedOne) {
  SFAR_REQUIRE_FFMPEG_CLI();
  MadeClips clips;
  clips.add("pal8.avi", std::string(kPattern) + "-frames:v 12 -pix_fmt pal8 -c:v rawvideo");
  clips.add("smc.mov", std::string(kPattern) + "-frames:v 12 -c:v smc");
  clips.add("blank.mkv", std::string(kBlank) + "-frames:v 12 -c:v ffv1");
  const auto report = clips.check();
  EXPECT_EQ(report.files[0].status, "ok") << report.files[0].reason;
  EXPECT_EQ(report.files[1].status, "ok") << report.files[1].reason;
  EXPECT_EQ(report.files[2].status, "constant");
  EXPECT_NE(report.files[2].reason.find("frames 0, 6, 11) is one colour"), std::string::npos)
      << report.files[2].reason;
  EXPECT_EQ(report.ok, 2);
  EXPECT_EQ(report.constant, 1);
  EXPECT_FALSE(report.all_constant);
  EXPECT_NE(check_report_table(report).find("constant     " + clips.dir.file("blank.mkv")), std::string::npos)
      << check_report_table(report);
}

TEST(DatasetCheck, FlagsAListWhoseClipsAreAllOneColour) {
  SFAR_REQUIRE_FFMPEG_CLI();
  MadeClips clips;
  clips.add("blue.mkv", std::string(kBlank) + "-frames:v 12 -c:v ffv1");
  clips.add("black.avi", "-f lavfi -i color=c=black:size=64x48:rate=10 -frames:v 12 -c:v mpeg4");
  const auto report = clips.check();
  EXPECT_EQ(report.constant, 2);
  EXPECT_TRUE(report.all_constant);
  EXPECT_EQ(nlohmann::json::parse(check_summary_json(report))["all_constant"], true);
  EXPECT_NE(check_report_table(report).find("WARNING: every decoded file is one colour"), std::string::npos);
}

// A WebM cut to 40 % keeps its declared 3.0 s but holds about 1 s of frames.
TEST(DatasetCheck, ReportsAVideoWhoseFramesEndWellShortOfItsDuration) {
  SFAR_REQUIRE_FFMPEG_CLI();
  MadeClips clips;
  clips.add("full.webm", std::string(kPattern) + "-t 3 -c:v libvpx -deadline realtime -g 5");
  const std::string bytes = test::VideoDataFixture::read_bytes(clips.dir.file("full.webm"));
  std::ofstream(clips.dir.file("cut.webm"), std::ios::binary) << bytes.substr(0, bytes.size() * 4 / 10);
  clips.records.push_back(clips.records.front());
  clips.records.back().path = "cut.webm";
  const auto report = clips.check();
  EXPECT_EQ(report.files[0].status, "ok") << report.files[0].reason;
  EXPECT_EQ(report.files[1].status, "truncated");
  EXPECT_NE(report.files[1].reason.find("the container declares 3.00 s"), std::string::npos) << report.files[1].reason;
  EXPECT_EQ(report.truncated, 1);
}

TEST(DatasetCheck, AFrameOverThePixelLimitIsUndecodable) {
  SFAR_REQUIRE_FFMPEG_CLI();
  MadeClips clips;
  clips.add("small.mkv", std::string(kPattern) + "-frames:v 3 -c:v ffv1");
  DatasetCheckOptions options;
  options.root = clips.dir.path().string();
  options.max_frame_pixels = 64 * 48 - 1;
  const auto report = check_dataset(clips.records, options);
  EXPECT_EQ(report.files[0].status, "undecodable");
  EXPECT_NE(report.files[0].reason.find("frame size 64x48"), std::string::npos) << report.files[0].reason;
}

}  // namespace
}  // namespace sfar::data
