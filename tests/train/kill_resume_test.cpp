// Killing `sfar train` with SIGKILL at random moments, once while a checkpoint is half
// written, and restarting it with --resume auto each time: every checkpoint file the run
// shows is complete, every restart resumes from the newest one, and the run ends with the
// same weights, bit for bit, as a run that was never interrupted.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <regex>
#include <thread>

#include "sfar/core/atomic_file.h"
#include "sfar/train/checkpoint.h"
#include "support/test_data.h"
#include "tiny_run.h"

namespace sfar::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kEpochs = 5;  // one optimizer step and one checkpoint per epoch

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
  auto archive = load_checkpoint_archive(checkpoint);
  torch::serialize::InputArchive model;
  archive.read("model", model);
  return read_named_tensors(model);
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

TEST(KillResume, RemovePartialWritesDeletesOnlyUnfinishedCheckpoints) {
  test::TempDir dir;
  for (const char* name : {".step_000000003.pt.tmp123", ".best.pt.tmp9", ".other.pt.tmp1", "step_000000002.pt",
                           ".step_x.pt.tmp4", "notes.txt"}) {
    write_file_atomic(dir.file(name), "x");
  }
  const CheckpointDir ckpt(dir.path().string(), 1);
  EXPECT_EQ(ckpt.remove_partial_writes(),
            (std::vector<std::string>{dir.file(".best.pt.tmp9"), dir.file(".step_000000003.pt.tmp123")}));
  for (const char* kept : {".other.pt.tmp1", "step_000000002.pt", ".step_x.pt.tmp4", "notes.txt"}) {
    EXPECT_TRUE(fs::exists(dir.file(kept))) << kept;
  }
  EXPECT_TRUE(CheckpointDir(dir.file("none"), 1).remove_partial_writes().empty());
}

TEST(KillResume, SigkillAtRandomMomentsEndsBitIdentical) {
  SFAR_REQUIRE_DATA(weights, "golden/clip_public/clip_random.pt");
  SFAR_REQUIRE_DATA(vocab, "clip/bpe_simple_vocab_16e6.txt.gz");
  SFAR_REQUIRE_DATA(video, "videos/mmaction2_test.mp4");
  test::TempDir dir;
  const std::string root =
      test::make_tiny_videos(dir, fs::path(video).parent_path().string(), {"a.mp4", "b.mp4", "c.avi"}, "train.txt");
  const std::string ref_dir = dir.file("reference"), run_dir = dir.file("killed");
  const std::string ref_config = test::write_tiny_config(dir, "ref.yaml", ref_dir, root, "train.txt", kEpochs, 3,
                                                         ", keep_last: 2");
  const std::string config = test::write_tiny_config(dir, "run.yaml", run_dir, root, "train.txt", kEpochs, 3,
                                                     ", keep_last: 2");

  const auto start = Clock::now();
  const pid_t ref = test::spawn_logged(SFAR_BINARY, {"train", "--config", ref_config}, dir.file("ref.log"));
  ASSERT_EQ(test::wait_child(ref), 0) << read_file(dir.file("ref.log"));
  const double ref_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const std::string final_name = "checkpoints/step_00000000" + std::to_string(kEpochs) + ".pt";
  ASSERT_TRUE(fs::exists(ref_dir + "/" + final_name));

  // Six kills: four after a random delay (short enough that the run cannot finish first),
  // two while the checkpoint's temporary file exists (SFAR_TEST_PAUSE_BEFORE_RENAME holds
  // each step checkpoint 3 s before its rename).
  std::mt19937 rng(20240501);
  std::uniform_real_distribution<double> delay(0.1 * ref_seconds, 0.45 * ref_seconds);
  const std::string ckpt_dir = run_dir + "/checkpoints";
  int kills = 0, kills_mid_write = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    const bool mid_write = attempt == 1 || attempt == 2;
    std::map<std::string, std::string> env;
    if (mid_write) env["SFAR_TEST_PAUSE_BEFORE_RENAME"] = "step_:3000";
    const std::string log = dir.file("attempt" + std::to_string(attempt) + ".log");
    const auto newest_before = CheckpointDir(ckpt_dir, 2).newest_valid();
    const auto stale = partial_writes(ckpt_dir);  // left by earlier kills
    auto new_partial_write = [&] {
      for (const auto& name : partial_writes(ckpt_dir)) {
        if (std::find(stale.begin(), stale.end(), name) == stale.end()) return true;
      }
      return false;
    };
    const pid_t pid = test::spawn_logged(SFAR_BINARY, {"train", "--config", config, "--resume", "auto"}, log, env);
    const auto t0 = Clock::now();
    const double wait_s = delay(rng);
    int status = 0;
    bool exited = false, killed = false;
    while (!(exited = test::child_exited(pid, &status))) {
      const bool due = mid_write ? new_partial_write()
                                 : std::chrono::duration<double>(Clock::now() - t0).count() >= wait_s;
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
    // Whatever the kill interrupted, every checkpoint the directory shows loads in full.
    for (const auto& path : CheckpointDir(ckpt_dir, 2).list()) {
      EXPECT_NO_THROW(model_tensors(path)) << path << " after attempt " << attempt;
    }
  }
  EXPECT_GE(kills, 5);
  EXPECT_EQ(kills_mid_write, 2);

  const std::string last_log = dir.file("last.log");
  const pid_t last = test::spawn_logged(SFAR_BINARY, {"train", "--config", config, "--resume", "auto"}, last_log);
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
  auto a = load_checkpoint_archive(run_dir + "/" + final_name);
  c10::IValue step;
  a.read("global_step", step);
  EXPECT_EQ(step.toInt(), kEpochs);
  EXPECT_EQ(CheckpointDir(ckpt_dir, 2).list().size(), 2u);  // keep_last
}

}  // namespace
}  // namespace sfar::train
