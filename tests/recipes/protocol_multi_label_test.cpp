// `sfar protocol supervised` on a multi-label set through the binary: the generated clips with
// two labels on some videos ("<path> <l1>,<l2>" lines, as the Charades config reads them), three
// epochs, and an mAP cell from the epoch protocol.report names (best, then last).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "protocol_fixture.h"
#include "sfar/core/atomic_file.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using protocol_test::Json;
using test::last_json_line;

class ProtocolMultiLabel : public protocol_test::ProtocolFixture {
 protected:
  // The mAP of every evaluation logged in `run_dir`/metrics.jsonl, in epoch order.
  static std::vector<double> logged_map(const std::string& run_dir) {
    std::vector<double> out;
    for (const auto& e : protocol_test::logged(run_dir, "eval")) {
      EXPECT_EQ(e["epoch"].get<std::int64_t>(), static_cast<std::int64_t>(out.size()));
      EXPECT_FALSE(e.contains("top1")) << "multi-label evaluations report mAP, not top-1";
      out.push_back(e["mAP"].get<double>());
    }
    return out;
  }

  std::string multi_label_config() {
    put("ml_train.txt", "wrestle_a.mp4 0,2\npool_a.mp4 1\nmakeup_a.avi 2\nwrestle_b.webm 0\npool_b.mp4 1,0\n"
                        "makeup_b.avi 2,1\n");
    put("ml_val.txt", "wrestle_a.mp4 0\npool_b.mp4 1,2\nmakeup_b.avi 2\n");
    return config("  seeds: [0]\n", "loss: {type: infonce}\n");
  }

  std::string args(const std::string& config, const std::string& work_dir) const {
    return "protocol supervised --config " + config + " --work-dir " + work_dir +
           " --set data.multi_label=true --set data.list=ml_train.txt --set eval.list=ml_val.txt"
           " --set train.epochs=3";
  }
};

TEST_F(ProtocolMultiLabel, SupervisedGivesAnMapCellFromTheBestOrTheLastEpoch) {
  const std::string c = multi_label_config();
  const auto r = sfar(args(c, dir_.file("best")));
  ASSERT_EQ(r.status, 0) << r.err;
  const Json j = Json::parse(read_file(dir_.file("best/results.json")));
  EXPECT_EQ(last_json_line(r.out), j);
  EXPECT_EQ(j["metric"], "mAP");
  EXPECT_EQ(j["report"], "best");
  ASSERT_EQ(j["columns"].size(), 1u);
  EXPECT_EQ(j["columns"][0]["name"], "mAP");
  ASSERT_EQ(j["runs"].size(), 1u);
  const Json& run = j["runs"][0];
  const std::string work_dir = dir_.file("best/seed0");
  EXPECT_EQ(run["work_dir"], work_dir);
  // The cell is the first epoch with the highest logged mAP; last is the final epoch's.
  const auto maps = logged_map(work_dir);
  ASSERT_EQ(maps.size(), 3u);
  std::size_t best = 0;
  for (std::size_t i = 1; i < maps.size(); ++i) best = maps[i] > maps[best] ? i : best;
  const double cell = j["columns"][0]["mean"].get<double>();
  EXPECT_DOUBLE_EQ(cell, maps[best]);
  EXPECT_GT(cell, 0.0);
  EXPECT_LE(cell, 100.0);
  EXPECT_EQ(run["best"]["epoch"].get<std::size_t>(), best);
  EXPECT_DOUBLE_EQ(run["best"]["metrics"]["mAP"].get<double>(), maps[best]);
  EXPECT_EQ(run["last"]["epoch"], 2);
  EXPECT_DOUBLE_EQ(run["last"]["metrics"]["mAP"].get<double>(), maps[2]);
  EXPECT_DOUBLE_EQ(run["metrics"]["videos"].get<double>(), 3);
  EXPECT_EQ(run["steps_per_epoch"], 2);
  EXPECT_EQ(run["files"]["checkpoint"], work_dir + "/checkpoints/best.pt");
  EXPECT_TRUE(fs::exists(work_dir + "/checkpoints/best.pt")) << "the trainer keeps best.pt by mAP";
  EXPECT_NE(read_file(dir_.file("best/results.md")).find("| method | mAP |"), std::string::npos);

  const auto last = sfar(args(c, dir_.file("last")) + " --set protocol.report=last");
  ASSERT_EQ(last.status, 0) << last.err;
  const Json l = last_json_line(last.out);
  EXPECT_EQ(l["report"], "last");
  const auto last_maps = logged_map(dir_.file("last/seed0"));
  ASSERT_EQ(last_maps.size(), 3u);
  EXPECT_DOUBLE_EQ(l["columns"][0]["mean"].get<double>(), last_maps.back());
  EXPECT_EQ(l["runs"][0]["files"]["checkpoint"].get<std::string>().find("best.pt"), std::string::npos);

  const auto bad = sfar(args(c, dir_.file("bad")) + " --set protocol.report=median");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("protocol.report"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("median"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace sfar::recipes
