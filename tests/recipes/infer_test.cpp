// `sfar infer` and `sfar export-features` end to end: a tiny run (generated clips, tiny reference
// CLIP) trained for one epoch, then classified, explained and exported through the binary.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <opencv2/imgcodecs.hpp>

#include "sfar/core/atomic_file.h"
#include "sfar/describe/description_cache.h"
#include "sfar/eval/keyframe_picture.h"
#include "sfar/io/class_names.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using test::json_lines;
using Json = nlohmann::json;

constexpr std::int64_t kEmbedDim = 64;  // the tiny reference CLIP's embedding width
constexpr std::int64_t kFrames = 4, kSize = 64;

using Result = test::CommandResult;

// The size the key-frame picture of a kFrames x kSize x kSize clip has, with or without the
// branches' weights (eval::keyframe_picture_size, which the picture test checks by hand).
eval::PictureSize picture_size(bool weights) {
  eval::KeyFramePicture p;
  p.frames = torch::zeros({kFrames, kSize, kSize, 3}, torch::kUInt8);
  if (weights) p.coarse_weights = p.fine_weights = torch::full({kFrames}, 1.0 / kFrames);
  return eval::keyframe_picture_size(p);
}

// Runs `sfar ARGS` through the shell, capturing stdout and stderr.
Result run_sfar(const std::string& args, const test::TempDir& dir) {
  return test::run_binary(SFAR_BINARY, args, dir);
}

// Six generated clips in three classes, labels, descriptions and a run config with `head`.
class InferRun {
 public:
  InferRun(const std::string& videos, const std::string& head) {
    root_ = dir_.path() / "videos";
    fs::create_directories(root_);
    const std::string src = fs::path(videos).parent_path().string();
    const std::vector<std::pair<std::string, std::string>> files = {
        {"h264_28fps.mp4", "wrestle_a.mp4"}, {"vp9_28fps.webm", "wrestle_b.webm"},
        {"h264_30fps.mp4", "pool_a.mp4"},    {"h264_30fps.mp4", "pool_b.mp4"},
        {"mpeg4_mp3.avi", "makeup_a.avi"},  {"mpeg4_mp3.avi", "makeup_b.avi"}};
    for (const auto& [from, to] : files) fs::create_symlink(src + "/" + from, root_ / to);
    write_file_atomic((root_ / "train.txt").string(), "wrestle_a.mp4 0\npool_a.mp4 1\nmakeup_a.avi 2\n"
                                                      "wrestle_b.webm 0\npool_b.mp4 1\nmakeup_b.avi 2\n");
    write_file_atomic((root_ / "val.txt").string(), "wrestle_a.mp4 0\npool_b.mp4 1\nmakeup_b.avi 2\n");
    const auto labels = io::read_class_names(test::write_tiny_labels(dir_.file("labels.csv")));
    describe::DescriptionCache cache = describe::new_description_cache(labels, "tiny");
    describe::DescriptionProvenance p;
    p.generator = "test";
    cache.classes[0].candidates.push_back({{"Two arms lock.", "One arm pushes down."}, p, {}});
    cache.classes[1].candidates.push_back({{"Skim the water.", "Lift the net.", "Empty the net."}, p, {}});
    cache.classes[2].candidates.push_back({{"Brush the lid.", "Draw a line.", "Blend.", "Look."}, p, {}});
    describe::save_description_cache(dir_.file("descriptions.json"), cache);
    config_ = test::TinyRun(root_.string(), "train.txt", dir_.file("labels.csv"))
                  .work_dir(dir_.file("run")).head(head).frames(kFrames).without_flip().eval_list("val.txt")
                  .warmup_epochs(0.5).descriptions(dir_.file("descriptions.json"), 4)
                  .set("descriptions", "selection", "first")
                  .write(dir_.file("tiny.yaml"));
  }

  // Trains one epoch; returns the checkpoint and the evaluation logged after it.
  std::string train(Json* eval) {
    const Result r = run_sfar("train --config " + config_, dir_);
    EXPECT_EQ(r.status, 0) << r.err;
    std::ifstream metrics(dir_.file("run/metrics.jsonl"));
    for (std::string line; std::getline(metrics, line);) {
      const Json j = Json::parse(line);
      if (j["kind"] == "eval") *eval = j;
    }
    return dir_.file("run/checkpoints/step_000000002.pt");
  }

  const test::TempDir& dir() const { return dir_; }
  const std::string& config() const { return config_; }
  std::string video(const std::string& name) const { return (root_ / name).string(); }

 private:
  test::TempDir dir_;
  fs::path root_;
  std::string config_;
};

TEST(SfarInfer, ClassifiesExplainsAndExports) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  InferRun run(videos, "sfar");
  Json eval;
  const std::string checkpoint = run.train(&eval);
  ASSERT_TRUE(fs::exists(checkpoint));
  const auto& dir = run.dir();
  const std::string common = " --config " + run.config() + " --checkpoint " + checkpoint;

  // infer: softmax over the 3 classes, best first; --topk 5 is capped at 3.
  const Result infer = run_sfar("infer" + common + " --video " + run.video("pool_b.mp4") + " --label 'cleaning pool'" +
                                " --explain " + dir.file("why.png"), dir);
  ASSERT_EQ(infer.status, 0) << infer.err;
  const auto lines = json_lines(infer.out);
  ASSERT_EQ(lines.size(), 1u) << infer.out;
  const Json& top = lines[0]["top"];
  ASSERT_EQ(top.size(), 3u);
  const std::vector<std::string> names = {"arm wrestling", "cleaning pool", "applying eye makeup"};
  double sum = 0;
  for (std::size_t i = 0; i < top.size(); ++i) {
    sum += top[i]["score"].get<double>();
    EXPECT_EQ(top[i]["name"], names.at(top[i]["class"].get<std::size_t>()));
    if (i > 0) {
      EXPECT_LE(top[i]["score"].get<double>(), top[i - 1]["score"].get<double>());
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_EQ(lines[0]["video"], run.video("pool_b.mp4"));
  // The true class (--label) and the predicted one by name; the three key frames of the fine
  // branch, in time order, each with a sub-text of the predicted class.
  EXPECT_EQ(lines[0]["true"], "cleaning pool");
  EXPECT_EQ(lines[0]["predicted"], top[0]["name"]);
  EXPECT_EQ(lines[0]["correct"], top[0]["name"] == "cleaning pool");
  const std::map<std::string, std::set<std::string>> subtexts = {
      {"arm wrestling", {"Two arms lock.", "One arm pushes down."}},
      {"cleaning pool", {"Skim the water.", "Lift the net.", "Empty the net."}},
      {"applying eye makeup", {"Brush the lid.", "Draw a line.", "Blend.", "Look."}}};
  const Json& keys = lines[0]["key_frames"];
  ASSERT_EQ(keys.size(), 3u) << lines[0].dump();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(subtexts.at(top[0]["name"]).count(keys[i]["subtext"].get<std::string>()), 1u) << keys[i].dump();
    if (i > 0) EXPECT_GT(keys[i]["frame"].get<int>(), keys[i - 1]["frame"].get<int>());
  }

  const cv::Mat png = cv::imread(dir.file("why.png"), cv::IMREAD_COLOR);
  ASSERT_FALSE(png.empty()) << "why.png does not decode";
  EXPECT_EQ(png.cols, picture_size(true).width);
  EXPECT_EQ(png.rows, picture_size(true).height);
  // The label may also be a class id; one that is neither is refused, naming --label.
  const Result by_id = run_sfar("infer" + common + " --video " + run.video("pool_b.mp4") + " --label 1", dir);
  ASSERT_EQ(by_id.status, 0) << by_id.err;
  EXPECT_EQ(json_lines(by_id.out).at(0)["true"], "cleaning pool");
  const Result bad = run_sfar("infer" + common + " --video " + run.video("pool_b.mp4") + " --label 'pool'", dir);
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("--label"), std::string::npos) << bad.err;

  // --topk 1 prints only the best class, with the same score.
  const Result top1 = run_sfar("infer" + common + " --video " + run.video("pool_b.mp4") + " --topk 1", dir);
  ASSERT_EQ(top1.status, 0) << top1.err;
  const Json t1 = json_lines(top1.out).at(0)["top"];
  ASSERT_EQ(t1.size(), 1u);
  EXPECT_EQ(t1[0]["class"], top[0]["class"]);
  EXPECT_NEAR(t1[0]["score"].get<double>(), top[0]["score"].get<double>(), 1e-6);

  // export-features on the validation list: embedding [D] conditioned on the predicted class,
  // plus the mean frame embedding; the predictions reproduce the run's last evaluation.
  const Result exported = run_sfar("export-features" + common + " --list val.txt --out " + dir.file("f.jsonl"), dir);
  ASSERT_EQ(exported.status, 0) << exported.err;
  std::ifstream in(dir.file("f.jsonl"));
  std::vector<Json> feats;
  for (std::string line; std::getline(in, line);) feats.push_back(Json::parse(line));
  ASSERT_EQ(feats.size(), 3u);
  int hits = 0;
  for (const auto& f : feats) {
    EXPECT_EQ(f["embedding"].size(), static_cast<std::size_t>(kEmbedDim));
    EXPECT_EQ(f["frame_mean"].size(), static_cast<std::size_t>(kEmbedDim));
    hits += f["predicted"] == f["label"];
  }
  EXPECT_NEAR(100.0 * hits / 3.0, eval["top1"].get<double>(), 1e-9);
  EXPECT_EQ(feats[1]["video"], "pool_b.mp4");
  EXPECT_EQ(feats[1]["predicted"], top[0]["class"]);  // infer on the same video agrees

  // The .pt file, a plain dict as torch.save writes it, holds the same embeddings.
  const Result pt = run_sfar("export-features" + common + " --list val.txt --out " + dir.file("f.pt"), dir);
  ASSERT_EQ(pt.status, 0) << pt.err;
  const std::string bytes = sfar::read_file(dir.file("f.pt"));
  const auto dict = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end())).toGenericDict();
  const torch::Tensor embeddings = dict.at(c10::IValue(std::string("embeddings"))).toTensor();
  EXPECT_EQ(dict.at(c10::IValue(std::string("videos"))).toList().get(1).toStringRef(), "pool_b.mp4");
  ASSERT_EQ(embeddings.sizes(), (std::vector<std::int64_t>{3, kEmbedDim}));
  for (std::int64_t d = 0; d < kEmbedDim; ++d) {
    EXPECT_NEAR(embeddings[2][d].item<double>(), feats[2]["embedding"][d].get<double>(), 1e-5);
  }
}

TEST(SfarInfer, MeanHeadExportsTheVideoEmbeddingAndSaysSoInTheImage) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  InferRun run(videos, "mean");
  Json eval;
  const std::string checkpoint = run.train(&eval);
  const auto& dir = run.dir();
  const std::string common = " --config " + run.config() + " --checkpoint " + checkpoint;
  const Result infer = run_sfar("infer" + common + " --video " + run.video("makeup_a.avi") + " --explain " +
                                dir.file("why.png"), dir);
  ASSERT_EQ(infer.status, 0) << infer.err;
  const cv::Mat png = cv::imread(dir.file("why.png"));
  EXPECT_EQ(png.cols, picture_size(false).width);
  EXPECT_EQ(png.rows, picture_size(false).height);
  const Json line = json_lines(infer.out).at(0);
  EXPECT_FALSE(line.contains("key_frames")) << "a mean head has no key frames";
  EXPECT_FALSE(line.contains("true")) << "no --label, no true class";
  EXPECT_EQ(line["predicted"], line["top"][0]["name"]);
  const Result exported = run_sfar("export-features" + common + " --list val.txt --out " + dir.file("f.jsonl"), dir);
  ASSERT_EQ(exported.status, 0) << exported.err;
  std::ifstream in(dir.file("f.jsonl"));
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const Json f = Json::parse(line);
    EXPECT_EQ(f["embedding"].size(), static_cast<std::size_t>(kEmbedDim));
    EXPECT_FALSE(f.contains("frame_mean"));  // class-agnostic: the video embedding is all there is
  }
  EXPECT_EQ(n, 3);
}

TEST(SfarInfer, BadInputNamesTheFileOrOption) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  InferRun run(videos, "mean");
  const auto& dir = run.dir();
  const Result missing = run_sfar("infer --config " + run.config() + " --checkpoint " + dir.file("nope.pt") +
                                  " --video " + run.video("pool_a.mp4"), dir);
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.err.find("nope.pt"), std::string::npos) << missing.err;
  const Result out = run_sfar("export-features --config " + run.config() + " --checkpoint x.pt --list val.txt --out "
                              + dir.file("f.csv"), dir);
  EXPECT_NE(out.status, 0);
  EXPECT_NE(out.err.find("f.csv"), std::string::npos) << out.err;
}

}  // namespace
}  // namespace sfar::recipes
