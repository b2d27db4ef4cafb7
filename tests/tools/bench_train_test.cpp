// `sfar bench train` through the binary on a tiny reshaped CLIP: the JSON it prints carries
// positive speed and memory figures and the analytic FLOPs and parameter counts worked out by
// hand below. Not timed: the speed figures are only checked to be sane.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <nlohmann/json.hpp>

#include "support/run_binary.h"
#include "support/test_data.h"

namespace {

using Json = nlohmann::json;

// ViT width 64, 2 layers, 32 px input in 16 px patches (g = 2: 4 patches + class token = 5
// tokens), joint embedding 32; 2 videos x 2 frames = 4 images per step.
const std::string kTinyArgs =
    " --set run.device=cpu --width 64 --layers 2 --resolution 32 --embed-dim 32"
    " --text-width 64 --text-layers 1 --batch 2 --frames 2 --classes 5 --threads 1 --matmul-size 128";

sfar::test::CommandResult run_bench(const std::string& args, const sfar::test::TempDir& dir,
                                    const std::string& patch = "16", const std::string& name = "mean_vit_b16") {
  const std::string config = sfar::test::source_dir() + "/configs/k400/" + name + ".yaml";
  return sfar::test::run_binary(SFAR_BINARY,
                                "bench train --config '" + config + "'" + kTinyArgs + " --patch " + patch + args, dir);
}

// --micro-batch 1 of the batch of 2 with the SFAR head: loss.scope global gives the loss of the
// whole batch (the first step's, before any update), micro_batch another one.
TEST(BenchTrain, GlobalLossScopeOverMicroBatchesIsTheWholeBatchLoss) {
  sfar::test::TempDir dir;
  const auto loss = [&](const std::string& args) {
    const auto r = run_bench(" --steps 1 --warmup 0 --json" + args, dir, "16", "sfar_vit_b16");
    EXPECT_EQ(r.status, 0) << r.err;
    const Json j = Json::parse(r.out);
    return std::make_pair(j["last_loss"].get<double>(), j["micro_batch"].get<int>());
  };
  const auto whole = loss("");
  const auto global = loss(" --micro-batch 1");
  const auto micro = loss(" --micro-batch 1 --set loss.scope=micro_batch");
  EXPECT_EQ(whole.second, 2);
  EXPECT_EQ(global.second, 1);
  EXPECT_NEAR(global.first, whole.first, 1e-5 * std::abs(whole.first));
  EXPECT_GT(std::abs(micro.first - whole.first), 1e-3 * std::abs(whole.first));
}

TEST(BenchTrain, TwoStepsOfATinyModelPrintSaneJson) {
  sfar::test::TempDir dir;
  const auto r = run_bench(" --steps 2 --warmup 1 --json", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["implementation"], "sfar");
  EXPECT_EQ(j["head"], "mean");
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["steps"], 2);
  EXPECT_GT(j["steps_per_s"].get<double>(), 0);
  EXPECT_GT(j["median_step_s"].get<double>(), 0);
  EXPECT_NEAR(j["videos_per_s"].get<double>(), 2.0 / j["median_step_s"].get<double>(), 1e-9);
  EXPECT_TRUE(std::isfinite(j["last_loss"].get<double>()));
  EXPECT_EQ(j["memory_kind"], "peak_rss");
  EXPECT_GT(j["rss_at_start_mb"].get<double>(), 0);
  EXPECT_GE(j["peak_memory_mb"].get<double>(), j["rss_at_start_mb"].get<double>());
  EXPECT_GT(j["matmul_peak_gflops"].get<double>(), 0);
  EXPECT_GT(j["peak_share"].get<double>(), 0);
  // The head's part of a step, timed on its own: positive and smaller than the whole step.
  EXPECT_GT(j["head_step_s"].get<double>(), 0);
  EXPECT_NEAR(j["head_share"].get<double>(), j["head_step_s"].get<double>() / j["median_step_s"].get<double>(), 1e-9);
  EXPECT_LT(j["head_share"].get<double>(), 1.0);

  // FLOPs per image: patch embedding 2*4*(3*16*16)*64 = 393216 (counted twice: no input
  // gradient); per layer 24*5*64^2 + 4*5^2*64 = 497920; projection 2*64*32 = 4096;
  // 2*393216 + 3*(2*497920 + 4096) = 3786240, times 4 images.
  EXPECT_NEAR(j["step_gflop"].get<double>(), 4 * 3786240 / 1e9, 1e-12);
  EXPECT_NEAR(j["step_gflops_per_s"].get<double>(), j["step_gflop"].get<double>() / j["median_step_s"].get<double>(),
              1e-9);
  // Trainable: the vision tower (conv 3*256*64 = 49152, class 64, positions 5*64 = 320, ln_pre
  // 128, 2 layers of 49984, ln_post 128, proj 64*32 = 2048) and the logit scale; the mean head
  // has none and the text tower is frozen.
  EXPECT_EQ(j["trainable_parameters"], 49152 + 64 + 320 + 128 + 2 * 49984 + 128 + 2048 + 1);
  // Backbone decay, backbone no-decay, the logit scale (its own group, no decay).
  EXPECT_EQ(j["param_groups"], 3);
  EXPECT_EQ(j["optimizer"]["logit_scale_lr_ratio"], 0.1);
  EXPECT_EQ(j["optimizer"]["grad_clip"], 0);
  EXPECT_EQ(j["optimizer"]["weight_decay"], 0.02);
}

TEST(BenchTrain, SfarHeadReportsTheShareOfItsClassConditionedScoring) {
  sfar::test::TempDir dir;
  // The shipped SFAR config (its description cache is never read: the text bank is random).
  const auto r = run_bench(" --steps 2 --warmup 1 --json", dir, "16", "sfar_vit_b16");
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["head"], "sfar");
  EXPECT_GT(j["head_share"].get<double>(), 0);
  EXPECT_LT(j["head_share"].get<double>(), 1.0);
}

TEST(BenchTrain, RejectsZeroStepsNamingTheFlag) {
  sfar::test::TempDir dir;
  const auto r = run_bench(" --steps 0", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--steps"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find('0'), std::string::npos) << r.err;
}

TEST(BenchTrain, RejectsAnIndivisibleShapeNamingTheField) {
  sfar::test::TempDir dir;
  const auto r = run_bench(" --steps 1 --warmup 0", dir, "7");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("clip.image_resolution"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("vision_patch_size (7)"), std::string::npos) << r.err;
}

}  // namespace
