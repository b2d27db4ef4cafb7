// What a run leaves behind, through the sfar binary on generated clips and the tiny reference CLIP:
// TensorBoard events equal to metrics.jsonl, gnuplot PNGs, the dry run's memory estimate and
// dataset scan, and a multi-label (Charades-style) run evaluated by mAP.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/engine/curve_plots.h"
#include "sfar/engine/tfevents_writer.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using test::last_json_line;
using Json = nlohmann::json;

std::vector<Json> read_metrics(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  return out;
}

// Six tiny videos of three classes (links to the generated clips) and a tiny run with the mean
// head (no descriptions needed), 4 frames, no flip, two epochs; `multi_label` lists give each
// video one or more classes.
struct SixVideoRun {
  test::TempDir dir;
  std::string config;

  SixVideoRun(const std::string& videos, const std::string& train_list, const std::string& val_list,
              bool multi_label = false) {
    const fs::path root = dir.path() / "videos";
    fs::create_directories(root);
    const std::string src = fs::path(videos).parent_path().string();
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"h264_28fps.mp4", "a.mp4"}, {"vp9_28fps.webm", "b.webm"}, {"h264_30fps.mp4", "c.mp4"},
             {"h264_30fps.mp4", "d.mp4"}, {"mpeg4_mp3.avi", "e.avi"}, {"mpeg4_mp3.avi", "f.avi"}}) {
      fs::create_symlink(src + "/" + from, root / to);
    }
    write_file_atomic((root / "train.txt").string(), train_list);
    write_file_atomic((root / "val.txt").string(), val_list);
    test::TinyRun tiny(root.string(), "train.txt", test::write_tiny_labels(dir.file("labels.csv")));
    tiny.work_dir(dir.file("run")).frames(4).without_flip().eval_list("val.txt").epochs(2).warmup_epochs(0.5);
    if (multi_label) tiny.set("data", "multi_label", "true");
    config = tiny.write(dir.file("tiny.yaml"));
  }
  test::CommandResult sfar(const std::string& args) const { return test::run_binary(SFAR_BINARY, args, dir); }
};

const char* kTrain = "a.mp4 0\nc.mp4 1\ne.avi 2\nb.webm 0\nd.mp4 1\nf.avi 2\n";

TEST(RunOutputs, TensorBoardEventsAndPlotsMatchMetrics) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  SixVideoRun tiny(videos, kTrain, "a.mp4 0\nd.mp4 1\nf.avi 2\n");
  const auto r = tiny.sfar("train --config " + tiny.config);
  ASSERT_EQ(r.status, 0) << r.err;
  const Json out = last_json_line(r.out);
  const std::string events_path = out["tensorboard"].get<std::string>();
  EXPECT_EQ(fs::path(events_path).parent_path(), fs::path(tiny.dir.file("run")));
  EXPECT_EQ(fs::path(events_path).filename().string().rfind("events.out.tfevents.", 0), 0u);

  const auto metrics = read_metrics(tiny.dir.file("run/metrics.jsonl"));
  const auto events = engine::read_event_file(events_path);  // every CRC checked
  ASSERT_EQ(events.size(), metrics.size() + 1);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  int train = 0, eval = 0;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const Json& m = metrics[i];
    const auto& e = events[i + 1];
    const std::string prefix = m["kind"] == "train" ? "train/" : "eval/";
    (m["kind"] == "train" ? train : eval)++;
    EXPECT_EQ(e.step, m["step"].get<std::int64_t>());
    std::map<std::string, float> scalars(e.scalars.begin(), e.scalars.end());
    for (const char* key : {"loss", "lr", "samples_per_s", "max_rss_mb", "top1", "top5", "mean_class_accuracy"}) {
      if (!m.contains(key)) continue;
      ASSERT_EQ(scalars.count(prefix + key), 1u) << prefix + key;
      EXPECT_EQ(scalars[prefix + key], static_cast<float>(m[key].get<double>())) << prefix + key;
    }
  }
  EXPECT_EQ(train, 4);
  EXPECT_EQ(eval, 2);

  if (engine::find_program("gnuplot").empty()) {
    EXPECT_TRUE(out["plots"].empty());
    EXPECT_NE(r.err.find("gnuplot-nox"), std::string::npos) << r.err;
    GTEST_SKIP() << "gnuplot is not installed: the PNG check is skipped";
  }
  ASSERT_EQ(out["plots"].size(), 3u) << r.err;
  for (const auto& png : out["plots"]) {
    std::ifstream in(png.get<std::string>(), std::ios::binary);
    std::string sig(8, '\0');
    in.read(sig.data(), 8);
    EXPECT_EQ(sig, "\x89PNG\r\n\x1a\n") << png;
    EXPECT_GT(fs::file_size(png.get<std::string>()), 5000u) << png;
  }
  std::stringstream eval_dat(read_file(tiny.dir.file("run/plots/eval.dat")));
  std::string header;
  std::getline(eval_dat, header);
  EXPECT_EQ(header, "# epoch top1 top5 mean_class_accuracy");
}

TEST(RunOutputs, DryRunEstimatesMemoryAndScansTheLists) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  // The validation list names a video that is not there.
  SixVideoRun tiny(videos, kTrain, "a.mp4 0\nmissing.mp4 1\nf.avi 2\n");
  const auto r = tiny.sfar("train --config " + tiny.config + " --dry-run --set train.micro_batch=3");
  ASSERT_EQ(r.status, 0) << r.err;
  const Json d = last_json_line(r.out);
  EXPECT_EQ(d["train_videos"], 6);  // the existing fields stay
  const Json& m = d["memory"];
  // The tiny reference CLIP: 7,244,929 parameters, its text tower frozen; the mean head adds none.
  const std::int64_t trainable = d["parameters"]["all"]["trainable"].get<std::int64_t>();
  EXPECT_EQ(m["parameters"]["bytes"], 4 * d["parameters"]["all"]["total"].get<std::int64_t>());
  EXPECT_EQ(m["gradients"]["bytes"], 4 * trainable);
  EXPECT_EQ(m["optimizer_states"]["bytes"], 8 * trainable);
  EXPECT_EQ(m["micro_batch"], 3);
  ASSERT_TRUE(m["activations_measured"].get<bool>());
  const std::int64_t per_clip = m["activations_per_clip"]["bytes"].get<std::int64_t>();
  // At least the 4 frames' patch tokens through every layer: 4 x 5 tokens x 64 wide x 4 bytes x layers.
  EXPECT_GT(per_clip, 4 * 5 * 64 * 4);
  EXPECT_EQ(m["activations"]["bytes"], 3 * per_clip);
  EXPECT_EQ(m["total"]["bytes"].get<std::int64_t>(),
            m["parameters"]["bytes"].get<std::int64_t>() + 12 * trainable + 3 * per_clip);
  EXPECT_NE(m["total"]["human"].get<std::string>().find("MiB"), std::string::npos) << m;

  EXPECT_EQ(d["dataset"]["train"]["videos"], 6);
  EXPECT_EQ(d["dataset"]["train"]["missing"], 0);
  EXPECT_EQ(d["dataset"]["eval"]["missing"], 1);
  EXPECT_EQ(d["dataset"]["eval"]["bad"][0], "missing.mp4 (missing, " + tiny.dir.file("videos/val.txt") + ":2)");
  EXPECT_NE(r.err.find("1 missing"), std::string::npos) << r.err;  // the warning

  // Under data.bad_file_policy raise the same list is an error naming it.
  const auto raise = tiny.sfar("train --config " + tiny.config + " --dry-run --set data.bad_file_policy=raise");
  EXPECT_NE(raise.status, 0);
  EXPECT_NE(raise.err.find("val.txt"), std::string::npos) << raise.err;
  EXPECT_NE(raise.err.find("missing.mp4"), std::string::npos) << raise.err;
}

TEST(RunOutputs, MultiLabelRunReportsMeanAveragePrecision) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  SixVideoRun tiny(videos, "a.mp4 0,1\nc.mp4 1\ne.avi 2,0\nb.webm 0\nd.mp4 1,2\nf.avi 2\n",
                   "a.mp4 0,1\nd.mp4 1\nf.avi 2,0\n", /*multi_label=*/true);
  for (const std::string loss : {"infonce", "bce"}) {
    const auto r = tiny.sfar("train --config " + tiny.config + " --set loss.type=" + loss + " --work-dir " +
                             tiny.dir.file("run_" + loss));
    ASSERT_EQ(r.status, 0) << r.err;
    const Json out = last_json_line(r.out);
    EXPECT_EQ(out["steps"], 4);
    EXPECT_TRUE(std::isfinite(out["last_loss"].get<double>()));
    std::vector<Json> evals;
    for (const auto& m : read_metrics(tiny.dir.file("run_" + loss + "/metrics.jsonl"))) {
      if (m["kind"] == "eval") evals.push_back(m);
    }
    ASSERT_EQ(evals.size(), 2u);
    const double map = evals.back()["mAP"].get<double>();
    // Three videos; classes with 2, 2 and 1 positives. The worst ranking (positives last) gives
    // APs (1/2 + 2/3) / 2, the same, and 1/3: mAP 50; the best gives 100.
    EXPECT_GE(map, 50.0 - 1e-9) << loss;
    EXPECT_LE(map, 100.0) << loss;
    EXPECT_FALSE(evals.back().contains("top1"));
    ASSERT_TRUE(fs::exists(tiny.dir.file("run_" + loss + "/checkpoints/best.pt"))) << "best by mAP";

    const auto e = tiny.sfar("eval --config " + tiny.config + " --set loss.type=" + loss + " --checkpoint " +
                             tiny.dir.file("run_" + loss + "/checkpoints/step_000000004.pt"));
    ASSERT_EQ(e.status, 0) << e.err;
    const Json j = last_json_line(e.out);
    EXPECT_NEAR(j["mAP"].get<double>(), map, 1e-9) << loss;
    EXPECT_EQ(j["videos"], 3);
  }
  const auto ce = tiny.sfar("train --config " + tiny.config + " --set loss.type=ce --dry-run");
  EXPECT_NE(ce.status, 0);
  EXPECT_NE(ce.err.find("loss.type"), std::string::npos) << ce.err;
}

}  // namespace
}  // namespace sfar::recipes
