#include "sfar/method/selection_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "support/test_data.h"

namespace sfar::method {
namespace {

// Three classes with two sets each; `tpp` per class, each with set 1 selected.
std::string write_cache(const test::TempDir& dir, const std::vector<double>& tpp, bool select = true) {
  describe::DescriptionCache cache;
  cache.dataset = "toy";
  cache.labels_sha256 = std::string(64, '0');  // no label file is checked here
  for (std::size_t i = 0; i < tpp.size(); ++i) {
    describe::ClassDescriptions c;
    c.id = static_cast<std::int64_t>(i);
    c.name = "class " + std::to_string(i);
    c.global_text = "a video of a person " + c.name + ".";
    describe::DescriptionProvenance made;
    made.generator = "selection_report_test";
    c.candidates = {{{"s1", "s2"}, made, {}}, {{"t1", "t2"}, made, {}}};
    if (select) c.selected = 1;
    c.tpp = tpp[i];
    cache.classes.push_back(c);
  }
  const std::string path = dir.file("cache.json");
  describe::save_description_cache(path, cache);
  return path;
}

TEST(SelectionReport, ListsTheLowestClassesAndCountsEverySelectedSet) {
  test::TempDir dir;
  const std::string path = write_cache(dir, {30.0, 10.0, 20.0});
  SubtextSelectionStats stats;
  stats.dataset_tpp = 20.0;
  stats.texts_total = 12;
  const auto lines = selection_report_lines(path, stats, {SelectionMode::per_class, 2, 2, false, 1.5});
  ASSERT_EQ(lines.size(), 3u);
  const auto summary = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(summary["cache"], path);
  EXPECT_EQ(summary["dataset"], "toy");
  EXPECT_EQ(summary["mode"], "per_class");
  EXPECT_EQ(summary["classes"], 3);
  EXPECT_DOUBLE_EQ(summary["dataset_tpp"].get<double>(), 20.0);
  EXPECT_FALSE(summary.contains("dataset_set"));
  EXPECT_FALSE(summary.contains("total_s"));  // only with verbose

  const auto lowest = nlohmann::json::parse(lines[1])["lowest"];
  ASSERT_EQ(lowest.size(), 2u);
  EXPECT_EQ(lowest[0]["name"], "class 1");
  EXPECT_DOUBLE_EQ(lowest[0]["tpp"].get<double>(), 10.0);
  EXPECT_EQ(lowest[0]["selected"], 1);
  EXPECT_EQ(lowest[1]["name"], "class 2");

  const auto histogram = nlohmann::json::parse(lines[2])["histogram"];
  EXPECT_EQ(histogram["counts"].size(), 2u);
  EXPECT_EQ(histogram["counts"][0].get<int>() + histogram["counts"][1].get<int>(), 3);
}

TEST(SelectionReport, VerboseAndDatasetModeAddTheirKeys) {
  test::TempDir dir;
  const std::string path = write_cache(dir, {5.0});
  SubtextSelectionStats stats;
  stats.dataset_set = 1;
  stats.texts_encoded = 4;
  const auto summary =
      nlohmann::json::parse(selection_report_lines(path, stats, {SelectionMode::dataset, 10, 10, true, 1.5})[0]);
  EXPECT_EQ(summary["mode"], "dataset");
  EXPECT_EQ(summary["dataset_set"], 1);
  EXPECT_EQ(summary["texts_encoded"], 4);
  EXPECT_DOUBLE_EQ(summary["total_s"].get<double>(), 1.5);
}

TEST(SelectionReport, AScoredClassWithoutASelectedSetIsAnErrorNotAnIndex) {
  test::TempDir dir;
  const std::string path = write_cache(dir, {5.0}, false);
  try {
    selection_report_lines(path, {}, {});
    FAIL() << "reported a class without a selected set";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("class 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sfar::method
