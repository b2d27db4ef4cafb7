// The frozen-backbone feature cache (feature_cache.views, model.freeze_backbone): the cache holds
// exactly what the image encoder gives for the test-mode clips, each epoch's order is a seeded
// permutation, repeated list entries are embedded once, and a run trained from the cache
// leaves the backbone untouched and evaluates as the decoding path does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/data/clip_transforms.h"
#include "sfar/data/frame_sampler.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/method/sfar_model.h"
#include "sfar/models/clip_loader.h"
#include "sfar/recipes/frame_embedding_cache.h"
#include "sfar/recipes/sfar_run_config.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

torch::OrderedDict<std::string, torch::Tensor> checkpoint_model(const std::string& path) {
  auto archive = engine::load_checkpoint_archive(path);
  torch::serialize::InputArchive model_archive;
  archive.read("model", model_archive);
  return engine::read_named_tensors(model_archive);
}

// Largest relative difference ||a - b|| / ||a|| over the head's tensors of two checkpoints.
double head_difference(const std::string& a, const std::string& b) {
  const auto x = checkpoint_model(a), y = checkpoint_model(b);
  double worst = 0;
  for (const auto& item : x) {
    if (item.key().rfind("head.", 0) != 0) continue;
    const auto& other = y[item.key()];
    const double norm = std::max(item.value().norm().item<double>(), 1e-12);
    worst = std::max(worst, (item.value() - other).norm().item<double>() / norm);
  }
  return worst;
}

data::VideoRecord record(const std::string& path, std::int64_t label, std::int64_t start = 0, std::int64_t end = -1) {
  data::VideoRecord r;
  r.path = path;
  r.labels = {label};
  r.start_frame = start;
  r.end_frame = end;
  return r;
}

data::TransformSpec transform(const std::string& type, std::int64_t size = 0) {
  data::TransformSpec t;
  t.type = data::find_clip_transform(type).value;
  t.size = size;
  return t;
}

TEST(FeatureCache, UniqueRecordsKeepFirstSeenOrder) {
  const std::vector<data::VideoRecord> records = {record("a.mp4", 0), record("b.mp4", 1), record("a.mp4", 0),
                                                  record("a.mp4", 0, 10, 20), record("b.mp4", 1)};
  const auto u = unique_records(records);
  ASSERT_EQ(u.records.size(), 3u);  // a, b, a[10..20]
  EXPECT_EQ(u.records[0].path, "a.mp4");
  EXPECT_EQ(u.records[1].path, "b.mp4");
  EXPECT_EQ(u.records[2].start_frame, 10);
  EXPECT_EQ(u.row_of, (std::vector<std::int64_t>{0, 1, 0, 2, 1}));
}

TEST(FeatureCache, EpochOrderIsASeededPermutation) {
  const auto a = cached_epoch_order(50, 3, 7, 0);
  const auto again = cached_epoch_order(50, 3, 7, 0);
  const auto next = cached_epoch_order(50, 3, 7, 1);
  const auto other_seed = cached_epoch_order(50, 3, 8, 0);
  EXPECT_TRUE(torch::equal(a.order, again.order));
  EXPECT_TRUE(torch::equal(a.views, again.views));
  EXPECT_FALSE(torch::equal(a.order, next.order));
  EXPECT_FALSE(torch::equal(a.order, other_seed.order));
  EXPECT_TRUE(torch::equal(std::get<0>(a.order.sort()), torch::arange(50)));
  EXPECT_GE(a.views.min().item<std::int64_t>(), 0);
  EXPECT_LE(a.views.max().item<std::int64_t>(), 2);
  EXPECT_GT(a.views.max().item<std::int64_t>(), a.views.min().item<std::int64_t>());  // not one view only
  EXPECT_THROW(cached_epoch_order(0, 1, 0, 0), ArgumentError);
  EXPECT_THROW(cached_epoch_order(5, 0, 0, 0), ArgumentError);
}

// The cache's rows are the encoder's output on the dataset's own test-mode clips, every view.
TEST(FeatureCache, HoldsTheEncoderOutputOfEveryView) {
  auto clip = models::load_clip(test::tiny_clip_path(), models::ClipActivationChoice{ActivationSetting::kQuickGelu});
  method::SfarModel model(clip, method::HeadOptions{.type = method::HeadType::kMean});
  const std::string dir = fs::path(test::reference_path("videos/h264_28fps.mp4")).parent_path().string();
  std::vector<data::VideoRecord> records = {record("h264_28fps.mp4", 0), record("mpeg4_mp3.avi", 1),
                                            record("h264_30fps.mp4", 2)};
  data::VideoDatasetOptions options;
  options.root = dir;
  options.mode = data::SampleMode::kTest;
  options.short_side = 72;
  auto set = std::make_shared<const data::VideoDataset>(
      records, data::make_frame_sampler("segment", 3, 1, 2),
      data::make_clip_pipeline({transform("center_crop", 64), transform("normalize")}), options);
  data::VideoLoaderOptions loader;
  loader.batch_size = 2;  // two batches, the last one short
  loader.workers = 1;
  FrameEmbeddingCache cache(*model, set, loader, torch::kCPU);
  ASSERT_EQ(cache.size(), 3);
  ASSERT_EQ(cache.views(), 2);
  EXPECT_TRUE(torch::equal(cache.labels(), torch::tensor(std::vector<std::int64_t>{0, 1, 2})));
  torch::NoGradGuard no_grad;
  for (std::int64_t i = 0; i < 3; ++i) {
    const auto sample = set->get(i, 0);  // [V, T, 3, H, W]
    const auto expected = model->encode_frames(sample.clip);  // [V, T, D]
    EXPECT_TRUE(torch::allclose(cache.embeddings()[i], expected, 1e-5, 1e-6)) << "video " << i;
    // gather() reads (row, view) pairs.
    const auto got = cache.gather(torch::tensor(std::vector<std::int64_t>{i, i}),
                                  torch::tensor(std::vector<std::int64_t>{1, 0}));
    EXPECT_TRUE(torch::equal(got[0], cache.embeddings()[i][1]));
    EXPECT_TRUE(torch::equal(got[1], cache.embeddings()[i][0]));
  }
}

TEST(FeatureCache, NeedsAFrozenBackbone) {
  test::TempDir dir;
  const std::string config = dir.file("c.yaml");
  write_file_atomic(config, "model: {arch: auto, weights: w.pt}\nhead: {type: mean}\nfeature_cache: {views: 2}\n");
  try {
    load_sfar_run_config({config});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("feature_cache.views"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.freeze_backbone"), std::string::npos) << e.what();
  }
  write_file_atomic(config, "model: {arch: auto, weights: w.pt, freeze_backbone: true}\nhead: {type: mean}\n"
                            "feature_cache: {views: 2}\n");
  EXPECT_EQ(load_sfar_run_config({config}).feature_cache.views, 2);
}

// Through the binary: a run trained from the cache changes the head and the logit scale, not
// the backbone, and `sfar eval` of its checkpoint (decoding every video again) gives the
// evaluation the run logged from the cache.
TEST(FeatureCache, TrainsTheHeadAloneAndEvaluatesAsDecoding) {
  test::TempDir dir;
  const fs::path root = dir.path() / "videos";
  fs::create_directories(root);
  const std::string src = fs::path(test::reference_path("videos/h264_28fps.mp4")).parent_path().string();
  const std::vector<std::pair<std::string, std::string>> files = {
      {"h264_28fps.mp4", "a0.mp4"}, {"vp9_28fps.webm", "a1.webm"}, {"h264_30fps.mp4", "b0.mp4"},
      {"h264_30fps.mp4", "b1.mp4"}, {"mpeg4_mp3.avi", "c0.avi"},   {"mpeg4_mp3.avi", "c1.avi"}};
  for (const auto& [from, to] : files) fs::create_symlink(src + "/" + from, root / to);
  // a0 is listed twice, as a repeated K-shot list would: embedded once, read twice per epoch.
  write_file_atomic((root / "train.txt").string(), "a0.mp4 0\nb0.mp4 1\nc0.avi 2\na1.webm 0\nb1.mp4 1\nc1.avi 2\n"
                                                   "a0.mp4 0\nb0.mp4 1\nc0.avi 2\n");
  write_file_atomic((root / "val.txt").string(), "a0.mp4 0\nb1.mp4 1\nc1.avi 2\n");
  const std::string config = test::TinyRun(root.string(), "train.txt", test::write_tiny_labels(dir.file("labels.csv")))
                                 .name("cached").work_dir(dir.file("run")).threads(1)
                                 .set("model", "freeze_backbone", "true").set("head", "pooled_ffn", "true")
                                 .frames(3).workers(1).unset("data", "prefetch").center_crop_training()
                                 .eval_list("val.txt").epochs(3).lr(1.0e-2).set("feature_cache", "views", "2")
                                 .write(dir.file("cached.yaml"));
  const auto train = test::run_binary(SFAR_BINARY, "train --config " + config, dir);
  ASSERT_EQ(train.status, 0) << train.err;
  const std::string log = read_file(dir.file("run/log.txt"));
  EXPECT_NE(log.find("feature cache: 6 videos x 2 views x 3 frames"), std::string::npos) << log;
  const Json t = test::last_json_line(train.out);
  EXPECT_EQ(t["steps"], 9);  // 9 list entries / batch 3, three epochs
  std::vector<Json> evals;
  std::ifstream metrics(dir.file("run/metrics.jsonl"));
  for (std::string line; std::getline(metrics, line);) {
    const Json j = Json::parse(line);
    if (j["kind"] == "eval") evals.push_back(j);
  }
  ASSERT_EQ(evals.size(), 3u);

  const std::string checkpoint = dir.file("run/checkpoints/step_000000009.pt");
  const auto trained = checkpoint_model(checkpoint);
  const auto initial = models::read_clip_weight_file(test::tiny_clip_path()).weights;
  std::int64_t visual = 0, head_changed = 0;
  for (const auto& item : trained) {
    const std::string& name = item.key();
    const torch::Tensor& tensor = item.value();
    if (name.rfind("clip.visual.", 0) == 0) {
      ++visual;
      EXPECT_TRUE(torch::equal(tensor, initial.at(name.substr(5)).to(tensor.scalar_type()))) << name;
    }
    if (name.rfind("head.ffn_pooled.", 0) == 0 && tensor.abs().sum().item<double>() > 0) ++head_changed;
  }
  EXPECT_GT(visual, 0);
  EXPECT_GT(head_changed, 2);  // fc2 starts at zero: all four tensors moved

  // loss.scope global (the default): three accumulated micro-batches of one give the step of one
  // micro-batch of three; loss.scope micro_batch does not.
  const auto accumulated = test::run_binary(SFAR_BINARY, "train --config " + config + " --set train.micro_batch=1 "
                                                         "--work-dir " + dir.file("run_1x3"), dir);
  ASSERT_EQ(accumulated.status, 0) << accumulated.err;
  EXPECT_LT(head_difference(checkpoint, dir.file("run_1x3/checkpoints/step_000000009.pt")), 1e-5);
  const auto per_micro = test::run_binary(SFAR_BINARY, "train --config " + config + " --set train.micro_batch=1 "
                                                       "--set loss.scope=micro_batch --work-dir " + dir.file("run_mb"),
                                          dir);
  ASSERT_EQ(per_micro.status, 0) << per_micro.err;
  EXPECT_GT(head_difference(checkpoint, dir.file("run_mb/checkpoints/step_000000009.pt")), 1e-3);

  // `sfar eval` without the cache decodes every video again: the same frames, the same numbers.
  const auto eval = test::run_binary(SFAR_BINARY, "eval --config " + config + " --set feature_cache.views=0 "
                                                    "--checkpoint " + checkpoint, dir);
  ASSERT_EQ(eval.status, 0) << eval.err;
  const Json e = test::last_json_line(eval.out);
  for (const char* key : {"top1", "top5", "mean_class_accuracy"}) {
    EXPECT_NEAR(e[key].get<double>(), evals.back()[key].get<double>(), 1e-9) << key;
  }
}

}  // namespace
}  // namespace sfar::recipes
