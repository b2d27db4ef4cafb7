// The README's quick start (scripts/quickstart.sh) scaled down: the storyboard-mini benchmark
// (four classes that share no atomic action), two seeds, K in {2, 4} with each K-shot list read
// once per epoch (not cycled to train.txt's length, which would add 8 full-length runs), the
// configs' own epochs.
// Checks that every stage leaves its files, that the zero-shot cells evaluate the supervised
// runs' own checkpoints, that the report's table is the protocols' results, and that SFAR has
// learned: its supervised top-1 on val.txt is at least 1.5x chance, and ahead of the mean
// baseline's by more than the two cells' combined std (measured 2026-12-06 on 2 CPU cores with
// the storyboard-v2 recipe, SFAR with its temporal transformer: 68.0 +- 0.0 against
// 54.3 +- 1.2, chance 25 %, on 128 clips).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) { return sfar::read_file(path.string()); }

Json read_json(const fs::path& path) { return Json::parse(read_text(path)); }

TEST(QuickStart, MiniRunLearnsAndWritesEveryStageAndAReport) {
  sfar::test::TempDir dir;
  const fs::path out = dir.file("qs");
  const std::string env = "env QS_PRESET=storyboard-mini QS_SKIP_BUILD=1 SFAR=" + std::string(SFAR_BINARY) +
                          " QS_OUT=" + out.string() + " QS_SEEDS=0,1 QS_SHOTS=[2,4] QS_REPEAT_TO_FULL=false";
  const auto r = sfar::test::run_binary(env, "bash " + sfar::test::source_dir() + "/scripts/quickstart.sh", dir);
  ASSERT_EQ(r.status, 0) << r.out << r.err;

  // 1. the benchmark, 2. pre-training, 3. TPP selection.
  for (const char* f : {"classes.csv", "train.txt", "val.txt", "fewshot/train_2.txt", "zeroshot/classes.csv",
                        "zeroshot/test.txt", "descriptions.json", "pretrain/list.txt", "synth.json"}) {
    EXPECT_TRUE(fs::is_regular_file(out / "data" / f)) << f;
  }
  EXPECT_TRUE(fs::is_regular_file(out / "pretrain/clip.pt"));
  EXPECT_TRUE(fs::is_regular_file(out / "pretrain/tokenizer.model"));
  const auto tpp_lines = sfar::test::json_lines(read_text(out / "tpp.jsonl"));
  ASSERT_FALSE(tpp_lines.empty());
  const Json& tpp = tpp_lines.front();
  EXPECT_GT(tpp["dataset_tpp"].get<double>(), 0);
  const Json selected = read_json(out / "data/descriptions_selected.json");
  for (const auto& entry : selected["classes"]) EXPECT_TRUE(entry.contains("selected")) << entry.dump();

  // 4. both heads, three protocols; zero-shot evaluates the supervised checkpoints.
  for (const char* head : {"mean", "sfar"}) {
    SCOPED_TRACE(head);
    const fs::path h = out / head;
    const Json sup = read_json(h / "supervised/results.json");
    const Json few = read_json(h / "few-shot/results.json");
    const Json zero = read_json(h / "zero-shot/results.json");
    ASSERT_EQ(sup["runs"].size(), 2u);
    ASSERT_EQ(few["columns"].size(), 2u);
    EXPECT_EQ(few["columns"][0]["name"], "K=2");
    EXPECT_EQ(few["columns"][1]["name"], "K=4");
    EXPECT_EQ(few["runs"].size(), 4u);
    ASSERT_EQ(zero["runs"].size(), 2u);
    EXPECT_EQ(zero["columns"][0]["name"], "unseen");
    for (int s = 0; s < 2; ++s) {
      EXPECT_EQ(zero["runs"][s]["files"]["checkpoint"], sup["runs"][s]["files"]["checkpoint"]);
      EXPECT_EQ(zero["runs"][s]["seed"], s);
      EXPECT_FALSE(fs::exists(h / ("zero-shot/seed" + std::to_string(s)) / "source")) << "nothing trained twice";
      EXPECT_DOUBLE_EQ(zero["runs"][s]["metrics"]["videos"].get<double>(), 2 * 3);  // 2 held-out classes x 3
    }
    if (fs::exists("/usr/bin/gnuplot")) {  // scripts/install_deps.sh installs gnuplot-nox
      for (const char* png : {"loss.png", "lr.png", "eval.png"}) {
        EXPECT_TRUE(fs::is_regular_file(h / "supervised/seed0/plots" / png)) << png;
      }
    }
  }

  // SFAR has learned the four classes: well above chance on the validation clips.
  const Json sfar_sup = read_json(out / "sfar/supervised/results.json");
  const Json& sfar_top1 = sfar_sup["columns"][0];
  EXPECT_EQ(sfar_top1["name"], "top-1");
  EXPECT_GE(sfar_top1["mean"].get<double>(), 1.5 * 25.0) << sfar_top1.dump();
  // ... and beyond the baseline: the report's "ahead" (difference of means over the noise
  // sqrt(std1^2 + std2^2) of the two cells).
  const Json mean_sup = read_json(out / "mean/supervised/results.json");
  const Json& mean_top1 = mean_sup["columns"][0];
  ASSERT_EQ(mean_top1["name"], "top-1");
  const double margin = sfar_top1["mean"].get<double>() - mean_top1["mean"].get<double>();
  const double noise = std::hypot(sfar_top1["std"].get<double>(), mean_top1["std"].get<double>());
  EXPECT_GT(margin, noise) << "SFAR " << sfar_top1.dump() << " vs mean " << mean_top1.dump();

  // 5. key-frame picture of the first validation video, naming its true and predicted class.
  const std::string png = read_text(out / "explain.png");
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const Json explain = sfar::test::last_json_line(read_text(out / "explain.json"));
  const std::string first_val = read_text(out / "data/val.txt").substr(0, read_text(out / "data/val.txt").find('\n'));
  EXPECT_EQ(explain["video"], (out / "data" / first_val.substr(0, first_val.find(' '))).string());
  EXPECT_TRUE(explain.contains("true")) << explain.dump();
  EXPECT_EQ(explain["predicted"], explain["top"][0]["name"]);
  EXPECT_EQ(explain["key_frames"].size(), 3u) << explain.dump();

  // 6. the report leads with the table (the protocols' cells), then a sentence per column with
  // its chance level, then the curves and the key frames.
  const std::string report = read_text(out / "report.md");
  const auto table_at = report.find("| method |");
  ASSERT_NE(table_at, std::string::npos) << report;
  EXPECT_EQ(report.rfind("# ", 0), 0u) << report;
  EXPECT_EQ(report.find('\n', report.find('\n') + 1) + 1, report.find("<!--")) << "the table right after the heading";
  EXPECT_LT(table_at, report.find("## What each column measures")) << report;
  const Json mean_zero = read_json(out / "mean/zero-shot/results.json");
  EXPECT_NE(report.find("| SFAR | " + sfar_top1["cell"].get<std::string>() + " |"), std::string::npos)
      << report;
  EXPECT_NE(report.find(mean_zero["columns"][0]["cell"].get<std::string>() + " |\n"), std::string::npos) << report;
  EXPECT_NE(report.find("- **supervised top-1**: top-1 accuracy (%) after training on the whole training list, on "
                        "its test list; 4 classes, chance 25.0 %; mean ± std over seeds 0, 1."),
            std::string::npos) << report;
  EXPECT_NE(report.find("- **zero-shot unseen**: top-1 accuracy (%) on classes never trained on (target unseen), "
                        "after training on the seen classes only; 2 classes, chance 50.0 %"),
            std::string::npos) << report;
  EXPECT_NE(report.find("SFAR vs baseline (mean head)"), std::string::npos) << report;
  EXPECT_NE(report.find("![key frames](explain.png)"), std::string::npos) << report;
  if (fs::exists("/usr/bin/gnuplot")) {
    EXPECT_NE(report.find("(mean/supervised/seed0/plots/loss.png)"), std::string::npos) << report;
  }

  // The terminal: stage lines, a progress bar per stage (a line per tenth in this pipe), the
  // table and where the report is; the per-step lines are in each run's log.txt only.
  EXPECT_NE(r.out.find("quick start done"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find((out / "report.md").string()), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("[info]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("few-shot ["), std::string::npos) << r.err;
  EXPECT_LT(std::count(r.out.begin(), r.out.end(), '\n') + std::count(r.err.begin(), r.err.end(), '\n'), 150)
      << r.out << r.err;
  EXPECT_NE(read_text(out / "sfar/few-shot/K2/seed1/log.txt").find("epoch 1 eval:"), std::string::npos);
}

}  // namespace
