// A rank dies, the job survives: two Gloo ranks of `sfar train --resume auto` under the real
// torchrun (`--max-restarts=1`, its static rendezvous on 127.0.0.1, whose agent hosts the
// store). Rank 1 is SIGKILLed in the middle of the second epoch; torchrun stops rank 0, starts
// both again, they resume from the last step checkpoint and finish with weights equal, bit for
// bit, to those of a 2-rank run that was never interrupted. The Slurm recipe (`--requeue`) is
// in docs/fault_tests.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "sfar/core/atomic_file.h"
#include "sfar/engine/checkpoint.h"
#include "support/run_binary.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

constexpr int kEpochs = 3;  // 3 steps per epoch: 12 videos, global batch 4

torch::OrderedDict<std::string, torch::Tensor> model_tensors(const std::string& checkpoint) {
  auto archive = engine::load_checkpoint_archive(checkpoint);
  torch::serialize::InputArchive model;
  archive.read("model", model);
  return engine::read_named_tensors(model);
}

// A shell script that runs `sfar train` as 2 ranks under torchrun (each rank records its pid
// per attempt in pid.RANK.ATTEMPT under `dir`), bounded by `timeout`; then `after_start`
// runs beside it. torchrun's exit code goes to `tag`.rc, its output to `tag`.log.
std::string torchrun_script(const test::TempDir& dir, const std::string& tag, int max_restarts,
                            const std::string& train_args, const std::string& after_start) {
  const std::string log = dir.file(tag + ".log");
  // torchrun expands its arguments as string.Template macros (${local_rank}), where $$ stands for
  // one $: the shell's own $$ is written $$$$ here.
  const std::string rank_cmd = "echo $$$$ >" + dir.file(tag + ".pid.") + "$RANK.$TORCHELASTIC_RESTART_COUNT; exec " +
                               SFAR_BINARY + " " + train_args;
  return "timeout 100 " TORCHRUN " --nnodes=1 --nproc-per-node=2 --max-restarts=" + std::to_string(max_restarts) +
         " --monitor-interval=0.1 --master-addr=127.0.0.1 --master-port=" + std::to_string(test::free_local_port()) +
         " --no-python sh -c '" + rank_cmd + "' >" + log + " 2>&1 & t=$!\n" + after_start +
         "wait $t; echo $? >" + dir.file(tag + ".rc") + "\n";
}

int run_script(const test::TempDir& dir, const std::string& tag, const std::string& script) {
  write_file_atomic(dir.file(tag + ".sh"), script);
  std::system(("sh " + dir.file(tag + ".sh")).c_str());
  const std::string rc = test::read_file_or_empty(dir.file(tag + ".rc"));
  return rc.empty() ? -1 : std::atoi(rc.c_str());
}

TEST(RankRestart, KilledRankRestartsTheGroupWhichResumesToTheSameWeights) {
  if (!fs::exists(TORCHRUN)) GTEST_SKIP() << "no torchrun at " << TORCHRUN;
  test::TempDir dir;
  const std::string video = test::reference_path("videos/mpeg4_mp3.avi");
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i) names.push_back("v" + std::to_string(i) + (i % 3 == 2 ? ".avi" : ".mp4"));
  const std::string root = test::make_tiny_videos(dir, fs::path(video).parent_path().string(), names, "train.txt");
  const auto train_args = [&](const std::string& run) {
    const std::string config = test::TinyRun(root, "train.txt", dir.file("labels.csv"))
                                   .work_dir(dir.file(run)).seed(7).epochs(kEpochs).batch_size(4)
                                   .set("train", "micro_batch", "2")
                                   .write(dir.file(run + ".yaml"));
    return "--progress log train --config " + config + " --resume auto --set run.threads=1 --set data.workers=1"
           " --set run.dist_timeout_s=30";
  };

  // The uninterrupted 2-rank run.
  ASSERT_EQ(run_script(dir, "ref", torchrun_script(dir, "ref", 0, train_args("ref"), "")), 0)
      << test::read_file_or_empty(dir.file("ref.log"));

  // The same run; once rank 0 has logged step 4 (epoch 2 of 3), rank 1 is killed.
  const std::string log = dir.file("run.log");
  const std::string kill_rank1 =
      "i=0; while ! grep -q 'step 4/' " + log + " 2>/dev/null && kill -0 $t 2>/dev/null && [ $i -lt 1200 ]; do\n"
      "  sleep 0.05; i=$((i+1))\n"
      "done\n"
      "kill -9 $(cat " + dir.file("run.pid.1.0") + ") && touch " + dir.file("killed") + "\n";
  const int rc = run_script(dir, "run", torchrun_script(dir, "run", 1, train_args("run"), kill_rank1));
  const std::string out = test::read_file_or_empty(log);
  ASSERT_TRUE(fs::exists(dir.file("killed"))) << out;
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(fs::exists(dir.file("run.pid.0.1")) && fs::exists(dir.file("run.pid.1.1"))) << "no restart\n" << out;
  std::smatch resumed;
  ASSERT_TRUE(std::regex_search(out, resumed, std::regex("resumed from \\S+step_0*(\\d+)\\.pt at step (\\d+)"))) << out;
  EXPECT_GE(std::stoi(resumed[2]), 3) << out;  // a checkpoint of the first epoch (or later), not a fresh start
  EXPECT_LT(std::stoi(resumed[2]), 3 * kEpochs) << out;

  const auto a = model_tensors(dir.file("ref/checkpoints/step_000000009.pt"));
  const auto b = model_tensors(dir.file("run/checkpoints/step_000000009.pt"));
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) {
    const torch::Tensor* other = b.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), *other)) << item.key();
  }
}

}  // namespace
}  // namespace sfar::recipes
