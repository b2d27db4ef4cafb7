// The README's walk from a researcher's own videos to `sfar infer`, through the binary, on
// generated clips: a folder per class (names with spaces) -> `sfar data index` -> sub-texts from a
// hand-written YAML (`sfar describe import`) -> TPP against the model config's global template
// (`sfar describe select --config`) -> `sfar train` with the index's data.yaml after a model config
// -> `sfar infer` naming the indexed classes.
#include <gtest/gtest.h>

#include <filesystem>
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
  // TPP scores against the template the run reads, which the cache then records.
  sfar("describe select --cache " + quoted(index / "descriptions.json") + " --weights " + test::tiny_clip_path() +
       " --activation quick_gelu --vocab " + test::clip_vocab_path() + " --device cpu" + configs);
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

}  // namespace
}  // namespace sfar::recipes
