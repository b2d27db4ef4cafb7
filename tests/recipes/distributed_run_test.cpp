// `sfar train` as two Gloo processes on 127.0.0.1, launched the way torchrun does (RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT): its weights after N steps equal one
// process's with the same global batch, its evaluation counts every video once, and killing
// one rank ends the other with an error naming the problem instead of a hang.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/engine/checkpoint.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A 12-video training list (4 per class) and a 3-video validation list over the generated clips,
// a tiny SFAR config with a per-sample loss (ce), global batch 4: 3 steps per epoch.
std::string write_tiny_run(const test::TempDir& dir, const std::string& videos) {
  const fs::path root = dir.path() / "videos";
  fs::create_directories(root);
  const std::string src = fs::path(videos).parent_path().string();
  const char* sources[3] = {"h264_28fps.mp4", "h264_30fps.mp4", "mpeg4_mp3.avi"};
  std::string train, val;
  for (int i = 0; i < 12; ++i) {
    const int label = i % 3;
    const std::string name = "v" + std::to_string(i) + fs::path(sources[label]).extension().string();
    fs::create_symlink(src + "/" + sources[label], root / name);
    train += name + " " + std::to_string(label) + "\n";
    if (i < 3) val += name + " " + std::to_string(label) + "\n";
  }
  write_file_atomic((root / "train.txt").string(), train);
  write_file_atomic((root / "val.txt").string(), val);
  return test::TinyRun(root.string(), "train.txt", test::write_tiny_labels(dir.file("labels.csv")))
      .threads(1).loss("ce").workers(1).batch_size(4).eval_batch_size(2).eval_list("val.txt")
      .epochs(2).warmup_epochs(0.5).lr(1.0e-3)
      .write(dir.file("tiny.yaml"));
}

// Starts `ranks` copies of sfar with torchrun's variables; waits for all. Returns each rank's exit code.
std::vector<int> launch(int ranks, const std::string& args, const test::TempDir& dir, const std::string& tag) {
  std::string script = "export MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(test::free_local_port()) +
                       " WORLD_SIZE=" + std::to_string(ranks) + "\n";
  for (int r = 0; r < ranks; ++r) {
    const std::string out = dir.file(tag + std::to_string(r));
    script += "(RANK=" + std::to_string(r) + " LOCAL_RANK=" + std::to_string(r) + " " SFAR_BINARY " " + args +
              " >" + out + ".out 2>" + out + ".err; echo $? >" + out + ".rc) &\n";
  }
  script += "wait\n";
  write_file_atomic(dir.file(tag + ".sh"), script);
  std::system(("sh " + dir.file(tag + ".sh")).c_str());
  std::vector<int> codes;
  for (int r = 0; r < ranks; ++r) codes.push_back(std::atoi(test::read_file_or_empty(dir.file(tag + std::to_string(r) + ".rc")).c_str()));
  return codes;
}

torch::OrderedDict<std::string, torch::Tensor> model_of(const std::string& checkpoint) {
  auto archive = engine::load_checkpoint_archive(checkpoint);
  torch::serialize::InputArchive model;
  archive.read("model", model);
  return engine::read_named_tensors(model);
}

std::vector<Json> metrics_lines(const std::string& path, const std::string& kind) {
  std::ifstream in(path);
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) {
    const Json j = Json::parse(line);
    if (j["kind"] == kind) out.push_back(j);
  }
  return out;
}

TEST(DistributedRun, TwoGlooRanksMatchOneProcess) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  test::TempDir dir;
  const std::string config = write_tiny_run(dir, videos);
  // One process: batch 4 in micro-batches of 2. Two ranks: 2 each in micro-batches of 1, so
  // both gradient accumulation and the hooks' bucketed all-reduce take part. Summing in another
  // order changes gradients by rounding noise, and Adam's m / (sqrt(v) + eps) turns noise on a
  // near-zero gradient into a full step of lr (2e-5 measured on an mlp.c_fc weight, with fused
  // and with written-out attention alike). An eps of 1e-3 keeps such steps at noise size while
  // real gradients still move the weights, so the comparison checks the distributed arithmetic.
  const std::string quiet_adam = " --set train.eps=1e-3";
  const auto one = test::run_binary(SFAR_BINARY, "train --config " + config + " --work-dir " + dir.file("one") +
                                                     " --set train.micro_batch=2" + quiet_adam, dir);
  ASSERT_EQ(one.status, 0) << one.err;
  const auto codes = launch(2, "train --config " + config + " --work-dir " + dir.file("two") +
                                   " --set train.micro_batch=1 --set run.dist_bucket_mb=4" + quiet_adam, dir, "two");
  ASSERT_EQ(codes, (std::vector<int>{0, 0})) << test::read_file_or_empty(dir.file("two0.err")) << test::read_file_or_empty(dir.file("two1.err"));

  // Rank 0 alone wrote the run; rank 1 printed nothing and logged no info lines.
  EXPECT_TRUE(test::read_file_or_empty(dir.file("two1.out")).empty());
  EXPECT_EQ(test::read_file_or_empty(dir.file("two1.err")).find("[info]"), std::string::npos) << test::read_file_or_empty(dir.file("two1.err"));
  const Json summary = Json::parse(test::read_file_or_empty(dir.file("two0.out")));
  EXPECT_EQ(summary["steps"], 6);
  EXPECT_EQ(summary["world_size"], 2);
  EXPECT_EQ(summary["dist_backend"], "gloo");
  EXPECT_EQ(test::last_json_line(one.out)["dist_backend"], "none");

  const auto a = model_of(dir.file("one/checkpoints/step_000000006.pt"));
  const auto b = model_of(dir.file("two/checkpoints/step_000000006.pt"));
  ASSERT_EQ(a.size(), b.size());
  double moved = 0;
  const auto start = model_of(dir.file("one/checkpoints/step_000000003.pt"));
  for (const auto& item : a) {
    const torch::Tensor* other = b.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    torch::Tensor x = item.value(), y = *other;
    if (item.key().size() > 17 && item.key().compare(item.key().size() - 17, 17, "attn.in_proj_bias") == 0) {
      // The key bias [D:2D) gets no gradient (softmax ignores a shift shared by all keys):
      // what it gets is rounding noise, which Adam's normalisation turns into +-lr steps, so
      // it cannot agree across summation orders. Its query and value thirds must.
      const auto d = x.size(0) / 3;
      x = torch::cat({x.narrow(0, 0, d), x.narrow(0, 2 * d, d)});
      y = torch::cat({y.narrow(0, 0, d), y.narrow(0, 2 * d, d)});
    }
    EXPECT_TRUE(torch::allclose(x, y, 1e-4, 1e-5)) << item.key() << " differs by " << (x - y).abs().max().item<double>();
    moved = std::max(moved, (item.value() - *start.find(item.key())).abs().max().item<double>());
  }
  EXPECT_GT(moved, 1e-4);  // the weights did change over the second epoch

  // The same global loss every step (the mean over both ranks) and the same evaluation, over
  // all 3 validation videos (rank 0 scores 2 of them, rank 1 one).
  const auto la = metrics_lines(dir.file("one/metrics.jsonl"), "train");
  const auto lb = metrics_lines(dir.file("two/metrics.jsonl"), "train");
  ASSERT_EQ(la.size(), 6u);
  ASSERT_EQ(lb.size(), 6u);
  for (std::size_t i = 0; i < la.size(); ++i) {
    EXPECT_NEAR(la[i]["loss"].get<double>(), lb[i]["loss"].get<double>(), 1e-4) << "step " << i + 1;
  }
  const auto ea = metrics_lines(dir.file("one/metrics.jsonl"), "eval");
  const auto eb = metrics_lines(dir.file("two/metrics.jsonl"), "eval");
  ASSERT_EQ(ea.size(), 2u);
  ASSERT_EQ(eb.size(), 2u);
  for (const char* key : {"top1", "top5", "mean_class_accuracy", "videos"}) {
    EXPECT_DOUBLE_EQ(ea.back()[key].get<double>(), eb.back()[key].get<double>()) << key;
  }
  EXPECT_EQ(eb.back()["videos"], 3);

  // torchrun with one process and run.dist_force_group (the 1-GPU NCCL smoke test's path, here on
  // Gloo): the reducer, the sampler and the gathers run for a group of one, and must give the
  // plain run's weights exactly.
  const auto forced = launch(1, "train --config " + config + " --work-dir " + dir.file("forced") +
                                    " --set train.micro_batch=2 --set run.dist_force_group=true" + quiet_adam, dir, "forced");
  ASSERT_EQ(forced, (std::vector<int>{0})) << test::read_file_or_empty(dir.file("forced0.err"));
  const Json forced_summary = Json::parse(test::read_file_or_empty(dir.file("forced0.out")));
  EXPECT_EQ(forced_summary["world_size"], 1);
  EXPECT_EQ(forced_summary["dist_backend"], "gloo");  // a group was formed ("none" without one)
  const auto c = model_of(dir.file("forced/checkpoints/step_000000006.pt"));
  for (const auto& item : a) {
    const torch::Tensor* other = c.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), *other)) << item.key();
  }
}

TEST(DistributedRun, KilledRankEndsTheOtherWithAClearError) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  test::TempDir dir;
  const std::string config = write_tiny_run(dir, videos);
  // --progress log: the script watches rank 0's console for its first step line.
  const std::string args = "--progress log train --config " + config + " --work-dir " + dir.file("run") +
                           " --set train.epochs=100 --set run.dist_timeout_s=20";
  const std::string err0 = dir.file("k0.err");
  // Rank 1 is killed once rank 0 has logged its first step; rank 0 must then fail on its
  // next collective, well before the 100 epochs end.
  const std::string script =
      "export MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(test::free_local_port()) + " WORLD_SIZE=2\n"
      "RANK=0 LOCAL_RANK=0 " SFAR_BINARY " " + args + " >" + dir.file("k0.out") + " 2>" + err0 + " & p0=$!\n"
      "RANK=1 LOCAL_RANK=1 " SFAR_BINARY " " + args + " >/dev/null 2>" + dir.file("k1.err") + " & p1=$!\n"
      "i=0; while ! grep -q 'step 1/' " + err0 + " && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\n"
      "kill -9 $p1; date +%s.%N >" + dir.file("killed_at") + "\n"
      "wait $p0; echo $? >" + dir.file("k0.rc") + "; date +%s.%N >" + dir.file("ended_at") + "\n";
  write_file_atomic(dir.file("kill.sh"), script);
  std::system(("sh " + dir.file("kill.sh")).c_str());
  const std::string err = test::read_file_or_empty(err0);
  ASSERT_NE(err.find("step 1/"), std::string::npos) << err;
  EXPECT_NE(std::atoi(test::read_file_or_empty(dir.file("k0.rc")).c_str()), 0) << err;
  const double seconds = std::atof(test::read_file_or_empty(dir.file("ended_at")).c_str()) - std::atof(test::read_file_or_empty(dir.file("killed_at")).c_str());
  EXPECT_LT(seconds, 20 + 10) << err;  // within the time-out (plus start-up slack), not after 100 epochs
  EXPECT_NE(err.find("rank 0 of 2"), std::string::npos) << err;
  EXPECT_NE(err.find("run.dist_timeout_s = 20"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir.file("run/checkpoints/step_000000200.pt")));
}

}  // namespace
}  // namespace sfar::recipes
