// `sfar report`'s table, comparison and page (method_report.h, report_page.h), from results.json
// files that write_protocol_report wrote, as `sfar protocol` does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/recipes/method_report.h"
#include "sfar/recipes/protocol_report.h"
#include "sfar/recipes/protocol_runner.h"
#include "sfar/recipes/report_page.h"
#include "support/error_text.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// <method dir>/<protocol>/results.json with one column per (name, values).
void write_results(const fs::path& method_dir, ProtocolKind kind,
                   const std::vector<std::pair<std::string, std::vector<double>>>& columns) {
  ProtocolReport report{to_string(kind), "row", "top1", "best", {}, {}};
  for (const auto& [name, values] : columns) report.columns.push_back({name, values, {}});
  write_protocol_report((method_dir / to_string(kind)).string(), report);
}

class MethodReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_results(a_, ProtocolKind::kSupervised, {{"top-1", {60, 62}}, {"top-5", {80, 80}}});
    write_results(b_, ProtocolKind::kSupervised, {{"top-1", {70, 72}}, {"top-5", {80.5, 79.5}}});
    write_results(b_, ProtocolKind::kFewShot, {{"K=2", {50}}});
  }
  test::TempDir dir_;
  fs::path a_ = dir_.path() / "a", b_ = dir_.path() / "b";
};

TEST_F(MethodReportTest, OneRowPerMethodAndAColumnPerProtocolCell) {
  const auto report = write_method_report({{"A=" + a_.string(), "B=" + b_.string()}});
  EXPECT_EQ(report.headers, (std::vector<std::string>{"supervised top-1", "supervised top-5", "few-shot K=2"}));
  EXPECT_NE(report.table.find("| A | 61.0 ± 1.0 | 80.0 ± 0.0 | - |"), std::string::npos) << report.table;
  EXPECT_NE(report.table.find("| B | 71.0 ± 1.0 | 80.0 ± 0.5 | 50.0 |"), std::string::npos) << report.table;
  const Json json = Json::parse(report.json);
  ASSERT_EQ(json["comparison"].size(), 2u);  // the columns both methods have
  const auto top1 = json["comparison"][0];
  const MeanStd a = mean_std({60, 62}), b = mean_std({70, 72});
  EXPECT_EQ(top1["column"], "supervised top-1");
  EXPECT_DOUBLE_EQ(top1["difference"].get<double>(), b.mean - a.mean);
  EXPECT_DOUBLE_EQ(top1["noise"].get<double>(), std::hypot(a.std, b.std));
  EXPECT_EQ(top1["verdict"], "ahead");
  EXPECT_EQ(json["comparison"][1]["verdict"], "within noise");  // 0 apart, noise 0.5
}

// A column without a mean would compare as 0: the report refuses the file instead.
TEST_F(MethodReportTest, AColumnWithoutAMeanIsAFormatErrorNamingFileAndColumn) {
  const fs::path results = b_ / "supervised" / "results.json";
  Json json = Json::parse(read_file(results.string()));
  json["columns"][0].erase("mean");
  write_file_atomic(results.string(), json.dump());
  const std::string error = test::thrown([&] { write_method_report({{"A=" + a_.string(), "B=" + b_.string()}}); });
  EXPECT_NE(error.find(results.string()), std::string::npos) << error;
  EXPECT_NE(error.find("top-1"), std::string::npos) << error;
}

TEST_F(MethodReportTest, BadMethodsAreErrorsNamingThem) {
  EXPECT_NE(test::thrown([] { write_method_report({{"A"}}); }).find("NAME=DIR"), std::string::npos);
  EXPECT_NE(test::thrown([] { write_method_report({}); }).find("--method"), std::string::npos);
  const fs::path empty = dir_.path() / "empty";
  fs::create_directories(empty);
  const std::string error = test::thrown([&] { write_method_report({{"E=" + empty.string()}}); });
  EXPECT_NE(error.find(empty.string()), std::string::npos) << error;
  EXPECT_NE(error.find("supervised, few-shot, zero-shot, base-to-novel"), std::string::npos) << error;
}

TEST_F(MethodReportTest, ThePageSaysWhatEachColumnMeasuresFromTheProtocolTable) {
  MethodReportOptions options{{"A=" + a_.string(), "B=" + b_.string()}};
  options.out = (dir_.path() / "table.md").string();
  options.page = (dir_.path() / "page" / "report.md").string();
  fs::create_directories(dir_.path() / "page");
  const auto report = write_method_report(options);
  EXPECT_EQ(read_file(options.out), report.table);
  const std::string page = read_file(options.page);
  EXPECT_NE(page.find(report.table), std::string::npos);
  const std::string few_shot = entry_of(protocol_table(), ProtocolKind::kFewShot).measures("K=2");
  EXPECT_NE(page.find("- **few-shot K=2**: top-1 accuracy (%) " + few_shot), std::string::npos) << page;
  EXPECT_NE(page.find("- **supervised top-5**: top-5 accuracy (%)"), std::string::npos) << page;
}

TEST(ReportPage, AColumnOfAnUnknownProtocolNamesTheProtocol) {
  EXPECT_NE(column_sentence("fewshot K=2", {}).find("(fewshot)"), std::string::npos);
}

}  // namespace
}  // namespace sfar::recipes
