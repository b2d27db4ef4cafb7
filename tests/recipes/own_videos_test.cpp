// The README's walk from a researcher's own videos to `sfar infer`, through the binary, on
// generated clips: a folder per class (names with spaces) -> `sfar data index` -> sub-texts from a
// hand-written YAML (`sfar describe import`) -> TPP against the model config's global template
// (`sfar describe select --config`) -> `sfar train` with the index's data.yaml after a model config
// -> `sfar infer` naming the indexed classes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "sfar/core/atomic_file.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(OwnVideos, FolderPerClassToIndexSubtextsTrainingAndInference) {
  test::TempDir dir;
  const fs::path videos = dir.path() / "my videos", index = dir.path() / "index";
  const fs::path clips = fs::path(test::reference_path("videos/h264_28fps.mp4")).parent_path();
  const std::vector<std::pair<std::string, std::string>> files = {
      {"arm wrestling/a.mp4", "h264_28fps.mp4"}, {"arm wrestling/b.webm", "vp9_28fps.webm"},
      {"arm wrestling/c.mp4", "h264_30fps.mp4"}, {"cleaning pool/a.mp4", "h264_30fps.mp4"},
      {"cleaning pool/b.avi", "mpeg4_mp3.avi"},  {"cleaning pool/c.mp4", "h264_28fps.mp4"}};
  for (const auto& [to, from] : files) {
    fs::create_directories((videos / to).parent_path());
    fs::create_symlink(clips / from, videos / to);
  }

  auto sfar = [&](const std::string& args) {
    const auto r = test::run_binary(SFAR_BINARY, args, dir);
    EXPECT_EQ(r.status, 0) << "sfar " << args << "\n" << r.err;
    return r;
  };
  const Json listed = test::last_json_line(
      sfar("data index --videos " + quoted(videos) + " --out " + quoted(index) + " --val-fraction 0.34 --seed 1").out);
  EXPECT_EQ(listed["classes"], 2);
  EXPECT_EQ(listed["train"], 4);
  EXPECT_EQ(listed["val"], 2);

  write_file_atomic(dir.file("subtexts.yaml"),
                    "arm wrestling: [Two hands lock., One arm presses down., The other arm gives way.]\n"
                    "cleaning pool: [The net skims the water., The net lifts out., Leaves are emptied.]\n");
  sfar("describe import --format yaml --input " + dir.file("subtexts.yaml") + " --labels " +
       quoted(index / "classes.csv") + " --out " + quoted(index / "descriptions.json"));

  const std::string model = dir.file("model.yaml");
  write_file_atomic(model, "run: {name: mine, work_dir: " + dir.file("run") + ", threads: 2, device: cpu}\n"
                           "model: {arch: auto, activation: quick_gelu, weights: " + test::tiny_clip_path() + "}\n"
                           "text: {vocab: " + test::clip_vocab_path() + "}\n"
                           "head: {type: sfar}\n"
                           "data:\n  num_frames: 4\n  short_side: 72\n  workers: 2\n  batch_size: 2\n"
                           "  train_pipeline: [{type: random_resized_crop, size: 64}, {type: normalize}]\n"
                           "  test_pipeline: [{type: center_crop, size: 64}, {type: normalize}]\n"
                           "train: {epochs: 1, warmup_epochs: 0.5, lr: 1.0e-4, batch_size: 2, log_interval: 1}\n"
                           "descriptions: {cache: '" + (index / "descriptions.json").string() +
                           "', num_subtexts: 3, global_template: 'a clip of {name}.'}\n");
  const std::string configs = " --config " + model + " --config " + quoted(index / "data.yaml");
  // Training needs a selected set per class (descriptions.selection: selected).
  const auto unselected = test::run_binary(SFAR_BINARY, "train --dry-run" + configs, dir);
  EXPECT_NE(unselected.status, 0);
  EXPECT_NE(unselected.err.find("sfar describe select"), std::string::npos) << unselected.err;
  // TPP scores against the template the run reads, which the cache then records; it encodes
  // with the config's model.weights, model.activation and text.* (none repeated here).
  sfar("describe select --cache " + quoted(index / "descriptions.json") + " --device cpu" + configs);
  // A flag that contradicts the config is an error naming both.
  const auto contradicting = test::run_binary(
      SFAR_BINARY, "describe select --cache " + quoted(index / "descriptions.json") + " --activation gelu" + configs, dir);
  EXPECT_EQ(contradicting.status, 1);
  EXPECT_NE(contradicting.err.find("--activation: differs from model.activation of --config (\"quick_gelu\")"),
            std::string::npos)
      << contradicting.err;
  const Json cache = Json::parse(read_file((index / "descriptions.json").string()));
  EXPECT_EQ(cache["global_template"], "a clip of {name}.");
  EXPECT_EQ(cache["selection"]["global_template"], "a clip of {name}.");
  EXPECT_EQ(cache["classes"][1]["global_text"], "a clip of cleaning pool.");
  // Another template in the run: a warning naming both.
  const auto other = test::run_binary(
      SFAR_BINARY, "train --dry-run" + configs + " --set 'descriptions.global_template=a video of {name}.'", dir);
  EXPECT_EQ(other.status, 0) << other.err;
  EXPECT_NE(other.err.find("\"a clip of {name}.\""), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("\"a video of {name}.\""), std::string::npos) << other.err;
  const auto trained = sfar("train" + configs);
  EXPECT_EQ(trained.err.find("selected (TPP) against"), std::string::npos) << trained.err;
  std::string checkpoint;
  for (const auto& entry : fs::directory_iterator(dir.path() / "run" / "checkpoints")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step_", 0) == 0 && entry.path().string() > checkpoint) checkpoint = entry.path().string();
  }
  ASSERT_FALSE(checkpoint.empty());

  const Json inferred = test::last_json_line(
      sfar("infer" + configs + " --checkpoint " + checkpoint + " --video " + quoted(videos / "cleaning pool/b.avi")).out);
  ASSERT_TRUE(inferred.contains("top")) << inferred.dump();
  std::set<std::string> names;
  for (const auto& row : inferred["top"]) names.insert(row["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"arm wrestling", "cleaning pool"})) << inferred.dump();
}

// docs/own_videos.md's three commands, run as written from a folder that holds what the quick
// start leaves (runs/quickstart/pretrain: a small CLIP and its SentencePiece tokenizer, here
// pre-trained for one epoch) and configs/own_videos/mean.yaml: index class folders named with
// underscores, train on the CPU, infer with the run's best.pt. No OpenAI weights anywhere.
TEST(OwnVideos, ThreeCommandsFromTheQuickStartsPretrainedClip) {
  test::TempDir dir;
  const auto sfar = [&](const std::string& args) {
    const auto r = test::run_binary("cd " + quoted(dir.path()) + " && " + SFAR_BINARY, args, dir);
    EXPECT_EQ(r.status, 0) << "sfar " << args << "\n" << r.err;
    return r;
  };
  // What the quick start leaves: its benchmark and pre-trained CLIP (one epoch here).
  sfar("synth --preset storyboard-tiny --out runs/quickstart/data --seed 0");
  sfar("pretrain -c " + quoted(fs::path(test::source_dir()) / "configs/quickstart/pretrain.yaml") +
       " --set pretrain.root=runs/quickstart/data --set pretrain.epochs=1 --set pretrain.warmup_epochs=0");
  ASSERT_TRUE(fs::is_regular_file(dir.path() / "runs/quickstart/pretrain/clip.pt"));
  fs::create_directories(dir.path() / "configs/own_videos");
  fs::copy_file(test::source_dir() + "/configs/own_videos/mean.yaml", dir.path() / "configs/own_videos/mean.yaml");
  // Own videos: two class folders named as file systems like them, five clips each.
  const fs::path data = dir.path() / "runs/quickstart/data";
  std::map<int, int> taken;
  std::ifstream train((data / "train.txt").string());
  for (std::string path; train >> path;) {
    int label = 0;
    train >> label;
    if (label > 1 || taken[label] == 5) continue;
    const fs::path to = dir.path() / "my_videos" / (label == 0 ? "mandelbrot_zoom" : "slow__pan") /
                        ("clip" + std::to_string(taken[label]++) + ".mp4");
    fs::create_directories(to.parent_path());
    fs::create_symlink(data / path, to);
  }
  ASSERT_EQ(taken[1], 5);

  // The three commands, exactly as docs/own_videos.md shows them.
  const Json index = test::last_json_line(sfar("data index --videos my_videos --out runs/own_videos/index").out);
  EXPECT_EQ(index["classes"], 2);
  EXPECT_EQ(read_file((dir.path() / "runs/own_videos/index/classes.csv").string()), "0,mandelbrot zoom\n1,slow pan\n");
  const Json trained = test::last_json_line(
      sfar("train -c configs/own_videos/mean.yaml -c runs/own_videos/index/data.yaml").out);
  ASSERT_TRUE(trained.contains("best_eval")) << trained.dump();
  EXPECT_EQ(trained["best_metric"], "top1");
  EXPECT_GE(trained["best_eval"]["top1"].get<double>(), trained["last_eval"]["top1"].get<double>());
  EXPECT_EQ(trained["last_eval"]["epoch"], 9);  // configs/own_videos/mean.yaml: 10 epochs
  const auto inferred = sfar(
      "infer -c configs/own_videos/mean.yaml -c runs/own_videos/index/data.yaml --video my_videos/slow__pan/clip0.mp4");
  EXPECT_NE(inferred.err.find("best.pt"), std::string::npos) << inferred.err;
  const Json answer = test::last_json_line(inferred.out);
  std::set<std::string> names;
  for (const auto& row : answer["top"]) names.insert(row["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"mandelbrot zoom", "slow pan"})) << answer.dump();

  // --keep-names keeps the folders' names; the SFAR head's config without its sub-text cache is
  // an error naming the key and the folders searched.
  sfar("data index --videos my_videos --out runs/own_videos/kept --keep-names");
  EXPECT_EQ(read_file((dir.path() / "runs/own_videos/kept/classes.csv").string()),
            "0,mandelbrot_zoom\n1,slow__pan\n");
  const auto missing = test::run_binary("cd " + quoted(dir.path()) + " && " + SFAR_BINARY,
                                        "train --dry-run -c " + quoted(fs::path(test::source_dir()) / "configs/quickstart/sfar.yaml") +
                                            " -c runs/own_videos/index/data.yaml",
                                        dir);
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("descriptions.cache: no such file (looked in " + dir.path().string()), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("data.root (" + fs::absolute(dir.path() / "my_videos").lexically_normal().string()),
            std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("\"descriptions_selected.json\""), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace sfar::recipes
