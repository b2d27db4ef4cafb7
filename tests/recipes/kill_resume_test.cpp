// Killing `sfar train` with SIGKILL at random moments, once while a checkpoint is half
// written, and restarting it with --resume auto each time: every checkpoint file the run
// shows is complete, every restart resumes from the newest one, and the run ends with the
// same weights, bit for bit, as a run that was never interrupted.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <random>
#include <regex>
#include <thread>

#include "sfar/core/atomic_file.h"
#include "sfar/engine/checkpoint.h"
#include "support/test_data.h"
#include "support/child_process.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kEpochs = 10;  // one optimizer step and one checkpoint per epoch

std::vector<std::string> partial_writes(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(".step_", 0) == 0 && name.find(".pt.tmp") != std::string::npos) found.push_back(name);
  }
  return found;
}

torch::OrderedDict<std::string, torch::Tensor> model_tensors(const std::string& checkpoint) {
  auto archive = engine::load_checkpoint_archive(checkpoint);
  torch::serialize::InputArchive model;
  archive.read("model", model);
  return engine::read_named_tensors(model);
}

// The number of the last "resumed from ... at step N" line in `log`, -1 when none.
std::int64_t resumed_step(const std::string& log, std::string* from) {
  static const std::regex line("resumed from (\\S+) at step (\\d+)");
  std::int64_t step = -1;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    *from = (*it)[1];
    step = std::stoll((*it)[2]);
  }
  return step;
}

// Lines of a metrics.jsonl (one per optimizer step here); 0 when it does not exist.
std::vector<std::string> metrics_lines(const std::string& path) {
  std::vector<std::string> lines;
  if (!fs::exists(path)) return lines;
  std::stringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

TEST(KillResume, RemovePartialWritesDeletesOnlyUnfinishedCheckpoints) {
  test::TempDir dir;
  for (const char* name : {".step_000000003.pt.tmp123", ".best.pt.tmp9", ".other.pt.tmp1", "step_000000002.pt",
                           ".step_x.pt.tmp4", "notes.txt"}) {
    write_file_atomic(dir.file(name), "x");
  }
  const engine::CheckpointDir ckpt(dir.path().string(), 1);
  EXPECT_EQ(ckpt.remove_partial_writes(),
            (std::vector<std::string>{dir.file(".best.pt.tmp9"), dir.file(".step_000000003.pt.tmp123")}));
  for (const char* kept : {".other.pt.tmp1", "step_000000002.pt", ".step_x.pt.tmp4", "notes.txt"}) {
    EXPECT_TRUE(fs::exists(dir.file(kept))) << kept;
  }
  EXPECT_TRUE(engine::CheckpointDir(dir.file("none"), 1).remove_partial_writes().empty());
}

TEST(KillResume, SigkillAtRandomMomentsEndsBitIdentical) {
  const std::string weights = ::sfar::test::tiny_clip_path();
  const std::string vocab = ::sfar::test::clip_vocab_path();
  const std::string video = ::sfar::test::reference_path("videos/h264_30fps.mp4");
  test::TempDir dir;
  const std::string root =
      test::make_tiny_videos(dir, fs::path(video).parent_path().string(), {"a.mp4", "b.mp4", "c.avi"}, "train.txt");
  const std::string ref_dir = dir.file("reference"), run_dir = dir.file("killed");
  test::TinyRun tiny(root, "train.txt", dir.file("labels.csv"));
  tiny.seed(7).epochs(kEpochs).set("train", "keep_last", "2");
  const std::string ref_config = tiny.work_dir(ref_dir).write(dir.file("ref.yaml"));
  const std::string config = tiny.work_dir(run_dir).write(dir.file("run.yaml"));

  const pid_t ref = test::spawn_logged(SFAR_BINARY, {"train", "--config", ref_config}, dir.file("ref.log"));
  ASSERT_EQ(test::wait_child(ref), 0) << read_file(dir.file("ref.log"));
  // Seconds per optimizer step, from the reference run's throughput (3 videos a step).
  double step_s = 0;
  const auto ref_lines = metrics_lines(ref_dir + "/metrics.jsonl");
  for (const auto& line : ref_lines) step_s += 3.0 / nlohmann::json::parse(line)["samples_per_s"].get<double>();
  step_s /= std::max<std::size_t>(1, ref_lines.size());
  const std::string final_name =
      "checkpoints/" + fs::path(engine::CheckpointDir(ref_dir, 1).path_for_step(kEpochs)).filename().string();
  ASSERT_TRUE(fs::exists(ref_dir + "/" + final_name));

  // Six kills: four at a random moment after the restart's first new checkpoint (a random
  // delay of up to one step after it appears: in a step, in data loading, in a checkpoint
  // write), so that every restart makes progress whatever the machine's load; two
  // while a checkpoint's temporary file exists (SFAR_TEST_PAUSE_BEFORE_RENAME holds each step
  // checkpoint 3 s before its rename).
  std::mt19937 rng(20240501);
  std::uniform_real_distribution<double> delay(0.0, step_s);
  const std::string ckpt_dir = run_dir + "/checkpoints";
  int kills = 0, kills_mid_write = 0, resumes = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const bool mid_write = attempt == 2 || attempt == 4;
    std::map<std::string, std::string> env;
    if (mid_write) env["SFAR_TEST_PAUSE_BEFORE_RENAME"] = "step_:3000";
    const std::string log = dir.file("attempt" + std::to_string(attempt) + ".log");
    const auto newest_before = engine::CheckpointDir(ckpt_dir, 2).newest_valid();
    const auto stale = partial_writes(ckpt_dir);  // left by earlier kills
    auto new_partial_write = [&] {
      for (const auto& name : partial_writes(ckpt_dir)) {
        if (std::find(stale.begin(), stale.end(), name) == stale.end()) return true;
      }
      return false;
    };
    const auto listed_before = engine::CheckpointDir(ckpt_dir, 2).list();
    const pid_t pid = test::spawn_logged(SFAR_BINARY, {"--progress", "log", "train", "--config", config, "--resume", "auto"},
                                         log, env);
    const double wait_s = delay(rng);
    std::optional<Clock::time_point> first_step;
    int status = 0;
    bool exited = false, killed = false;
    while (!(exited = test::child_exited(pid, &status))) {
      if (!first_step && engine::CheckpointDir(ckpt_dir, 2).list() != listed_before) first_step = Clock::now();
      const bool due = mid_write ? new_partial_write()
                                 : first_step && std::chrono::duration<double>(Clock::now() - *first_step).count() >= wait_s;
      if (due) {
        ::kill(pid, SIGKILL);
        status = test::wait_child(pid);
        killed = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(killed || status == 0) << "attempt " << attempt << " exited " << status << "\n" << read_file(log);
    if (!killed) break;  // the run finished before the kill was due
    EXPECT_EQ(status, -SIGKILL);
    ++kills;
    const std::string text = read_file(log);
    // The restart resumed from the newest checkpoint present when it started.
    if (newest_before) {
      std::string from;
      const auto step = resumed_step(text, &from);
      if (step >= 0) {
        ++resumes;
        EXPECT_EQ(from, *newest_before) << text;
        EXPECT_EQ("step_" + std::string(9 - std::to_string(step).size(), '0') + std::to_string(step) + ".pt",
                  fs::path(from).filename().string());
      }
    }
    EXPECT_EQ(text.find("skipping unreadable checkpoint"), std::string::npos) << text;
    if (mid_write) {
      ++kills_mid_write;
      EXPECT_TRUE(new_partial_write()) << "the kill should leave the temporary file behind";
      for (const auto& name : stale) {
        EXPECT_FALSE(fs::exists(ckpt_dir + "/" + name)) << name << ": the restart deletes unfinished writes";
      }
    }
    const auto newest_after = engine::CheckpointDir(ckpt_dir, 2).newest_valid();
    std::cerr << "kill " << kills << (mid_write ? " (checkpoint write)" : "") << ": newest checkpoint "
              << (newest_after ? fs::path(*newest_after).filename().string() : "none") << "\n";
    // Whatever the kill interrupted, every checkpoint the directory shows loads in full.
    for (const auto& path : engine::CheckpointDir(ckpt_dir, 2).list()) {
      EXPECT_NO_THROW(model_tensors(path)) << path << " after attempt " << attempt;
    }
  }
  EXPECT_GE(kills, 5);
  EXPECT_EQ(kills_mid_write, 2);
  EXPECT_GE(resumes, 3) << "restarts that resumed from a checkpoint";

  const std::string last_log = dir.file("last.log");
  const pid_t last = test::spawn_logged(SFAR_BINARY, {"--progress", "log", "train", "--config", config, "--resume", "auto"},
                                        last_log);
  ASSERT_EQ(test::wait_child(last), 0) << read_file(last_log);
  EXPECT_NE(read_file(last_log).find("resumed from"), std::string::npos);
  EXPECT_TRUE(partial_writes(ckpt_dir).empty()) << "the restart deletes unfinished writes";

  const auto expected = model_tensors(ref_dir + "/" + final_name);
  const auto got = model_tensors(run_dir + "/" + final_name);
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& item : expected) {
    const torch::Tensor* t = got.find(item.key());
    ASSERT_NE(t, nullptr) << item.key();
    EXPECT_TRUE(torch::equal(*t, item.value())) << item.key() << " differs after the kills";
  }
  auto a = engine::load_checkpoint_archive(run_dir + "/" + final_name);
  c10::IValue step;
  a.read("global_step", step);
  EXPECT_EQ(step.toInt(), kEpochs);
  EXPECT_EQ(engine::CheckpointDir(ckpt_dir, 2).list().size(), 2u);  // keep_last
}

}  // namespace
}  // namespace sfar::recipes
