// `sfar protocol` through the binary on six links to the generated clips (three classes) with the
// tiny reference CLIP, one epoch per run: few-shot from split files and drawn lists (repeated to
// the full list's length, tested on one or two lists), zero-shot evaluation of a checkpoint on
// targets with other class names, base-to-novel.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "protocol_fixture.h"
#include "sfar/core/atomic_file.h"
#include "sfar/data/data_config.h"
#include "sfar/recipes/few_shot_split.h"
#include "sfar/recipes/protocol_report.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using protocol_test::Json;
using protocol_test::write_descriptions;
using test::last_json_line;

class ProtocolRun : public protocol_test::ProtocolFixture {};

TEST_F(ProtocolRun, FewShotFromSplitFilesGivesOneColumnPerK) {
  // Split files are not the full training list: repeating them to its length needs the length.
  const std::string no_length = config("  few_shot: {shots: [1, 2], list_pattern: 'train1_few_shot_{K}.txt'}\n");
  const auto refused = sfar("protocol few-shot --config " + no_length + " --work-dir " + dir_.file("refused"));
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("protocol.few_shot.full_length"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir_.file("refused/K1"))) << "nothing trains before the check";

  const std::string c =
      config("  few_shot: {shots: [1, 2], list_pattern: 'train1_few_shot_{K}.txt', full_length: 6}\n");
  const auto r = sfar("protocol few-shot --config " + c + " --work-dir " + dir_.file("fs"));
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(read_file(dir_.file("fs/results.json")));
  EXPECT_EQ(last_json_line(r.out), j);
  EXPECT_EQ(j["protocol"], "few-shot");
  EXPECT_EQ(j["row"], "tiny_sfar");
  EXPECT_EQ(j["report"], "best");
  ASSERT_EQ(j["columns"].size(), 2u);
  EXPECT_EQ(j["columns"][0]["name"], "K=1");
  EXPECT_EQ(j["columns"][1]["name"], "K=2");
  ASSERT_EQ(j["runs"].size(), 2u);
  for (int k = 0; k < 2; ++k) {
    const Json& run = j["runs"][k];
    const std::string work_dir = run["work_dir"];
    EXPECT_EQ(run["files"]["train_list"], file("train1_few_shot_" + std::to_string(k + 1) + ".txt"));
    EXPECT_EQ(work_dir, dir_.file("fs/K" + std::to_string(k + 1) + "/seed0"));
    // The cell is the run's own logged evaluation (one epoch: best and last are the same).
    EXPECT_DOUBLE_EQ(j["columns"][k]["mean"].get<double>(), logged_last(work_dir));
    EXPECT_EQ(run["best"]["epoch"], 0);
    EXPECT_EQ(run["last"]["epoch"], 0);
    EXPECT_EQ(run["files"]["checkpoint"], work_dir + "/checkpoints/best.pt");
    EXPECT_DOUBLE_EQ(run["metrics"]["videos"].get<double>(), 3);
    // K=1's three videos are cycled to the full length 6, K=2's six are already as long: two
    // optimizer steps of 3 per epoch either way, each logged.
    EXPECT_EQ(run["steps_per_epoch"], 2);
    EXPECT_EQ(protocol_test::logged(work_dir, "train").size(), 2u);
    const auto resolved = read_file(work_dir + "/resolved.yaml");
    if (k == 0) {
      const std::string epoch_list = work_dir + "/train_epoch_1.txt";
      EXPECT_EQ(run["files"]["epoch_list"], epoch_list);
      EXPECT_EQ(read_file(epoch_list), "wrestle_b.webm 0\npool_a.mp4 1\nmakeup_b.avi 2\n"
                                       "wrestle_b.webm 0\npool_a.mp4 1\nmakeup_b.avi 2\n");
      EXPECT_NE(resolved.find("train_epoch_1.txt"), std::string::npos) << resolved;
    } else {
      EXPECT_FALSE(run["files"].contains("epoch_list"));
      EXPECT_NE(resolved.find("train1_few_shot_2.txt"), std::string::npos) << resolved;
    }
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
  // Two test lists (val1..3 style): the trained weights are tested on each and the cell is the
  // mean ± std of both.
  put("val2.txt", "wrestle_b.webm 0\npool_a.mp4 1\n");
  const std::string c = config("  few_shot: {shots: [1], eval_lists: [val.txt, val2.txt]}\n");
  const auto r = sfar("protocol few-shot --config " + c + " --work-dir " + dir_.file("fs") + " --seeds 3");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string list = dir_.file("fs/K1/seed3/train_few_shot_1.txt");
  ASSERT_TRUE(fs::exists(list));
  const Json j = last_json_line(r.out);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["files"]["train_list"], list);
  EXPECT_EQ(j["runs"][0]["seed"], 3);
  EXPECT_EQ(j["runs"][0]["files"]["eval_list"], file("val.txt"));
  EXPECT_DOUBLE_EQ(j["runs"][0]["metrics"]["videos"].get<double>(), 3);
  EXPECT_EQ(j["runs"][1]["files"]["eval_list"], file("val2.txt"));
  EXPECT_EQ(j["runs"][1]["work_dir"], dir_.file("fs/K1/seed3/eval_2_val2"));
  EXPECT_EQ(j["runs"][1]["files"]["checkpoint"], j["runs"][0]["files"]["checkpoint"]);
  EXPECT_DOUBLE_EQ(j["runs"][1]["metrics"]["videos"].get<double>(), 2);
  const std::vector<double> per_list = {j["runs"][0]["metrics"]["top1"].get<double>(),
                                        j["runs"][1]["metrics"]["top1"].get<double>()};
  ASSERT_EQ(j["columns"][0]["values"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["columns"][0]["values"][1].get<double>(), per_list[1]);
  EXPECT_DOUBLE_EQ(j["columns"][0]["mean"].get<double>(), mean_std(per_list).mean);
  EXPECT_DOUBLE_EQ(j["columns"][0]["std"].get<double>(), mean_std(per_list).std);
  EXPECT_DOUBLE_EQ(per_list[1], logged_last(dir_.file("fs/K1/seed3/eval_2_val2")));
  // Three drawn videos repeated to data.list's six: two steps of 3 per epoch; without the
  // repetition, one.
  EXPECT_EQ(j["runs"][0]["steps_per_epoch"], 2);
  EXPECT_EQ(read_file(dir_.file("fs/K1/seed3/train_epoch_1.txt")), read_file(list) + read_file(list));
  const auto once = sfar("protocol few-shot --config " + c + " --work-dir " + dir_.file("once") +
                         " --seeds 3 --set protocol.few_shot.repeat_to_full=false"
                         " --set protocol.few_shot.eval_lists=[]");
  ASSERT_EQ(once.status, 0) << once.err;
  const Json o = last_json_line(once.out);
  EXPECT_EQ(o["runs"].size(), 1u);
  EXPECT_EQ(o["runs"][0]["steps_per_epoch"], 1);
  EXPECT_FALSE(o["runs"][0]["files"].contains("epoch_list"));
  EXPECT_FALSE(fs::exists(dir_.file("once/K1/seed3/train_epoch_1.txt")));
  EXPECT_EQ(protocol_test::logged(dir_.file("once/K1/seed3"), "train").size(), 1u);
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
  EXPECT_DOUBLE_EQ(base, logged_last(dir_.file("b2n/seed1/base")));
  EXPECT_DOUBLE_EQ(j["runs"][1]["metrics"]["videos"].get<double>(), 3);
  EXPECT_NEAR(j["columns"][2]["mean"].get<double>(), base + novel == 0 ? 0 : 2 * base * novel / (base + novel), 1e-9);
  EXPECT_NE(read_file(dir_.file("b2n/seed1/base/resolved.yaml")).find("fs_base_s1_train.txt"), std::string::npos);
  std::stringstream confusion(read_file(dir_.file("b2n/seed1/novel/confusion_matrix.csv")));
  std::string header;
  std::getline(confusion, header);
  EXPECT_EQ(header, "true\\pred,applying eye makeup,wrestling again");
}

}  // namespace
}  // namespace sfar::recipes
