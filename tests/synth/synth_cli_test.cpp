// `sfar synth` through the binary, as a user runs it: one JSON summary line, the files, and
// one-line errors with a non-zero exit status for bad arguments.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "sfar/core/atomic_file.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace {

sfar::test::CommandResult run_sfar(const std::string& args, const sfar::test::TempDir& dir) {
  return sfar::test::run_binary(SFAR_BINARY, args, dir);
}

TEST(SynthCli, GeneratesTheTinyBenchmarkAndPrintsOneSummaryLine) {
  sfar::test::TempDir dir;
  const std::string out = dir.file("bench");
  const auto r = run_sfar("synth --preset storyboard-tiny --out '" + out + "' --seed 3", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["preset"], "storyboard-tiny");
  EXPECT_EQ(summary["seed"], 3);
  EXPECT_EQ(summary["seen_classes"], 4);
  EXPECT_EQ(summary["zeroshot_classes"], 2);
  EXPECT_EQ(summary["train"], 64);
  EXPECT_EQ(summary["val"], 32);
  EXPECT_EQ(summary["zeroshot_test"], 6);
  EXPECT_EQ(summary["pretrain"], 24 + 14);  // 12 actions x 2, and 14 two-action pairs
  EXPECT_EQ(summary["videos"], 140);
  EXPECT_GT(summary["seconds"].get<double>(), 0.0);
  for (const char* f : {"classes.csv", "train.txt", "val.txt", "fewshot/train_2.txt", "fewshot/train_8.txt",
                        "zeroshot/classes.csv", "zeroshot/test.txt", "descriptions.json", "pretrain/list.txt",
                        "pretrain/captions.txt", "synth.json", "videos/zeroshot/z01_002.mp4"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  }
  const auto manifest = nlohmann::json::parse(sfar::read_file(out + "/synth.json"));
  EXPECT_EQ(manifest["seed"], 3);

  const auto again = run_sfar("synth --preset storyboard-tiny --out '" + out + "'", dir);
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  const auto forced = run_sfar("synth --preset storyboard-tiny --out '" + out + "' --seed 3 --force", dir);
  EXPECT_EQ(forced.status, 0) << forced.err;
}

TEST(SynthCli, BadArgumentsFailWithOneLine) {
  sfar::test::TempDir dir;
  const auto bad = run_sfar("synth --preset storyboard-xl --out '" + dir.file("x") + "'", dir);
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("\"storyboard-xl\""), std::string::npos) << bad.err;
  const auto missing = run_sfar("synth --preset storyboard-tiny", dir);
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.err.find("--out"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x")));
}

}  // namespace
