// The shipped K400, few-shot, zero-shot and Charades configs run their protocols through the
// binary with the recipe's defaults as shipped: a small overlay config only swaps in the tiny
// data, the tiny reference CLIP and sizes a CPU can run (2 frames, 64 px, batch 6 as two
// accumulated micro-batches of 3, one epoch). Every switch #19 made explicit (loss over the
// global batch, no clipping, the logit scale's lr ratio, a required sub-text selection, the
// best epoch, the K-shot list repeated to the full list's length) stays the config's.
#include <cmath>

#include "protocol_fixture.h"

namespace sfar::recipes::protocol_test {
namespace {

class ProtocolShipped : public ProtocolFixture {
 protected:
  void SetUp() override {
    ProtocolFixture::SetUp();
    // The shipped configs ask for a selected set per class (descriptions.selection: selected).
    auto cache = describe::load_description_cache(file("descriptions.json"));
    for (auto& c : cache.classes) c.selected = 0;
    describe::save_description_cache(file("descriptions_selected.json"), cache);
    // Charades-style multi-label lists over the same clips.
    put("train_ml.txt", "wrestle_a.mp4 0,1\npool_a.mp4 1\nmakeup_a.avi 2,0\nwrestle_b.webm 0\npool_b.mp4 1,2\n"
                        "makeup_b.avi 2\n");
    put("val_ml.txt", "wrestle_a.mp4 0,1\npool_b.mp4 1\nmakeup_b.avi 2\n");
  }

  // The overlay: data, weights and sizes only. `extra` is appended (more sections).
  std::string overlay(const std::string& extra = "") {
    const std::string path = dir_.file("tiny_overlay.yaml");
    write_file_atomic(path, "run: {threads: 1, device: cpu}\n"
                            "model: {arch: auto, weights: " + weights_ + ", activation: quick_gelu}\n"
                            "text: {vocab: " + vocab_ + "}\n"
                            "data:\n  root: " + root_.string() + "\n  list: train.txt\n  labels: labels.csv\n"
                            "  num_frames: 2\n  short_side: 72\n  workers: 1\n  prefetch: 2\n  batch_size: 3\n"
                            "  train_pipeline: [{type: random_resized_crop, size: 64}, {type: flip}, {type: normalize}]\n"
                            "  test_pipeline: [{type: center_crop, size: 64}, {type: normalize}]\n"
                            "eval: {list: val.txt}\n"
                            "train: {epochs: 1, warmup_epochs: 0, batch_size: 6, micro_batch: 3, log_interval: 1}\n"
                            "descriptions: {cache: descriptions_selected.json}\n" + extra);
    return path;
  }

  // Runs `sfar protocol NAME` on the shipped config and the overlay; results.json.
  Json run(const std::string& name, const std::string& shipped, const std::string& extra, const std::string& out) {
    const std::string config = test::source_dir() + "/configs/" + shipped;
    const auto r = sfar("protocol " + name + " --config " + config + " --config " + overlay(extra) + " --work-dir " +
                        dir_.file(out));
    EXPECT_EQ(r.status, 0) << shipped << "\n" << r.err;
    if (r.status != 0) return Json();
    return Json::parse(read_file(dir_.file(out + "/results.json")));
  }

  // The recipe's switches as the run resolved them.
  // `key: value` in the YAML, the value plain or quoted (enumerations are written quoted).
  static bool states(const std::string& yaml, const std::string& key, const std::string& value) {
    return yaml.find(key + ": " + value + "\n") != std::string::npos ||
           yaml.find(key + ": \"" + value + "\"\n") != std::string::npos;
  }

  static void expect_recipe_defaults(const std::string& resolved) {
    EXPECT_TRUE(states(resolved, "scope", "global")) << resolved;
    EXPECT_TRUE(states(resolved, "grad_clip", "0.0")) << resolved;
    EXPECT_TRUE(states(resolved, "logit_scale_lr_ratio", "0.1")) << resolved;
    EXPECT_TRUE(states(resolved, "selection", "selected")) << resolved;
    EXPECT_TRUE(states(resolved, "micro_batch", "3")) << resolved;  // two micro-batches per step of 6
  }

  static void expect_cells(const Json& j, std::size_t columns) {
    ASSERT_EQ(j["columns"].size(), columns) << j.dump();
    for (const auto& c : j["columns"]) EXPECT_TRUE(std::isfinite(c["mean"].get<double>())) << c.dump();
  }
};

TEST_F(ProtocolShipped, K400SupervisedRunsWithTheRecipesDefaults) {
  const Json j = run("supervised", "k400/sfar_vit_b16.yaml", "protocol: {seeds: [0]}\n", "k400");
  ASSERT_FALSE(j.is_null());
  expect_cells(j, 2);  // top-1, top-5
  EXPECT_EQ(j["report"], "best");
  const std::string work_dir = j["runs"][0]["work_dir"];
  expect_recipe_defaults(read_file(work_dir + "/resolved.yaml"));
  EXPECT_EQ(logged(work_dir, "train").size(), 1u);  // 6 videos, one step of 6
}

TEST_F(ProtocolShipped, K400FewShotRepeatsTheKShotListToTheFullLength) {
  const Json j = run("few-shot", "k400/sfar_vit_b16_few_shot.yaml", "protocol: {seeds: [0], few_shot: {shots: [1]}}\n",
                     "few_shot");
  ASSERT_FALSE(j.is_null());
  expect_cells(j, 1);
  const std::string work_dir = j["runs"][0]["work_dir"];
  const std::string resolved = read_file(work_dir + "/resolved.yaml");
  expect_recipe_defaults(resolved);
  EXPECT_EQ(j["report"], "best");
  EXPECT_TRUE(states(resolved, "repeat_to_full", "true")) << resolved;
  // K=1 of three classes is 3 videos, cycled to the full list's 6: one step of 6, not none.
  EXPECT_EQ(logged(work_dir, "train").size(), 1u);
}

TEST_F(ProtocolShipped, ZeroShotTrainsOnTheSourceAndScoresTheTarget) {
  const Json j = run("zero-shot", "zero_shot/k400_to_hmdb51.yaml",
                     "protocol:\n  seeds: [0]\n  zero_shot:\n    targets:\n"
                     "      - {name: tiny_target, group: tiny, list: val.txt, labels: labels.csv,"
                     " descriptions: descriptions_selected.json}\n",
                     "zero_shot");
  ASSERT_FALSE(j.is_null());
  expect_cells(j, 1);
  EXPECT_EQ(j["columns"][0]["name"], "tiny");
}

TEST_F(ProtocolShipped, CharadesGivesAnMapCell) {
  const std::string config = test::source_dir() + "/configs/charades/sfar_vit_b16_16f.yaml";
  const auto r = sfar("protocol supervised --config " + config + " --config " + overlay("protocol: {seeds: [0]}\n") +
                      " --set data.list=train_ml.txt --set eval.list=val_ml.txt --work-dir " + dir_.file("charades"));
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(read_file(dir_.file("charades/results.json")));
  EXPECT_EQ(j["metric"], "mAP");
  expect_cells(j, 1);
  const std::string work_dir = j["runs"][0]["work_dir"];
  const std::string resolved = read_file(work_dir + "/resolved.yaml");
  expect_recipe_defaults(resolved);
  EXPECT_TRUE(states(resolved, "multi_label", "true")) << resolved;
}

}  // namespace
}  // namespace sfar::recipes::protocol_test
