// `sfar report` through the binary on hand-written results.json files of two methods: the
// table's rows and cells, and the comparison's differences and verdicts worked out by hand.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_binary.h"
#include "support/test_data.h"

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

void put_results(const std::string& path, const Json& columns) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << Json{{"protocol", "x"}, {"columns", columns}}.dump();
}

Json column(const std::string& name, double mean, double stdev, const std::string& cell) {
  return {{"name", name}, {"mean", mean}, {"std", stdev}, {"cell", cell}};
}

TEST(Report, TableAndComparisonOfTwoMethods) {
  sfar::test::TempDir dir;
  put_results(dir.file("base/supervised/results.json"), Json::array({column("top-1", 40.0, 1.0, "40.0 ± 1.0")}));
  put_results(dir.file("base/zero-shot/results.json"), Json::array({column("unseen", 20.0, 3.0, "20.0 ± 3.0")}));
  put_results(dir.file("new/supervised/results.json"), Json::array({column("top-1", 45.0, 2.0, "45.0 ± 2.0")}));
  put_results(dir.file("new/zero-shot/results.json"), Json::array({column("unseen", 18.0, 4.0, "18.0 ± 4.0")}));
  const auto r = sfar::test::run_binary(SFAR_BINARY,
                                        "report --method base=" + dir.file("base") + " --method 'new one=" +
                                            dir.file("new") + "' --out " + dir.file("table.md"),
                                        dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("| method | supervised top-1 | zero-shot unseen |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| base | 40.0 ± 1.0 | 20.0 ± 3.0 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| new one | 45.0 ± 2.0 | 18.0 ± 4.0 |"), std::string::npos) << r.out;
  // +5 against noise sqrt(1 + 4) = 2.2: ahead; -2 against sqrt(9 + 16) = 5: within noise.
  EXPECT_NE(r.out.find("- supervised top-1: +5.0 (noise 2.2): ahead"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("- zero-shot unseen: -2.0 (noise 5.0): within noise"), std::string::npos) << r.out;
  std::ifstream in(dir.file("table.md"));
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r.out.substr(0, file.size()), file);
  const Json j = sfar::test::last_json_line(r.out);
  ASSERT_EQ(j["comparison"].size(), 2u);
  EXPECT_EQ(j["comparison"][0]["verdict"], "ahead");
  EXPECT_NEAR(j["comparison"][0]["difference"].get<double>(), 5.0, 1e-12);
  EXPECT_NEAR(j["comparison"][1]["noise"].get<double>(), 5.0, 1e-12);
  EXPECT_EQ(j["comparison"][1]["verdict"], "within noise");
}

TEST(Report, BadMethodsNameTheArgumentOrDirectory) {
  sfar::test::TempDir dir;
  auto run = [&](const std::string& args) { return sfar::test::run_binary(SFAR_BINARY, "report " + args, dir); };
  const auto no_eq = run("--method justaname");
  EXPECT_EQ(no_eq.status, 1);
  EXPECT_NE(no_eq.err.find("--method"), std::string::npos) << no_eq.err;
  const auto missing = run("--method a=" + dir.file("nowhere"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find(dir.file("nowhere")), std::string::npos) << missing.err;
  fs::create_directories(dir.file("bad/supervised"));
  std::ofstream(dir.file("bad/supervised/results.json")) << "{not json";
  const auto bad = run("--method a=" + dir.file("bad"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("bad/supervised/results.json"), std::string::npos) << bad.err;
}

}  // namespace
