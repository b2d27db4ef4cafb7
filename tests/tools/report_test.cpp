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

// A run directory as `sfar protocol` leaves it: per_class_accuracy.csv with `classes` rows.
void put_run(const std::string& dir, int classes) {
  fs::create_directories(dir);
  std::ofstream csv(dir + "/per_class_accuracy.csv");
  csv << "id,name,count,accuracy\n";
  for (int c = 0; c < classes; ++c) csv << c << ",class " << c << ",3,50\n";
}

Json runs_of(const std::string& column, const std::vector<std::pair<int, std::string>>& seeds_dirs) {
  Json runs = Json::array();
  for (const auto& [seed, dir] : seeds_dirs) runs.push_back({{"column", column}, {"seed", seed}, {"work_dir", dir}});
  return runs;
}

TEST(Report, PageLeadsWithTheTableThenSaysWhatEachColumnMeasuresAndShowsThePictures) {
  sfar::test::TempDir dir;
  const std::string m = dir.file("runs/mean");
  for (const char* seed : {"seed0", "seed1"}) put_run(m + "/supervised/" + seed, 4);
  put_run(m + "/few-shot/K2/seed0", 4);
  put_run(m + "/zero-shot/seed0/unseen", 2);
  fs::create_directories(m + "/supervised/seed0/plots");
  std::ofstream(m + "/supervised/seed0/plots/loss.png") << "png";
  std::ofstream(dir.file("runs/explain.png")) << "png";
  std::ofstream(dir.file("runs/notes.md")) << "## Notes\n\nhand-written\n";
  std::ofstream(m + "/supervised/seed0/environment.json") << Json{{"cpu_model", "Test CPU 9000"}, {"git_commit", "abc"}}.dump();
  auto put = [&](const std::string& protocol, const Json& columns, const Json& runs) {
    fs::create_directories(m + "/" + protocol);
    std::ofstream(m + "/" + protocol + "/results.json")
        << Json{{"protocol", protocol}, {"metric", "top1"}, {"columns", columns}, {"runs", runs}}.dump();
  };
  put("supervised", Json::array({column("top-1", 40.0, 1.0, "40.0 ± 1.0"), column("top-5", 90.0, 0.0, "90.0")}),
      runs_of("top-1", {{0, m + "/supervised/seed0"}, {1, m + "/supervised/seed1"}}));
  put("few-shot", Json::array({column("K=2", 30.0, 0.0, "30.0")}), runs_of("K=2", {{0, m + "/few-shot/K2/seed0"}}));
  put("zero-shot", Json::array({column("unseen", 60.0, 0.0, "60.0")}),
      runs_of("unseen", {{0, m + "/zero-shot/seed0/unseen"}}));
  const auto r = sfar::test::run_binary(SFAR_BINARY,
                                        "report --method base=" + m + " --title 'Quick start' --page " +
                                            dir.file("runs/report.md") + " --picture " + dir.file("runs/explain.png") +
                                            " --notes " + dir.file("runs/notes.md"),
                                        dir);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(dir.file("runs/report.md"));
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The heading, then the table before anything else.
  EXPECT_EQ(page.rfind("# Quick start\n\n", 0), 0u) << page;
  const auto table = page.find("| method | supervised top-1 | supervised top-5 | few-shot K=2 | zero-shot unseen |");
  ASSERT_NE(table, std::string::npos) << page;
  const auto sentences = page.find("## What each column measures");
  ASSERT_NE(sentences, std::string::npos) << page;
  EXPECT_LT(table, sentences);
  EXPECT_EQ(page.substr(0, table).find("!["), std::string::npos) << "nothing but the heading before the table";
  // One sentence per column: classes and chance from the runs' per_class_accuracy.csv, seeds from results.json.
  EXPECT_NE(page.find("- **supervised top-1**: top-1 accuracy (%) after training on the whole training list, on "
                      "its test list; 4 classes, chance 25.0 %; mean ± std over seeds 0, 1.\n"),
            std::string::npos) << page;
  EXPECT_NE(page.find("- **supervised top-5**: top-5 accuracy (%)"), std::string::npos) << page;
  EXPECT_NE(page.find("4 classes, chance 100.0 %; mean ± std over seeds 0, 1.\n"), std::string::npos) << page;
  EXPECT_NE(page.find("- **few-shot K=2**: top-1 accuracy (%) after training on 2 videos per class, on the full test "
                      "list; 4 classes, chance 25.0 %; seed 0.\n"),
            std::string::npos) << page;
  EXPECT_NE(page.find("- **zero-shot unseen**: top-1 accuracy (%) on classes never trained on (target unseen), after "
                      "training on the seen classes only; 2 classes, chance 50.0 %; seed 0.\n"),
            std::string::npos) << page;
  // The machine the first run ran on (#32).
  EXPECT_NE(page.find("- base: Test CPU 9000, sfar commit abc\n"), std::string::npos) << page;
  // The curves of the first supervised run and the picture, linked relative to report.md; the notes last.
  const auto curves = page.find("![loss](mean/supervised/seed0/plots/loss.png)");
  const auto picture = page.find("![key frames](explain.png)");
  EXPECT_NE(curves, std::string::npos) << page;
  EXPECT_NE(picture, std::string::npos) << page;
  EXPECT_LT(sentences, curves);
  EXPECT_LT(curves, picture);
  EXPECT_EQ(page.substr(page.size() - std::string("hand-written\n").size()), "hand-written\n");

  const auto missing = sfar::test::run_binary(
      SFAR_BINARY, "report --method base=" + m + " --page " + dir.file("p.md") + " --picture " + dir.file("no.png"),
      dir);
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find(dir.file("no.png")), std::string::npos) << missing.err;
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
