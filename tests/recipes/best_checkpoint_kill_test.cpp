// `sfar train` killed at each point of the end-of-epoch checkpoint sequence of the last epoch
// that improves the best metric, then resumed with --resume auto: best.pt equals, byte for
// byte, that of a run that was never interrupted, metrics.jsonl holds each record once, and the
// curves plot. The sequence of an epoch: its eval record goes to metrics.jsonl, step_N.pt is
// written (temporary file, rename), old step checkpoints are deleted, best.pt is written
// (temporary file, rename). The kill points:
//   1. step_N.pt's temporary file complete, before its rename (after the eval record); a torn
//      metrics line is added as a kill in the middle of a write leaves it;
//   2. step_N.pt in place, best.pt's temporary file complete, before its rename;
//   3. best.pt in place (killed as its log line appears, or the next checkpoint write pauses).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "sfar/core/atomic_file.h"
#include "sfar/engine/checkpoint.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/child_process.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

constexpr int kEpochs = 4;  // one optimizer step, one evaluation and one checkpoint per epoch

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool temporary_file_of(const std::string& dir, const std::string& prefix) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// (kind, step) -> how many records metrics.jsonl holds; every line must be a JSON object.
std::map<std::pair<std::string, std::int64_t>, int> records(const std::string& path) {
  std::map<std::pair<std::string, std::int64_t>, int> out;
  std::stringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << path << ": " << line;
    if (j.is_object()) ++out[{j.value("kind", ""), j.value("step", std::int64_t{-1})}];
  }
  return out;
}

class BestCheckpointKill : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(test::tiny_clip_path()));
    const std::string root = test::make_tiny_videos(dir_, test::reference_path("videos"),
                                                    {"a.mp4", "b.mp4", "c.avi"}, "train.txt");
    // Every run works in the same directory (the config, which checkpoints hold, is the same).
    work_ = dir_.file("run");
    config_ = test::TinyRun(root, "train.txt", dir_.file("labels.csv"))
                  .work_dir(work_).seed(7).epochs(kEpochs).set("train", "keep_last", "2").eval_list("train.txt")
                  .write(dir_.file("run.yaml"));
  }

  // `sfar train --resume auto` with `env`; `kill_when` is polled every 10 ms and the process
  // SIGKILLed once it holds. Returns true when it was killed, false when it finished.
  bool run(const std::string& log, const std::map<std::string, std::string>& env,
           const std::function<bool()>& kill_when) {
    const pid_t pid = test::spawn_logged(SFAR_BINARY, {"--progress", "log", "train", "--config", config_,
                                                       "--resume", "auto"}, log, env);
    int status = 0;
    while (!test::child_exited(pid, &status)) {
      if (kill_when && kill_when()) {
        ::kill(pid, SIGKILL);
        EXPECT_EQ(test::wait_child(pid), -SIGKILL);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(status, 0) << read_file(log);
    return false;
  }

  test::TempDir dir_;
  std::string work_, config_;
};

TEST_F(BestCheckpointKill, BestCheckpointAndMetricsSurviveAKillAtEveryPointOfTheSequence) {
  // The reference: never interrupted.
  ASSERT_FALSE(run(dir_.file("ref.log"), {}, nullptr));
  const std::string ref_log = read_file(dir_.file("ref.log"));
  const int improvements = count(ref_log, "new best top1");
  ASSERT_GE(improvements, 1) << ref_log;
  const std::string ref_best = read_file(work_ + "/checkpoints/best.pt");
  const auto ref_records = records(work_ + "/metrics.jsonl");
  auto best = engine::load_checkpoint_archive(work_ + "/checkpoints/best.pt");
  c10::IValue step;
  best.read("global_step", step);
  const std::int64_t best_step = step.toInt();  // the last epoch that improved
  fs::rename(work_, dir_.file("reference"));

  const engine::CheckpointDir names(work_ + "/checkpoints", 1);
  const std::string step_name = fs::path(names.path_for_step(best_step)).filename().string();
  const std::string ckpt = work_ + "/checkpoints";
  struct KillPoint {
    const char* name;
    std::string pause;
    std::function<bool(const std::string& log)> due;
  };
  const std::vector<KillPoint> points = {
      {"before step_N.pt's rename", "step_:1500",
       [&](const std::string&) { return temporary_file_of(ckpt, "." + step_name + ".tmp"); }},
      {"before best.pt's rename", "best:1500",
       [&](const std::string&) { return fs::exists(ckpt + "/" + step_name) && temporary_file_of(ckpt, ".best.pt.tmp"); }},
      {"after best.pt's rename", "step_:1500",
       [&](const std::string& log) { return count(test::read_file_or_empty(log), "new best top1") == improvements; }},
  };
  for (std::size_t i = 0; i < points.size(); ++i) {
    SCOPED_TRACE(points[i].name);
    const std::string log = dir_.file("kill" + std::to_string(i) + ".log");
    const bool killed = run(log, {{"SFAR_TEST_PAUSE_BEFORE_RENAME", points[i].pause}}, [&] { return points[i].due(log); });
    EXPECT_TRUE(killed || i == 2) << read_file(log);
    if (i == 0) {  // as a kill in the middle of writing a line leaves it
      std::ofstream(work_ + "/metrics.jsonl", std::ios::app) << "{\"kind\":\"train\",\"st";
    }
    const std::string resumed_log = dir_.file("resume" + std::to_string(i) + ".log");
    ASSERT_FALSE(run(resumed_log, {}, nullptr));
    const std::string resumed = read_file(resumed_log);
    EXPECT_TRUE(read_file(work_ + "/checkpoints/best.pt") == ref_best)
        << "best.pt differs from the uninterrupted run's (best step " << best_step << ")\n" << resumed;
    EXPECT_EQ(records(work_ + "/metrics.jsonl"), ref_records) << "each record once, as without the kill";
    if (i == 0) {
      EXPECT_NE(resumed.find("and a torn last line"), std::string::npos) << resumed;
    }
    for (const char* png : {"loss.png", "lr.png", "eval.png"}) {
      EXPECT_TRUE(fs::exists(work_ + "/plots/" + png)) << png << "\n" << resumed;
    }
    EXPECT_EQ(resumed.find("no plots"), std::string::npos) << resumed;
    fs::rename(work_, dir_.file("killed" + std::to_string(i)));
  }
}

}  // namespace
}  // namespace sfar::recipes
