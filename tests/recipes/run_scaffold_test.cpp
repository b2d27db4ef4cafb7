// The run scaffold's library pieces that only the binary reached before: infer's forward pass
// and frames, the --label rule, the dry run's report, its dataset check, and load_scored_model.
// In-process on generated clips and the tiny reference CLIP.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/recipes/dry_run.h"
#include "sfar/recipes/run_scaffold.h"
#include "sfar/recipes/video_inference.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

TEST(VideoInference, SeenFramesUndoTheLastNormalize) {
  data::TransformSpec normalize;  // CLIP's mean and std
  const auto pixels = torch::rand({1, 2, 3, 4, 5});  // [V, T, 3, H, W] in [0, 1]
  const auto mean = torch::tensor(normalize.mean, torch::kFloat32).view({1, 1, 3, 1, 1});
  const auto std = torch::tensor(normalize.std, torch::kFloat32).view({1, 1, 3, 1, 1});
  const auto seen = seen_frames((pixels - mean) / std, {normalize});
  ASSERT_EQ(seen.sizes(), torch::IntArrayRef({2, 4, 5, 3}));
  const auto expected = pixels[0].mul(255).round().to(torch::kUInt8).permute({0, 2, 3, 1});
  EXPECT_LE((seen.to(torch::kInt32) - expected.to(torch::kInt32)).abs().max().item<int>(), 1);
  // Without a normalize step the values are taken as they are.
  EXPECT_TRUE(torch::equal(seen_frames(pixels, {}), expected));
}

TEST(VideoInference, LabelIsAClassNameOrAnId) {
  const std::vector<std::string> names = {"a", "b", "12"};
  EXPECT_EQ(label_class("b", names), 1);
  EXPECT_EQ(label_class("1", names), 1);
  EXPECT_EQ(label_class("12", names), 2);  // a name before an id
  for (const std::string bad : {"3", "c", "", "-1", "99999999999"}) {
    try {
      label_class(bad, names);
      FAIL() << bad;
    } catch (const ArgumentError& e) {
      EXPECT_EQ(e.where(), "--label");
      EXPECT_EQ(e.value(), bad);
    }
  }
}

#if SFAR_WITH_VIDEO
// Three generated clips in three classes, a mean-head config on the tiny reference CLIP.
class TinyScaffold : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path root = dir_.path() / "videos";
    fs::create_directories(root);
    const std::string src = test::reference_path("videos");
    for (const char* name : {"h264_28fps.mp4", "h264_30fps.mp4", "mpeg4_mp3.avi"}) {
      fs::create_symlink(src + "/" + name, root / name);
    }
    write_file_atomic((root / "train.txt").string(), "h264_28fps.mp4 0\nh264_30fps.mp4 1\nmpeg4_mp3.avi 2\n");
    write_file_atomic(dir_.file("labels.csv"), "id,name\n0,arm wrestling\n1,cleaning pool\n2,applying eye makeup\n");
    write_file_atomic(dir_.file("tiny.yaml"),
                      "run: {work_dir: " + dir_.file("run") + ", threads: 1, device: cpu, seed: 3}\n"
                      "model: {arch: auto, weights: " + test::tiny_clip_path() + ", activation: quick_gelu}\n"
                      "text: {vocab: " + test::clip_vocab_path() + "}\n"
                      "head: {type: mean}\n"
                      "data:\n  root: " + root.string() + "\n  list: train.txt\n  labels: " + dir_.file("labels.csv") +
                      "\n  num_frames: 2\n  short_side: 72\n  workers: 1\n  batch_size: 3\n"
                      "  train_pipeline: [{type: center_crop, size: 64}, {type: normalize}]\n"
                      "  test_pipeline: [{type: center_crop, size: 64}, {type: normalize}]\n"
                      "train: {epochs: 1, warmup_epochs: 0, batch_size: 3}\n");
  }
  SfarRunConfig config(const std::vector<std::string>& overrides = {}) const {
    return load_sfar_run_config({dir_.file("tiny.yaml")}, overrides);
  }
  std::string video(const std::string& name) const { return (dir_.path() / "videos" / name).string(); }

  test::TempDir dir_;
};

// infer's forward pass (encoder, head, class logits) gives the model's own forward logits.
TEST_F(TinyScaffold, InferLogitsAreTheModelsForwardLogits) {
  const SfarRunConfig c = config();
  std::string note;
  const auto line = infer_video(c, {"none", video("h264_30fps.mp4"), "cleaning pool", "", 2,
                                    [&](const std::string& n) { note = n; }});
  EXPECT_NE(note.find("model.weights as loaded"), std::string::npos) << note;
  ScoredModel m = load_scored_model(c, "cpu", {"", false, nullptr, ""});  // model.weights as loaded
  data::VideoRecord record;
  record.path = video("h264_30fps.mp4");
  record.labels = {0};
  const auto clip = test_dataset(c.data, {record}, "", 3)->load(0, 0).clip;
  torch::NoGradGuard no_grad;
  const auto logits = m.run.model->forward(clip, m.bank).logits.mean(0);
  const auto printed = line.at("logits").get<std::vector<double>>();
  ASSERT_EQ(printed.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(printed[i], logits[static_cast<std::int64_t>(i)].item<double>(), 1e-4);
  const auto best = logits.argmax().item<std::int64_t>();
  EXPECT_EQ(line.at("top").size(), 2u);
  EXPECT_EQ(line.at("top")[0].at("class").get<std::int64_t>(), best);
  EXPECT_EQ(line.at("predicted"), m.run.class_names[static_cast<std::size_t>(best)]);
  EXPECT_EQ(line.at("true"), "cleaning pool");
  EXPECT_EQ(line.at("correct").get<bool>(), best == 1);
}

TEST_F(TinyScaffold, DryRunReportsTheRunAndWritesNothing) {
  const DryRunResult r = dry_run(config());
  EXPECT_TRUE(r.finite_loss);
  EXPECT_EQ(r.line.at("train_videos"), 3);
  EXPECT_EQ(r.line.at("steps_per_epoch"), 1);
  EXPECT_EQ(r.line.at("classes"), 3);
  EXPECT_EQ(r.line.at("dataset").at("train").at("present"), 3);
  EXPECT_TRUE(r.line.at("memory").at("activations_measured").get<bool>());
  EXPECT_GT(r.line.at("parameters").at("all").at("trainable").get<std::int64_t>(), 0);
  EXPECT_FALSE(fs::exists(dir_.file("run")));
}

TEST_F(TinyScaffold, DatasetCheckWarnsOrRefusesMissingFilesByPolicy) {
  write_file_atomic((dir_.path() / "videos" / "train.txt").string(), "h264_28fps.mp4 0\ngone.mp4 1\n");
  const SfarRunConfig skip = config({"data.bad_file_policy=skip"});
  const auto scan = scan_dataset(skip, {"a", "b", "c"});
  EXPECT_EQ(scan.at("train").at("missing"), 1);
  EXPECT_EQ(scan.at("train").at("present"), 1);
  try {
    scan_dataset(config({"data.bad_file_policy=raise"}), {"a", "b", "c"});
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(e.where(), (dir_.path() / "videos" / "train.txt").string());  // data.list as resolved
    EXPECT_NE(e.value().find("gone.mp4"), std::string::npos) << e.what();
  }
}

// A list without videos is an error, never a file of zero rows (or a crash on the first row).
TEST_F(TinyScaffold, ExportOfAnEmptyListIsRefusedAndWritesNothing) {
  write_file_atomic((dir_.path() / "videos" / "empty.txt").string(), "");
  EXPECT_THROW(export_features(config(), {"none", "empty.txt", dir_.file("f.jsonl"), nullptr, {}}), Error);
  EXPECT_FALSE(fs::exists(dir_.file("f.jsonl")));
}

TEST(DryRunReport, ActivationsOffTheCpuAreNullWithANote) {
  engine::MemoryEstimate e;
  e.per_clip.measured = false;
  const auto j = memory_json(e, "cuda:0");
  EXPECT_TRUE(j.at("activations").is_null());
  EXPECT_NE(j.at("note").get<std::string>().find("cuda:0"), std::string::npos);
}
#endif

}  // namespace
}  // namespace sfar::recipes
