// `sfar protocol` through the binary on six links to the generated clips (three classes) with the
// tiny reference CLIP, one epoch per run: few-shot from split files and drawn lists, zero-shot
// evaluation of a checkpoint on targets with other class names, base-to-novel.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/data/data_config.h"
#include "sfar/describe/description_cache.h"
#include "sfar/io/class_names.h"
#include "sfar/train/few_shot_split.h"
#include "sfar/train/protocol_report.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace sfar::train {
namespace {

namespace fs = std::filesystem;
using test::last_json_line;
using Json = nlohmann::json;

// A description cache with four sub-texts for each class of `labels_path`.
void write_descriptions(const std::string& labels_path, const std::string& out) {
  const auto labels = read_class_names(labels_path);
  DescriptionCache cache = new_description_cache(labels, "tiny");
  DescriptionProvenance p;
  p.generator = "test";
  for (std::size_t c = 0; c < labels.size(); ++c) {
    const std::string n = labels.name(static_cast<std::int64_t>(c));
    cache.classes[c].candidates.push_back({{"Begin " + n + ".", "Go on " + n + ".", "Near the end of " + n + ".",
                                            "Finish " + n + "."}, p, {}});
  }
  save_description_cache(out, cache);
}

class ProtocolRun : public ::testing::Test {
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

  // The tiny SFAR config; `protocol` is the YAML of the protocol: mapping.
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
                                "descriptions: {cache: descriptions.json, num_subtexts: 4}\n" + extra +
                                "protocol:\n" + protocol);
    return path;
  }

  test::CommandResult sfar(const std::string& args) { return test::run_binary(SFAR_BINARY, args, dir_); }

  // The top-1 of the last evaluation logged in `run_dir`/metrics.jsonl.
  static double logged_top1(const fs::path& run_dir) {
    std::stringstream lines(read_file((run_dir / "metrics.jsonl").string()));
    double top1 = -1;
    for (std::string line; std::getline(lines, line);) {
      const Json j = Json::parse(line);
      if (j["kind"] == "eval") top1 = j["top1"].get<double>();
    }
    return top1;
  }

  test::TempDir dir_;
  fs::path root_;
  std::string weights_, vocab_, videos_;
};

TEST_F(ProtocolRun, FewShotFromSplitFilesGivesOneColumnPerK) {
  const std::string c = config("  few_shot: {shots: [1, 2], list_pattern: 'train1_few_shot_{K}.txt'}\n");
  const auto r = sfar("protocol few-shot --config " + c + " --work-dir " + dir_.file("fs"));
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(read_file(dir_.file("fs/results.json")));
  EXPECT_EQ(last_json_line(r.out), j);
  EXPECT_EQ(j["protocol"], "few-shot");
  EXPECT_EQ(j["row"], "tiny_sfar");
  ASSERT_EQ(j["columns"].size(), 2u);
  EXPECT_EQ(j["columns"][0]["name"], "K=1");
  EXPECT_EQ(j["columns"][1]["name"], "K=2");
  ASSERT_EQ(j["runs"].size(), 2u);
  for (int k = 0; k < 2; ++k) {
    const Json& run = j["runs"][k];
    EXPECT_EQ(run["files"]["train_list"], file("train1_few_shot_" + std::to_string(k + 1) + ".txt"));
    EXPECT_EQ(run["work_dir"], dir_.file("fs/K" + std::to_string(k + 1) + "/seed0"));
    // The cell is the run's own logged evaluation; the run trained on its K's list.
    EXPECT_DOUBLE_EQ(j["columns"][k]["mean"].get<double>(), logged_top1(run["work_dir"].get<std::string>()));
    EXPECT_DOUBLE_EQ(run["metrics"]["videos"].get<double>(), 3);
    const auto resolved = read_file(run["work_dir"].get<std::string>() + "/resolved.yaml");
    EXPECT_NE(resolved.find("train1_few_shot_" + std::to_string(k + 1) + ".txt"), std::string::npos);
  }
  const std::string md = read_file(dir_.file("fs/results.md"));
  EXPECT_NE(md.find("| method | K=1 | K=2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| tiny_sfar | " + j["columns"][0]["cell"].get<std::string>() + " | " +
                    j["columns"][1]["cell"].get<std::string>() + " |"), std::string::npos) << md;
  EXPECT_NE(r.out.find("| method | K=1 | K=2 |"), std::string::npos) << r.out;

  // Zero-shot, evaluation only: the K=2 checkpoint on two targets whose classes are not the
  // source's (other names, two classes), grouped into one mean ± std column.
  const std::string checkpoint = j["runs"][1]["files"]["checkpoint"];
  ASSERT_TRUE(fs::exists(checkpoint)) << checkpoint;
  put("target_labels.csv", "id,name\n0,putting on make-up\n1,wrestling with arms\n");
  write_descriptions(file("target_labels.csv"), file("target_descriptions.json"));
  put("target1.txt", "makeup_a.avi 0\nwrestle_a.mp4 1\n");
  put("target2.txt", "makeup_b.avi 0\nwrestle_b.webm 1\npool_a.mp4 1\n");
  auto target = [](const std::string& name, const std::string& list) {
    return "{name: " + name + ", group: T, list: " + list +
           ", labels: target_labels.csv, descriptions: target_descriptions.json}";
  };
  const std::string zc = config("  zero_shot:\n    targets: [" + target("t1", "target1.txt") + ", " +
                                target("t2", "target2.txt") + "]\n");
  const auto z = sfar("protocol zero-shot --config " + zc + " --work-dir " + dir_.file("zs") + " --checkpoint " +
                      checkpoint);
  ASSERT_EQ(z.status, 0) << z.err;
  const Json zj = Json::parse(read_file(dir_.file("zs/results.json")));
  ASSERT_EQ(zj["columns"].size(), 1u);
  EXPECT_EQ(zj["columns"][0]["name"], "T");
  ASSERT_EQ(zj["runs"].size(), 2u);
  std::vector<double> top1;
  for (int i = 0; i < 2; ++i) {
    const fs::path run = zj["runs"][i]["work_dir"].get<std::string>();
    EXPECT_EQ(run, fs::path(dir_.file(i == 0 ? "zs/t1" : "zs/t2")));
    EXPECT_FALSE(fs::exists(run / "checkpoints")) << "evaluation-only runs train nothing";
    // Scored against the target's two class names, not the source's three.
    std::stringstream confusion(read_file((run / "confusion_matrix.csv").string()));
    std::string header;
    std::getline(confusion, header);
    EXPECT_EQ(header, "true\\pred,putting on make-up,wrestling with arms");
    EXPECT_DOUBLE_EQ(zj["runs"][i]["metrics"]["top5"].get<double>(), 100.0);  // 2 classes
    EXPECT_DOUBLE_EQ(zj["runs"][i]["metrics"]["videos"].get<double>(), i == 0 ? 2 : 3);
    top1.push_back(zj["runs"][i]["metrics"]["top1"].get<double>());
  }
  const MeanStd m = mean_std(top1);
  EXPECT_DOUBLE_EQ(zj["columns"][0]["mean"].get<double>(), m.mean);
  EXPECT_DOUBLE_EQ(zj["columns"][0]["std"].get<double>(), m.std);
  // The same checkpoint on the source's classes (val.txt) gives the K=2 run's own evaluation.
  const std::string same = config("  zero_shot:\n    targets: [{name: src, list: val.txt, labels: labels.csv, "
                                  "descriptions: descriptions.json}]\n");
  const auto s = sfar("protocol zero-shot --config " + same + " --work-dir " + dir_.file("zs_src") +
                      " --checkpoint " + checkpoint);
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_NEAR(last_json_line(s.out)["columns"][0]["mean"].get<double>(), j["columns"][1]["mean"].get<double>(), 1e-9);

  // One checkpoint per seed (as the quick start reuses its supervised runs): seed<s>/<target>,
  // each seed's value its own checkpoint's; a count that matches neither 1 nor the seeds is refused.
  const std::string k1 = j["runs"][0]["files"]["checkpoint"];
  const auto per_seed = sfar("protocol zero-shot --config " + same + " --work-dir " + dir_.file("zs_seeds") +
                             " --seeds 4,9 --checkpoint " + k1 + " --checkpoint " + checkpoint);
  ASSERT_EQ(per_seed.status, 0) << per_seed.err;
  const Json pj = last_json_line(per_seed.out);
  ASSERT_EQ(pj["runs"].size(), 2u);
  EXPECT_EQ(pj["runs"][0]["work_dir"], dir_.file("zs_seeds/seed4/src"));
  EXPECT_EQ(pj["runs"][1]["work_dir"], dir_.file("zs_seeds/seed9/src"));
  EXPECT_EQ(pj["runs"][0]["files"]["checkpoint"], k1);
  EXPECT_NEAR(pj["columns"][0]["values"][0].get<double>(), j["columns"][0]["mean"].get<double>(), 1e-9);
  EXPECT_NEAR(pj["columns"][0]["values"][1].get<double>(), j["columns"][1]["mean"].get<double>(), 1e-9);
  const auto wrong = sfar("protocol zero-shot --config " + same + " --work-dir " + dir_.file("zs_wrong") +
                          " --seeds 4,9,11 --checkpoint " + k1 + " --checkpoint " + checkpoint);
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.err.find("--checkpoint"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("one per seed (3)"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(dir_.file("zs_wrong/seed4"))) << "nothing is evaluated before the check";
}

TEST_F(ProtocolRun, FewShotWithoutSplitFilesDrawsAndWritesTheList) {
  const std::string c = config("  few_shot: {shots: [1]}\n");
  const auto r = sfar("protocol few-shot --config " + c + " --work-dir " + dir_.file("fs") + " --seeds 3");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string list = dir_.file("fs/K1/seed3/train_few_shot_1.txt");
  ASSERT_TRUE(fs::exists(list));
  const Json j = last_json_line(r.out);
  EXPECT_EQ(j["runs"][0]["files"]["train_list"], list);
  EXPECT_EQ(j["runs"][0]["seed"], 3);
  // One video per class, exactly the seeded draw from data.list.
  data::DataConfig d;
  d.list = file("train.txt");
  d.labels = file("labels.csv");
  const auto names = data::load_class_names(d);
  const auto expected = draw_few_shot(data::load_records(d, names), names, 1, 3, d.list);
  std::string text;
  for (const auto& rec : expected) text += rec.path + " " + std::to_string(rec.labels[0]) + "\n";
  EXPECT_EQ(read_file(list), text);
  const auto bad = sfar("protocol few-shot --config " + c + " --work-dir " + dir_.file("bad") +
                        " --set protocol.few_shot.shots=[3]");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("has only 2 videos"), std::string::npos) << bad.err;
}

TEST_F(ProtocolRun, BaseToNovelReportsBaseNovelAndHarmonicMean) {
  put("base_labels.csv", "id,name\n0,arm wrestling\n1,cleaning pool\n");
  put("novel_labels.csv", "id,name\n0,applying eye makeup\n1,wrestling again\n");
  write_descriptions(file("base_labels.csv"), file("base_descriptions.json"));
  write_descriptions(file("novel_labels.csv"), file("novel_descriptions.json"));
  put("fs_base_s1_train.txt", "wrestle_a.mp4 0\npool_a.mp4 1\nwrestle_b.webm 0\npool_b.mp4 1\n");
  put("base_val.txt", "wrestle_a.mp4 0\npool_b.mp4 1\n");
  put("novel_val.txt", "makeup_a.avi 0\nmakeup_b.avi 0\nwrestle_b.webm 1\n");
  const std::string c = config("  base_to_novel: {train_list_pattern: 'fs_base_s{seed}_train.txt', "
                               "base_labels: base_labels.csv, base_list: base_val.txt, base_descriptions: "
                               "base_descriptions.json, novel_labels: novel_labels.csv, novel_list: novel_val.txt, "
                               "novel_descriptions: novel_descriptions.json}\n",
                               "");
  const auto r = sfar("protocol base-to-novel --config " + c + " --set train.batch_size=2 --set data.batch_size=2"
                      " --work-dir " + dir_.file("b2n") + " --seeds 1");
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(read_file(dir_.file("b2n/results.json")));
  ASSERT_EQ(j["columns"].size(), 3u);
  EXPECT_EQ(j["columns"][0]["name"], "base");
  EXPECT_EQ(j["columns"][1]["name"], "novel");
  EXPECT_EQ(j["columns"][2]["name"], "HM");
  const double base = j["columns"][0]["mean"], novel = j["columns"][1]["mean"];
  EXPECT_DOUBLE_EQ(base, logged_top1(dir_.file("b2n/seed1/base")));
  EXPECT_DOUBLE_EQ(j["runs"][1]["metrics"]["videos"].get<double>(), 3);
  EXPECT_NEAR(j["columns"][2]["mean"].get<double>(), base + novel == 0 ? 0 : 2 * base * novel / (base + novel), 1e-9);
  EXPECT_NE(read_file(dir_.file("b2n/seed1/base/resolved.yaml")).find("fs_base_s1_train.txt"), std::string::npos);
  std::stringstream confusion(read_file(dir_.file("b2n/seed1/novel/confusion_matrix.csv")));
  std::string header;
  std::getline(confusion, header);
  EXPECT_EQ(header, "true\\pred,applying eye makeup,wrestling again");
}

}  // namespace
}  // namespace sfar::train
