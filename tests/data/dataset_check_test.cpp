#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/data/dataset_check.h"
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

}  // namespace
}  // namespace sfar::data
