// The data of the `sfar protocol` binary tests: six links to the generated clips (three classes),
// train/val/split lists, class names and descriptions, and a tiny SFAR config on the tiny
// reference CLIP. Each test suite derives its own fixture from ProtocolFixture.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sfar/core/atomic_file.h"
#include "sfar/describe/description_cache.h"
#include "sfar/io/class_names.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace sfar::recipes::protocol_test {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A description cache with four sub-texts for each class of `labels_path`.
inline void write_descriptions(const std::string& labels_path, const std::string& out) {
  const auto labels = io::read_class_names(labels_path);
  describe::DescriptionCache cache = describe::new_description_cache(labels, "tiny");
  describe::DescriptionProvenance p;
  p.generator = "test";
  for (std::size_t c = 0; c < labels.size(); ++c) {
    const std::string n = labels.name(static_cast<std::int64_t>(c));
    cache.classes[c].candidates.push_back({{"Begin " + n + ".", "Go on " + n + ".", "Near the end of " + n + ".",
                                            "Finish " + n + "."}, p, {}});
  }
  describe::save_description_cache(out, cache);
}

// The `kind` lines ("eval" or "train") of `run_dir`/metrics.jsonl, in order.
inline std::vector<Json> logged(const fs::path& run_dir, const std::string& kind) {
  std::stringstream lines(read_file((run_dir / "metrics.jsonl").string()));
  std::vector<Json> out;
  for (std::string line; std::getline(lines, line);) {
    Json j = Json::parse(line);
    if (j["kind"] == kind) out.push_back(std::move(j));
  }
  return out;
}

class ProtocolFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    weights_ = test::tiny_clip_path();
    vocab_ = test::clip_vocab_path();
    videos_ = test::reference_path("videos");
    for (const auto& f : {weights_, vocab_, videos_ + "/mpeg4_mp3.avi"}) {
      if (fs::exists(f)) continue;
      FAIL() << "missing generated reference " << f << " (run the CTest fixture sfar_make_references)";
    }
    root_ = dir_.path() / "videos";
    fs::create_directories(root_);
    const std::vector<std::pair<std::string, std::string>> files = {
        {"h264_28fps.mp4", "wrestle_a.mp4"}, {"vp9_28fps.webm", "wrestle_b.webm"},
        {"h264_30fps.mp4", "pool_a.mp4"},    {"h264_30fps.mp4", "pool_b.mp4"},
        {"mpeg4_mp3.avi", "makeup_a.avi"},  {"mpeg4_mp3.avi", "makeup_b.avi"}};
    for (const auto& [from, to] : files) fs::create_symlink(videos_ + "/" + from, root_ / to);
    put("train.txt", "wrestle_a.mp4 0\npool_a.mp4 1\nmakeup_a.avi 2\nwrestle_b.webm 0\npool_b.mp4 1\nmakeup_b.avi 2\n");
    put("train1_few_shot_1.txt", "wrestle_b.webm 0\npool_a.mp4 1\nmakeup_b.avi 2\n");
    put("train1_few_shot_2.txt", "wrestle_a.mp4 0\nwrestle_b.webm 0\npool_a.mp4 1\npool_b.mp4 1\nmakeup_a.avi 2\n"
                                 "makeup_b.avi 2\n");
    put("val.txt", "wrestle_a.mp4 0\npool_b.mp4 1\nmakeup_b.avi 2\n");
    put("labels.csv", "id,name\n0,arm wrestling\n1,cleaning pool\n2,applying eye makeup\n");
    write_descriptions(file("labels.csv"), file("descriptions.json"));
  }

  void put(const std::string& name, const std::string& text) { write_file_atomic(file(name), text); }
  std::string file(const std::string& name) const { return (root_ / name).string(); }

  // The tiny SFAR config; `protocol` is the YAML of the protocol: mapping, `extra` more sections.
  std::string config(const std::string& protocol, const std::string& extra = "") {
    const std::string path = dir_.file("tiny.yaml");
    write_file_atomic(path, "run: {name: tiny_sfar, work_dir: " + dir_.file("unused") +
                                ", threads: 2, device: cpu}\n"
                                "model: {arch: auto, weights: " + weights_ + ", activation: quick_gelu}\n"
                                "text: {vocab: " + vocab_ + "}\n"
                                "head: {type: sfar}\n"
                                "data:\n  root: " + root_.string() + "\n  list: train.txt\n  labels: labels.csv\n"
                                "  num_frames: 2\n  short_side: 72\n  workers: 1\n  prefetch: 2\n  batch_size: 3\n"
                                "  train_pipeline: [{type: random_resized_crop, size: 64}, {type: normalize}]\n"
                                "  test_pipeline: [{type: center_crop, size: 64}, {type: normalize}]\n"
                                "eval: {list: val.txt}\n"
                                "train: {epochs: 1, warmup_epochs: 0, lr: 1.0e-4, batch_size: 3, log_interval: 1}\n"
                                "descriptions: {cache: descriptions.json, num_subtexts: 4, selection: first}\n" + extra +
                                "protocol:\n" + protocol);
    return path;
  }

  test::CommandResult sfar(const std::string& args) { return test::run_binary(SFAR_BINARY, args, dir_); }

  // The `metric` of the last evaluation logged in `run_dir`/metrics.jsonl.
  static double logged_last(const fs::path& run_dir, const std::string& metric = "top1") {
    const auto evals = logged(run_dir, "eval");
    return evals.empty() ? -1 : evals.back()[metric].get<double>();
  }

  test::TempDir dir_;
  fs::path root_;
  std::string weights_, vocab_, videos_;
};

}  // namespace sfar::recipes::protocol_test
