#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/data/video_list.h"
#include "support/error_text.h"
#include "support/test_data.h"

namespace sfar::data {
namespace {

std::vector<std::string> numbered_names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("class" + std::to_string(i));
  return names;
}

TEST(VideoList, FewShotSplitFilesHoldKPerClass) {
  for (const auto& [dir, classes] : std::map<std::string, int>{{"hmdb_splits", 51}, {"ucf_splits", 101}}) {
    for (int k : {2, 4, 8, 16}) {
      const std::string path =
          test::repo_data_path("splits/vifi_clip/" + dir + "/train1_few_shot_" + std::to_string(k) + ".txt");
      VideoListOptions options;
      options.class_names = numbered_names(classes);
      const auto records = read_video_list(path, VideoListFormat::kPathLabel, options);
      std::map<std::int64_t, int> per_class;
      for (const auto& r : records) ++per_class[r.labels.at(0)];
      EXPECT_EQ(per_class.size(), static_cast<std::size_t>(classes)) << path;
      for (const auto& [label, count] : per_class) EXPECT_EQ(count, k) << path << " class " << label;
    }
  }
}

TEST(VideoList, ValidationListsParse) {
  const std::string hmdb = test::repo_data_path("splits/vifi_clip/hmdb_splits/val1.txt");
  VideoListOptions options;
  options.class_names = numbered_names(51);
  const auto records = read_video_list(hmdb, VideoListFormat::kPathLabel, options);
  ASSERT_EQ(records.size(), 1530u);
  EXPECT_EQ(records[0].path, "Aussie_Brunette_Brushing_Long_Hair_brush_hair_u_nm_np1_ba_med_3.avi");
  EXPECT_EQ(records[0].labels, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(records[0].origin, hmdb + ":1");

  const std::string ssv2 = test::repo_data_path("splits/vifi_clip/ssv2_splits/validation.txt");
  options.class_names = numbered_names(174);
  const auto ss = read_video_list(ssv2, VideoListFormat::kPathLabel, options);
  EXPECT_EQ(ss[0].path, "74225.webm");
  EXPECT_EQ(ss[0].labels[0], 140);

  // The same list against too few classes names the offending line.
  options.class_names = numbered_names(100);
  try {
    read_video_list(ssv2, VideoListFormat::kPathLabel, options);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("label outside the class list of 100 classes"), std::string::npos);
    EXPECT_EQ(e.where().rfind(ssv2 + ":", 0), 0u);
  }
}

TEST(VideoList, PathsWithSpacesSplitOnTheLastSpaceAndBadLinesAreNamed) {
  test::TempDir dir;
  write_file_atomic(dir.file("list.txt"), "\xEF\xBB\xBFmy clip.mp4 3\r\nother.mp4 1\n\n");
  const auto records = read_video_list(dir.file("list.txt"), VideoListFormat::kPathLabel);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].path, "my clip.mp4");
  EXPECT_EQ(records[0].labels[0], 3);

  write_file_atomic(dir.file("bad.txt"), "a.mp4 1\nb.mp4 x\n");
  try {
    read_video_list(dir.file("bad.txt"), VideoListFormat::kPathLabel);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), (dir.file("bad.txt") + ":2: expected an integer label, got \"x\"").c_str());
  }
  write_file_atomic(dir.file("frames.txt"), "clips/a 120 4\nclips/b 0 1\n");
  EXPECT_THROW(read_video_list(dir.file("frames.txt"), VideoListFormat::kRawFrames), FormatError);
  write_file_atomic(dir.file("frames.txt"), "clips/a 120 4\n");
  const auto frames = read_video_list(dir.file("frames.txt"), VideoListFormat::kRawFrames);
  EXPECT_EQ(frames[0].num_frames, 120);
  EXPECT_EQ(frames[0].path, "clips/a");
}

TEST(VideoList, KineticsCsvNamesClipsLikeTheSplitFiles) {
  const std::string labels = test::repo_data_path("labels/k400/kinetics_400_labels.csv");
  test::TempDir dir;
  write_file_atomic(dir.file("val.csv"),
                    "label,youtube_id,time_start,time_end,split\n"
                    "abseiling,0wR5jVB-WPk,417,427,val\n\"zumba\",abc,1,11,val\n");
  VideoListOptions options;
  options.class_names = {"abseiling", "zumba"};
  const auto records = read_video_list(dir.file("val.csv"), VideoListFormat::kKineticsCsv, options);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].path, "0wR5jVB-WPk_000417_000427.mp4");
  EXPECT_EQ(records[1].labels[0], 1);
  write_file_atomic(dir.file("bad.csv"), "label,youtube_id,time_start,time_end\nflying,x,1,2\n");
  EXPECT_THROW(read_video_list(dir.file("bad.csv"), VideoListFormat::kKineticsCsv, options), FormatError);
  write_file_atomic(dir.file("quote.csv"), "label,youtube_id,time_start,time_end\n\"zumba,abc,1,11\n");
  try {
    read_video_list(dir.file("quote.csv"), VideoListFormat::kKineticsCsv, options);
    FAIL() << "an unclosed quote was accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("quote.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad CSV quoting"), std::string::npos) << e.what();
  }
}

TEST(VideoList, Ssv2JsonUsesTemplatesWithoutBrackets) {
  const std::string labels_path = test::repo_data_path("labels/ssv2/something-something-v2-labels.json");
  const auto labels = nlohmann::json::parse(read_file(labels_path));
  std::vector<std::string> names(labels.size());
  for (const auto& [name, id] : labels.items()) names.at(std::stoul(id.get<std::string>())) = name;
  test::TempDir dir;
  write_file_atomic(dir.file("val.json"),
                    R"([{"id": "74225", "template": "Approaching [something] with your camera"}])");
  VideoListOptions options;
  options.class_names = names;
  options.video_extension = ".webm";
  const auto records = read_video_list(dir.file("val.json"), VideoListFormat::kSsv2Json, options);
  EXPECT_EQ(records[0].path, "74225.webm");
  EXPECT_EQ(records[0].labels[0], 0);
}

TEST(VideoList, UcfAndDivingAndSlowFastFormats) {
  test::TempDir dir;
  const std::vector<std::string> ucf = {"ApplyEyeMakeup", "ApplyLipstick"};
  write_file_atomic(dir.file("train.txt"), "ApplyLipstick/v_ApplyLipstick_g08_c01.avi 2\n");
  write_file_atomic(dir.file("test.txt"), "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi\n");
  VideoListOptions options;
  options.class_names = ucf;
  EXPECT_EQ(read_video_list(dir.file("train.txt"), VideoListFormat::kUcfSplit, options)[0].labels[0], 1);
  EXPECT_EQ(read_video_list(dir.file("test.txt"), VideoListFormat::kUcfSplit, options)[0].labels[0], 0);

  write_file_atomic(dir.file("d48.json"),
                    R"([{"vid_name": "-mmq0PT-u8k_00155", "label": 1, "start_frame": 0, "end_frame": 59}])");
  const auto d = read_video_list(dir.file("d48.json"), VideoListFormat::kDiving48Json, options);
  EXPECT_EQ(d[0].path, "-mmq0PT-u8k_00155.mp4");
  EXPECT_EQ(d[0].end_frame, 59);

  write_file_atomic(dir.file("sf.csv"), "a/b.mp4,1\n");
  options.separator = ',';
  EXPECT_EQ(read_video_list(dir.file("sf.csv"), VideoListFormat::kSlowFastCsv, options)[0].path, "a/b.mp4");
  EXPECT_THROW(parse_video_list_format("xml"), ArgumentError);
  EXPECT_EQ(to_string(parse_video_list_format("ucf_split")), "ucf_split");
}

// Every format of the table reads back from its name, in enumerator order, and an unknown name
// is an error that names the key and every format of the table.
TEST(VideoList, FormatTableRoundTripsAndNamesEveryFormatInErrors) {
  const auto& formats = video_list_formats();
  ASSERT_FALSE(formats.empty());
  for (std::size_t i = 0; i < formats.size(); ++i) {
    SCOPED_TRACE(formats[i].name);
    EXPECT_EQ(static_cast<std::size_t>(formats[i].value), i);
    EXPECT_EQ(parse_video_list_format(formats[i].name), formats[i].value);
    EXPECT_EQ(to_string(formats[i].value), formats[i].name);
    EXPECT_NE(formats[i].read, nullptr);
    EXPECT_FALSE(std::string(formats[i].description).empty());
  }
  const std::string error = test::thrown([] { parse_video_list_format("xml", "data.format"); });
  EXPECT_EQ(error.rfind("data.format: unknown format 'xml'; known: ", 0), 0u) << error;
  for (const auto& format : formats) EXPECT_NE(error.find(format.name), std::string::npos) << error;
}

// The names of an `id,name` CSV, in file order.
std::vector<std::string> csv_names(const std::string& csv) {
  std::vector<std::string> names;
  std::stringstream ss(read_file(csv));
  std::string line;
  std::getline(ss, line);  // header
  while (std::getline(ss, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) names.push_back(line.substr(line.find(',') + 1));
  }
  return names;
}

// The HMDB trap with the repository's files: Text4Vis's order fits the split file, the same
// names with kick ball/kick swapped (as ViFi-CLIP's CSV has them) do not.
TEST(VideoList, ClassListContradictingTheRepositorysSplitFileIsAnError) {
  const std::string hmdb = test::repo_data_path("splits/vifi_clip/hmdb_splits/val1.txt");
  const std::string text4vis = test::repo_data_path("labels/hmdb51/text4vis_hmdb51_labels.csv");
  VideoListOptions options;
  options.class_names = csv_names(text4vis);
  const auto records = read_video_list(hmdb, VideoListFormat::kPathLabel, options);
  EXPECT_NO_THROW(check_class_names_match_videos(records, options.class_names, text4vis));
  auto swapped = options.class_names;
  std::swap(swapped.at(20), swapped.at(21));
  try {
    check_class_names_match_videos(records, swapped, "swapped.csv");
    FAIL() << "the swapped order was accepted";
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.where().rfind(hmdb + ":", 0), 0u) << what;
    EXPECT_NE(what.find("videos labelled 20 are named after 'kick'"), std::string::npos) << what;
  }
  const std::string ucf = test::repo_data_path("splits/vifi_clip/ucf_splits/val1.txt");
  const std::string ucf_names = test::repo_data_path("labels/ucf101/ucf_101_labels.csv");
  options.class_names = csv_names(ucf_names);
  const auto ucf_records = read_video_list(ucf, VideoListFormat::kPathLabel, options);
  EXPECT_NO_THROW(check_class_names_match_videos(ucf_records, options.class_names, ucf_names));
}

TEST(VideoListRealData, ClassListContradictingTheSplitFileIsAnError) {
  SFAR_REQUIRE_DATA(hmdb, "splits/vifi_clip/hmdb_splits/val1.txt");
  SFAR_REQUIRE_DATA(vifi, "labels/hmdb51/vifi_hmdb_51_labels.csv");
  SFAR_REQUIRE_DATA(text4vis, "labels/hmdb51/text4vis_hmdb51_labels.csv");
  VideoListOptions options;
  options.class_names = csv_names(text4vis);
  const auto records = read_video_list(hmdb, VideoListFormat::kPathLabel, options);
  EXPECT_NO_THROW(check_class_names_match_videos(records, options.class_names, text4vis));
  try {
    check_class_names_match_videos(records, csv_names(vifi), vifi);
    FAIL() << "the swapped ViFi-CLIP order was accepted";
  } catch (const FormatError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.where().rfind(hmdb + ":", 0), 0u) << what;
    EXPECT_NE(what.find("videos labelled 20 are named after 'kick'"), std::string::npos) << what;
    EXPECT_NE(what.find(vifi), std::string::npos) << what;
  }
  SFAR_REQUIRE_DATA(ucf, "splits/vifi_clip/ucf_splits/val1.txt");
  SFAR_REQUIRE_DATA(ucf_names, "labels/ucf101/ucf_101_labels.csv");
  options.class_names = csv_names(ucf_names);
  const auto ucf_records = read_video_list(ucf, VideoListFormat::kPathLabel, options);
  EXPECT_NO_THROW(check_class_names_match_videos(ucf_records, options.class_names, ucf_names));
  // Lists whose names carry no class are not judged.
  SFAR_REQUIRE_DATA(k400, "splits/vifi_clip/k400_splits/val.txt");
  options.class_names = numbered_names(400);
  const auto kinetics = read_video_list(k400, VideoListFormat::kPathLabel, options);
  EXPECT_NO_THROW(check_class_names_match_videos(kinetics, options.class_names, "k400.csv"));
}

// Records "<path> <label>" for check_class_names_match_videos.
std::vector<VideoRecord> labelled(const std::vector<std::pair<std::string, std::int64_t>>& videos) {
  std::vector<VideoRecord> records;
  for (const auto& [path, label] : videos) records.push_back({path, {label}, -1, 0, -1, "list.txt"});
  return records;
}

TEST(VideoList, ShortClassNamesAreNeverJudged) {
  // One- and two-letter names turn up inside other names and paths ("a" in "clips", "b" in
  // "vid_b"): no evidence either way, so no alarm.
  const auto records = labelled({{"clips/a/vid_b_001.mp4", 0}, {"clips/a/vid_c_002.mp4", 0},
                                 {"clips/b/vid_a_003.mp4", 1}, {"clips/b/vid_a_004.mp4", 1},
                                 {"clips/ab/vid_a_005.mp4", 2}, {"clips/ab/vid_b_006.mp4", 2}});
  EXPECT_NO_THROW(check_class_names_match_videos(records, {"a", "b", "ab"}, "short.txt"));
  EXPECT_NO_THROW(check_class_names_match_videos(records, {"b", "a", "x1"}, "short.txt"));
}

TEST(VideoList, OneStrayVideoIsNotEvidence) {
  // Class 1's only contradicting video is one file named after class 0: not enough.
  const auto records = labelled({{"run/run_1.mp4", 0}, {"run/run_2.mp4", 0}, {"jump/jump_1.mp4", 1},
                                 {"jump/jump_2.mp4", 1}, {"extra/run_3.mp4", 1}, {"walk/walk_1.mp4", 2},
                                 {"walk/walk_2.mp4", 2}, {"walk/walk_3.mp4", 2}, {"sit/sit_1.mp4", 3},
                                 {"sit/sit_2.mp4", 3}, {"sit/sit_3.mp4", 3}});
  EXPECT_NO_THROW(check_class_names_match_videos(records, {"run", "jump", "walk", "sit"}, "names.txt"));
  // Two names swapped: both videos of label 0 are named after class 1.
  EXPECT_NE(test::thrown([&] { check_class_names_match_videos(records, {"jump", "run", "walk", "sit"}, "names.txt"); })
                .find("the class list's order contradicts"),
            std::string::npos);
}

TEST(VideoList, HmdbOfficialSplitFiles) {
  test::TempDir dir;
  write_file_atomic(dir.file("kick_test_split1.txt"), "v1.avi 1 \nv2.avi 2 \nv3.avi 0 \n");
  write_file_atomic(dir.file("sword_test_split1.txt"), "v4.avi 2 \n");
  const auto test = read_hmdb_split(dir.path().string(), 1, "test", {"kick", "sword"});
  ASSERT_EQ(test.size(), 2u);
  EXPECT_EQ(test[1].path, "sword/v4.avi");
  EXPECT_EQ(test[1].labels[0], 1);
  EXPECT_THROW(read_hmdb_split(dir.path().string(), 2, "test", {"kick"}), IoError);
}

}  // namespace
}  // namespace sfar::data
