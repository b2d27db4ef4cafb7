// loss.scope global through the binary: one optimizer step over 8 clips gives the same loss and
// the same weights as one micro-batch of 8, as 4 accumulated micro-batches of 2 (gradient
// cache) and as 2 Gloo processes x 2 micro-batches of 2 (gradient cache + all-gather), for the
// class-conditioned SFAR head and a pooled (temporal) head; loss.scope micro_batch does not.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "protocol_fixture.h"
#include "sfar/core/atomic_file.h"
#include "sfar/engine/checkpoint.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Weights = torch::OrderedDict<std::string, torch::Tensor>;

// 8 training videos over 3 classes (3, 3 and 2 of them), class descriptions, and a config with
// `head`: one epoch of one step of 8 clips. Deterministic crops, so every run sees the same
// pixels. Adam's eps of 1 makes its first step about lr x gradient (rather than lr x sign), so
// the weights after the step differ exactly as much as the gradients do; no clipping.
std::string write_run(const test::TempDir& dir, const std::string& head) {
  const fs::path root = dir.path() / "videos";
  fs::create_directories(root);
  const std::string src = test::reference_path("videos");
  const char* sources[3] = {"h264_28fps.mp4", "h264_30fps.mp4", "mpeg4_mp3.avi"};
  std::string train;
  for (int i = 0; i < 8; ++i) {
    const std::string name = "v" + std::to_string(i) + fs::path(sources[i % 3]).extension().string();
    fs::create_symlink(src + "/" + sources[i % 3], root / name);
    train += name + " " + std::to_string(i % 3) + "\n";
  }
  write_file_atomic((root / "train.txt").string(), train);
  protocol_test::write_descriptions(test::write_tiny_labels(dir.file("labels.csv")), dir.file("descriptions.json"));
  return test::TinyRun(root.string(), "train.txt", dir.file("labels.csv"))
      .threads(1).head(head).set("head", "temporal_layers", "1").loss("infonce")
      .descriptions(dir.file("descriptions.json"), 4).set("descriptions", "selection", "first")
      .workers(1).center_crop_training().batch_size(8).eval_batch_size(2)
      .lr(0.05).set("train", "eps", "1.0").set("train", "grad_clip", "0")
      .write(dir.file("tiny.yaml"));
}

struct StepResult {
  double loss = 0;
  Weights weights;
};

StepResult read_step(const std::string& work_dir) {
  StepResult r;
  std::ifstream in(work_dir + "/metrics.jsonl");
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    const Json j = Json::parse(line);
    if (j["kind"] != "train") continue;
    r.loss = j["loss"].get<double>();
    ++lines;
  }
  EXPECT_EQ(lines, 1) << work_dir;
  auto archive = engine::load_checkpoint_archive(work_dir + "/checkpoints/step_000000001.pt");
  torch::serialize::InputArchive model;
  archive.read("model", model);
  r.weights = engine::read_named_tensors(model);
  return r;
}

StepResult run_one(const test::TempDir& dir, const std::string& config, const std::string& tag,
                   const std::string& sets) {
  const auto r = test::run_binary(SFAR_BINARY, "train --config " + config + " --work-dir " + dir.file(tag) + sets, dir);
  EXPECT_EQ(r.status, 0) << r.err;
  return read_step(dir.file(tag));
}

// Two ranks, torchrun's variables; rank 0 writes the run.
StepResult run_two(const test::TempDir& dir, const std::string& config, const std::string& tag,
                   const std::string& sets) {
  std::string script = "export MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(test::free_local_port()) + " WORLD_SIZE=2\n";
  for (int r = 0; r < 2; ++r) {
    const std::string out = dir.file(tag + std::to_string(r));
    script += "(RANK=" + std::to_string(r) + " LOCAL_RANK=" + std::to_string(r) + " " SFAR_BINARY " train --config " +
              config + " --work-dir " + dir.file(tag) + sets + " >" + out + ".out 2>" + out + ".err; echo $? >" + out +
              ".rc) &\n";
  }
  script += "wait\n";
  write_file_atomic(dir.file(tag + ".sh"), script);
  std::system(("sh " + dir.file(tag + ".sh")).c_str());
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(std::atoi(test::read_file_or_empty(dir.file(tag + std::to_string(r) + ".rc")).c_str()), 0)
        << test::read_file_or_empty(dir.file(tag + std::to_string(r) + ".err"));
  }
  return read_step(dir.file(tag));
}

// The largest relative difference ||a - b|| / ||a|| between the two runs' weight tensors;
// `name` gets the tensor where it is largest. (Tensors that start at zero, such as the FFNs'
// second layers, hold just the step's update: there it compares the gradients themselves, and
// the rank run sums the SFAR head's gradients over the batch in another order.)
double max_relative_difference(const Weights& a, const Weights& b, std::string* name) {
  double worst = 0;
  for (const auto& item : a) {
    const torch::Tensor* other = b.find(item.key());
    if (!other) {
      ADD_FAILURE() << item.key() << " missing";
      continue;
    }
    const double scale = std::max(item.value().norm().item<double>(), 1e-12);
    const double d = (item.value() - *other).norm().item<double>() / scale;
    if (d > worst) {
      worst = d;
      *name = item.key();
    }
  }
  return worst;
}

void expect_same_step(const StepResult& a, const StepResult& b, const std::string& what) {
  EXPECT_NEAR(a.loss, b.loss, 1e-5 * std::abs(a.loss)) << what;
  std::string name;
  const double d = max_relative_difference(a.weights, b.weights, &name);
  EXPECT_LT(d, 1e-5) << what << ": " << name;
  std::cout << what << ": loss " << a.loss << " vs " << b.loss << ", weights differ by " << d << " (relative, "
            << name << ")\n";
}

class GlobalLossRun : public ::testing::TestWithParam<const char*> {};

TEST_P(GlobalLossRun, AccumulationAndRanksGiveOneBigBatch) {
  for (const auto& f : {test::tiny_clip_path(), test::reference_path("videos/mpeg4_mp3.avi")}) {
    ASSERT_TRUE(fs::exists(f)) << "missing generated reference " << f << " (CTest fixture sfar_make_references)";
  }
  test::TempDir dir;
  const std::string config = write_run(dir, GetParam());
  const auto start = run_one(dir, config, "start", " --set train.micro_batch=8 --set train.lr=1e-12");
  const auto whole = run_one(dir, config, "whole", " --set train.micro_batch=8");
  const auto cached = run_one(dir, config, "cached", " --set train.micro_batch=2");
  const auto ranks = run_two(dir, config, "ranks", " --set train.micro_batch=2");
  const auto micro = run_one(dir, config, "micro", " --set train.micro_batch=2 --set loss.scope=micro_batch");

  // The step moved the weights well beyond the tolerance.
  std::string name;
  EXPECT_GT(max_relative_difference(start.weights, whole.weights, &name), 1e-3);
  expect_same_step(whole, cached, "4 micro-batches of 2");
  expect_same_step(whole, ranks, "2 ranks x 2 micro-batches of 2");
  // Per-micro-batch losses are another loss: a test that cannot tell them apart proves nothing.
  EXPECT_GT(std::abs(micro.loss - whole.loss), 1e-3 * std::abs(whole.loss));
  EXPECT_GT(max_relative_difference(whole.weights, micro.weights, &name), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Heads, GlobalLossRun, ::testing::Values("sfar", "temporal"));

}  // namespace
}  // namespace sfar::recipes
