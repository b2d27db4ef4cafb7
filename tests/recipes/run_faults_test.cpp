// Faults around a tiny `sfar train` run, through the binary: a full disk (RLIMIT_FSIZE) and a
// blocked work directory while saving, bad checkpoints given to `eval --checkpoint` and
// `train --resume`, and a training list with 5% bad files under the skip policy.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/trainer.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Result = test::CommandResult;

Result run_sfar(const std::string& args, const test::TempDir& dir, const std::string& prefix = "") {
  return test::run_binary(prefix + SFAR_BINARY, args, dir);
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Exit code 1 and exactly one error line on stderr, naming `path`, with no crash report.
void expect_one_error(const Result& r, const std::string& path, const std::string& reason) {
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(count(r.err, "sfar: error:"), 1) << r.err;
  const auto at = r.err.find("sfar: error:");
  const std::string line = at == std::string::npos ? "" : r.err.substr(at, r.err.find('\n', at) - at);
  EXPECT_NE(line.find(path), std::string::npos) << line;
  EXPECT_NE(line.find(reason), std::string::npos) << line;
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
}

// One finished one-epoch run (step_000000001.pt), shared by the tests below.
class RunFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(test::tiny_clip_path()) ||
        !fs::exists(test::reference_path("videos/h264_30fps.mp4"))) {
      return;
    }
    dir_ = new test::TempDir;
    root_ = test::make_tiny_videos(*dir_, test::reference_path("videos"), {"a.mp4", "b.mp4", "c.avi"}, "train.txt");
    config_ = test::TinyRun(root_, "train.txt", dir_->file("labels.csv")).work_dir(dir_->file("run")).seed(7)
                  .write(dir_->file("tiny.yaml"));
    const Result r = run_sfar("train --config " + config_, *dir_);
    if (r.status == 0) checkpoint_ = dir_->file("run/checkpoints/step_000000001.pt");
    setup_error_ = r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    const std::string weights = ::sfar::test::tiny_clip_path();
    const std::string video = ::sfar::test::reference_path("videos/h264_30fps.mp4");
    ASSERT_FALSE(checkpoint_.empty()) << setup_error_;
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline std::string root_, config_, checkpoint_, setup_error_;
};

TEST_F(RunFaults, FullDiskWhileSavingKeepsThePreviousCheckpoint) {
  test::TempDir dir;
  fs::copy(dir_->file("run"), dir.file("run"), fs::copy_options::recursive);
  const std::string ckpt = dir.file("run/checkpoints/step_000000001.pt");
  const std::string before = read_file(ckpt);
  // Files may grow to 2 MB: a checkpoint write fails with EFBIG, as on a full disk.
  const Result r = run_sfar("train --config " + config_ + " --work-dir " + dir.file("run") +
                                " --resume auto --set train.epochs=2",
                            dir, "trap '' XFSZ; ulimit -f 4096; exec ");
  expect_one_error(r, dir.file("run/checkpoints/step_000000002.pt"), "write failed: File too large");
  EXPECT_EQ(read_file(ckpt), before);
  EXPECT_NO_THROW(engine::load_checkpoint_archive(ckpt));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.file("run/checkpoints"))) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"step_000000001.pt"}) << "no temporary file is left behind";
}

TEST_F(RunFaults, BlockedWorkDirectoryIsOneClearError) {
  test::TempDir dir;
  // The checkpoints path is a regular file: training runs, saving fails.
  fs::create_directories(dir.file("run"));
  write_file_atomic(dir.file("run/checkpoints"), "in the way\n");
  const Result r = run_sfar("train --config " + config_ + " --work-dir " + dir.file("run"), dir);
  expect_one_error(r, dir.file("run/checkpoints"), "cannot create directory");
  EXPECT_EQ(read_file(dir.file("run/checkpoints")), "in the way\n");
  // The work directory itself is a regular file: the run stops before training.
  write_file_atomic(dir.file("file"), "x");
  const Result r2 = run_sfar("train --config " + config_ + " --work-dir " + dir.file("file"), dir);
  expect_one_error(r2, dir.file("file"), "cannot create the run directory");
}

// A task for a model of another architecture: one linear layer.
struct LinearTask : engine::TrainTask {
  explicit LinearTask(torch::nn::Linear m) : model(std::move(m)) {}
  std::int64_t steps_per_epoch() override { return 1; }
  torch::Tensor loss(const engine::StepContext&) override { return model(torch::ones({2, 4})).pow(2).mean(); }
  torch::nn::Linear model;
};

TEST_F(RunFaults, BadCheckpointsAreOneClearError) {
  test::TempDir dir;
  const std::string bytes = read_file(checkpoint_);
  const std::string truncated = dir.file("truncated.pt"), yaml = dir.file("config.pt"),
                    random = dir.file("random.pt"), other = dir.file("linear.pt"), missing = dir.file("none.pt");
  write_file_atomic(truncated, bytes.substr(0, bytes.size() / 2));
  write_file_atomic(yaml, read_file(config_));
  std::mt19937 rng(5);
  std::string noise(4096, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  write_file_atomic(random, noise);
  {
    torch::nn::Linear linear(4, 3);
    LinearTask task(linear);
    engine::TrainerSetup setup;
    setup.options.epochs = 1;
    setup.options.warmup_epochs = 0;
    engine::Trainer trainer(linear.ptr(), task, setup);
    trainer.train_step();
    trainer.save_checkpoint(other);
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {truncated, "not a readable checkpoint"}, {yaml, "not a readable checkpoint"},
      {random, "not a readable checkpoint"},    {other, "missing from the checkpoint"},
      {missing, "checkpoint file not found"}};
  for (const auto& [path, reason] : cases) {
    SCOPED_TRACE(path);
    expect_one_error(run_sfar("eval --config " + config_ + " --set eval.list=train.txt --checkpoint " + path, dir),
                     path, reason);
    expect_one_error(run_sfar("train --config " + config_ + " --work-dir " + dir.file("resumed") + " --resume " +
                                  path, dir), path, reason);
  }
  EXPECT_TRUE(engine::CheckpointDir(dir.file("resumed/checkpoints"), 1).list().empty());
}

TEST_F(RunFaults, FivePercentBadFilesAreSkippedReportedOnceAndCounted) {
  test::TempDir dir;
  fs::create_directories(dir.file("videos"));
  std::vector<std::string> names;
  for (int i = 0; i < 80; ++i) names.push_back("v" + std::to_string(i) + (i % 3 == 2 ? ".avi" : ".mp4"));
  // 4 of 80: missing, zero bytes, truncated (the first 100 kB of an AVI), text.
  const std::map<int, std::string> bad = {{10, "no such file"},
                                          {31, "empty file (0 bytes)"},
                                          {50, "truncated or corrupt video packet"},
                                          {73, "not a readable video file"}};
  write_file_atomic(dir.file("videos/" + names[31]), "");
  write_file_atomic(dir.file("videos/" + names[50]),
                    read_file(test::reference_path("videos/mpeg4_mp3.avi")).substr(0, 100000));
  write_file_atomic(dir.file("videos/" + names[73]), "this is a text file, not a video\n");
  const std::string root = test::make_tiny_videos(dir, test::reference_path("videos"), names, "train.txt");
  fs::remove(root + "/" + names[10]);
  const std::string config = test::TinyRun(root, "train.txt", dir.file("labels.csv"))
                                 .work_dir(dir.file("run")).seed(7).batch_size(8)
                                 .write(dir.file("bad.yaml"));
  const Result r = run_sfar("train --config " + config + " --set data.bad_file_policy=skip", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(count(r.err, "bad video file, counted once:"), 4) << r.err;
  for (const auto& [index, reason] : bad) {
    const std::string path = root + "/" + names[index];
    EXPECT_EQ(count(r.err, "counted once: " + path + ":"), 1) << path << "\n" << r.err;
    const auto at = r.err.find("counted once: " + path + ":");
    if (at != std::string::npos) {
      EXPECT_NE(r.err.substr(at, r.err.find('\n', at) - at).find(reason), std::string::npos) << reason;
    }
  }
  const Json summary = test::last_json_line(r.out);
  EXPECT_EQ(summary["steps"], 10);
  EXPECT_EQ(summary["bad_files"], 4);
  std::stringstream metrics(read_file(dir.file("run/metrics.jsonl")));
  Json last;
  for (std::string line; std::getline(metrics, line);) last = Json::parse(line);
  EXPECT_EQ(last["kind"], "train");
  EXPECT_EQ(last["step"], 10);
  EXPECT_EQ(last["bad_files"], 4);

  // A second epoch resumed from the checkpoint: the four files come back from it, so they are
  // neither reported again nor counted up from zero.
  // --progress log: the run's info lines ("resumed from", each bad file) reach the console.
  const Result resumed = run_sfar("--progress log train --config " + config +
                                      " --set data.bad_file_policy=skip --set train.epochs=2 --resume auto", dir);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed from"), std::string::npos) << resumed.err;
  EXPECT_EQ(count(resumed.err, "bad video file"), 0) << resumed.err;
  EXPECT_EQ(test::last_json_line(resumed.out)["bad_files"], 4);
  std::stringstream all_metrics(read_file(dir.file("run/metrics.jsonl")));
  int resumed_lines = 0;
  for (std::string line; std::getline(all_metrics, line);) {
    const Json j = Json::parse(line);
    if (j["kind"] != "train" || j["step"].get<int>() <= 10) continue;
    ++resumed_lines;
    EXPECT_EQ(j["bad_files"], 4) << line;
  }
  EXPECT_GT(resumed_lines, 0);
}

}  // namespace
}  // namespace sfar::recipes
