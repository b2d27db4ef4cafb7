// The generated benchmark read back with the project's own readers (class names, video lists,
// description cache, video reader), its determinism, the flash length measured in decoded
// frames, and the directory rules of generate_benchmark.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/data/video_list.h"
#include "sfar/describe/description_cache.h"
#include "sfar/io/class_names.h"
#include "sfar/io/video_reader.h"
#include "sfar/synth/benchmark_writer.h"
#include "sfar/synth/synth_preset.h"
#include "support/test_data.h"

namespace {

namespace fs = std::filesystem;
using namespace sfar::synth;

class SynthBenchmark : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<sfar::test::TempDir>();
    SynthOptions options;
    options.preset = "storyboard-tiny";
    options.out = root();
    options.seed = 5;
    summary_ = generate_benchmark(options);
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string root() { return dir_->file("tiny"); }
  static std::string at(const std::string& relative) { return root() + "/" + relative; }

  static std::unique_ptr<sfar::test::TempDir> dir_;
  static SynthSummary summary_;
};
std::unique_ptr<sfar::test::TempDir> SynthBenchmark::dir_;
SynthSummary SynthBenchmark::summary_;

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::stringstream ss(sfar::read_file(path));
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

std::vector<sfar::io::RgbFrame> decode_all(const std::string& path) {
  std::vector<sfar::io::RgbFrame> frames;
  sfar::io::VideoReader(path).read_all([&](std::int64_t, sfar::io::RgbFrame&& f) { frames.push_back(std::move(f)); });
  return frames;
}

// Mean absolute difference of each frame from the per-pixel median frame of the clip.
std::vector<double> change_from_median(const std::vector<sfar::io::RgbFrame>& frames) {
  std::vector<double> change(frames.size(), 0.0);
  std::vector<int> values(frames.size());
  const std::size_t n = frames[0].data.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t f = 0; f < frames.size(); ++f) values[f] = frames[f].data[i];
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    const int median = values[values.size() / 2];
    for (std::size_t f = 0; f < frames.size(); ++f) change[f] += std::abs(frames[f].data[i] - median) / double(n);
  }
  return change;
}

TEST_F(SynthBenchmark, EveryContractFileParsesWithTheProjectsReaders) {
  const SynthPreset preset = synth_preset("storyboard-tiny");
  const auto seen = sfar::io::read_class_names(at("classes.csv"));
  ASSERT_EQ(seen.size(), preset.seen.size());
  for (std::size_t c = 0; c < seen.size(); ++c) EXPECT_EQ(seen.name(c), sequence_name(preset.seen[c]));
  const auto zeroshot = sfar::io::read_class_names(at("zeroshot/classes.csv"));
  ASSERT_EQ(zeroshot.size(), preset.zeroshot.size());
  EXPECT_EQ(zeroshot.name(0), "moving up, then flashing, then moving left");

  using sfar::data::VideoListFormat;
  sfar::data::VideoListOptions seen_options{seen.names()};
  const auto train = sfar::data::read_video_list(at("train.txt"), VideoListFormat::kPathLabel, seen_options);
  const auto val = sfar::data::read_video_list(at("val.txt"), VideoListFormat::kPathLabel, seen_options);
  EXPECT_EQ(train.size(), preset.seen.size() * preset.train_per_class);
  EXPECT_EQ(val.size(), preset.seen.size() * preset.val_per_class);
  std::set<std::string> train_paths;
  for (const auto& r : train) train_paths.insert(r.path);
  for (const auto& r : val) EXPECT_FALSE(train_paths.count(r.path)) << r.path;
  std::set<std::string> smaller;
  for (const int k : preset.shots) {
    const auto shots = sfar::data::read_video_list(at("fewshot/train_" + std::to_string(k) + ".txt"),
                                                   VideoListFormat::kPathLabel, seen_options);
    EXPECT_EQ(shots.size(), preset.seen.size() * k);
    std::set<std::string> paths;
    for (const auto& r : shots) paths.insert(r.path);
    for (const auto& p : paths) EXPECT_TRUE(train_paths.count(p)) << p;
    for (const auto& p : smaller) EXPECT_TRUE(paths.count(p)) << "K=" << k << " lacks " << p;
    smaller = paths;
  }
  const auto test = sfar::data::read_video_list(at("zeroshot/test.txt"), VideoListFormat::kPathLabel, {zeroshot.names()});
  EXPECT_EQ(test.size(), preset.zeroshot.size() * preset.test_per_class);
  sfar::data::check_class_names_match_videos(train, seen.names(), at("classes.csv"));

  // Every listed video: 16 decoded frames of 64x64 at 8 fps, H.264.
  for (const auto* list : {&train, &val, &test}) {
    for (const auto& r : *list) {
      sfar::io::VideoReader reader(at(r.path));
      EXPECT_EQ(reader.info().codec, summary_.encoder == "libx264" ? "h264" : "mpeg4");
      EXPECT_EQ(reader.info().width, 64);
      EXPECT_EQ(reader.info().height, 64);
      EXPECT_NEAR(reader.info().fps, 8.0, 1e-6);
    }
  }
  const auto frames = decode_all(at(train[0].path));
  ASSERT_EQ(frames.size(), 16u);
  EXPECT_EQ(frames[0].width, 64);
  EXPECT_EQ(frames[0].height, 64);
}

TEST_F(SynthBenchmark, DescriptionCacheCoversSeenAndZeroShotClasses) {
  const auto cache = sfar::describe::load_description_cache(at("descriptions.json"), {nullptr, 2, false, true});
  const SynthPreset preset = synth_preset("storyboard-tiny");
  ASSERT_EQ(cache.classes.size(), preset.seen.size() + preset.zeroshot.size());
  for (const auto* names : {&preset.seen, &preset.zeroshot}) {
    for (const auto& seq : *names) {
      const auto* entry = cache.find(sequence_name(seq));
      ASSERT_NE(entry, nullptr) << sequence_name(seq);
      ASSERT_EQ(entry->candidates.size(), 4u);
      EXPECT_EQ(entry->candidates[0].sentences.size(), seq.size());  // one shot per atomic action
      EXPECT_EQ(entry->candidates[0].provenance.prompt_id, "storyboard");
      EXPECT_EQ(entry->candidates[2].provenance.prompt_id, "off_topic");
      EXPECT_EQ(entry->candidates[3].provenance.prompt_id, "repetitive");
      EXPECT_EQ(entry->global_text, "a video of a shape " + sequence_name(seq) + ".");
      EXPECT_FALSE(entry->selected.has_value());
    }
  }
}

TEST_F(SynthBenchmark, PretrainListAndManifest) {
  const auto list = lines_of(at("pretrain/list.txt"));
  const auto captions = lines_of(at("pretrain/captions.txt"));
  const auto pairs = pretrain_pairs(synth_preset("storyboard-tiny"));
  ASSERT_EQ(list.size(), (atomic_actions().size() * 2 + pairs.size()) * 3);  // three captions per clip
  ASSERT_EQ(captions.size(), list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto tab1 = list[i].find('\t'), tab2 = list[i].rfind('\t');
    ASSERT_NE(tab1, tab2) << list[i];
    const std::string path = list[i].substr(0, tab1), tag = list[i].substr(tab2 + 1);
    EXPECT_EQ(list[i].substr(tab1 + 1, tab2 - tab1 - 1), captions[i]);
    std::stringstream ids(tag);
    for (std::string id; std::getline(ids, id, '+');) EXPECT_NO_THROW(atomic_action_from_id(id, "list")) << tag;
    EXPECT_EQ(path.rfind("videos/pretrain/" + tag + "_", 0), 0u) << path;
    EXPECT_TRUE(fs::exists(at(path))) << path;
  }
  const auto manifest = nlohmann::json::parse(sfar::read_file(at("synth.json")));
  EXPECT_EQ(manifest["preset"], "storyboard-tiny");
  EXPECT_EQ(manifest["seed"], 5);
  EXPECT_EQ(manifest["frames"], 16);
  EXPECT_EQ(manifest["counts"]["videos"].get<std::size_t>(), summary_.videos);
  EXPECT_EQ(manifest["classes"].size(), 6u);
  EXPECT_EQ(manifest["atomic_actions"].size(), 12u);
  EXPECT_EQ(manifest["clips"].size(), summary_.videos);
  EXPECT_EQ(summary_.videos, 4u * 16 + 4 * 8 + 2 * 3 + 12 * 2 + pairs.size());
}

TEST_F(SynthBenchmark, AFlashLastsOneOrTwoDecodedFrames) {
  const auto manifest = nlohmann::json::parse(sfar::read_file(at("synth.json")));
  int checked = 0;
  for (const auto& clip : manifest["clips"]) {
    if (clip["split"] != "pretrain" || clip["actions"].size() != 1) continue;
    const std::string action = clip["actions"][0];
    if (action != "flash" && action != "stay_still") continue;
    const auto change = change_from_median(decode_all(at(clip["path"])));
    std::vector<int> flashing;
    for (std::size_t f = 0; f < change.size(); ++f) {
      if (change[f] > 8.0) flashing.push_back(static_cast<int>(f));
    }
    EXPECT_EQ(flashing, clip["flash_frames"].get<std::vector<int>>()) << clip["path"];
    if (action == "flash") {
      EXPECT_GE(flashing.size(), 1u) << clip["path"];
      EXPECT_LE(flashing.size(), 2u) << clip["path"];
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
}

TEST_F(SynthBenchmark, SameSeedSameBytesOtherSeedOtherBenchmark) {
  sfar::test::TempDir other;
  SynthOptions options;
  options.preset = "storyboard-tiny";
  options.seed = 5;
  options.threads = 1;  // thread count must not matter
  options.out = other.file("same");
  generate_benchmark(options);
  options.seed = 6;
  options.out = other.file("different");
  generate_benchmark(options);
  const std::string same = other.file("same") + "/", different = other.file("different") + "/";
  for (const std::string f : {"classes.csv", "train.txt", "val.txt", "fewshot/train_4.txt", "zeroshot/test.txt",
                              "pretrain/list.txt", "descriptions.json", "synth.json", "videos/train/c02_003.mp4",
                              "videos/pretrain/flash_001.mp4"}) {
    EXPECT_EQ(sfar::read_file(at(f)), sfar::read_file(same + f)) << f;
  }
  for (const std::string f : {"fewshot/train_2.txt", "pretrain/list.txt", "descriptions.json", "videos/train/c02_003.mp4"}) {
    EXPECT_NE(sfar::read_file(at(f)), sfar::read_file(different + f)) << f;
  }
}

TEST_F(SynthBenchmark, DirectoryRules) {
  SynthOptions options;
  options.preset = "storyboard-tiny";
  options.out = root();
  try {
    generate_benchmark(options);
    FAIL() << "a non-empty directory was overwritten without --force";
  } catch (const sfar::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(root()), std::string::npos) << e.what();
  }
  sfar::test::TempDir scratch;
  sfar::write_file_atomic(scratch.file("file"), "x");
  options.out = scratch.file("file");
  EXPECT_THROW(generate_benchmark(options), sfar::ArgumentError);
  options.out = scratch.file("forced");
  sfar::write_file_atomic(scratch.file("forced/videos/train/stale.mp4"), "old");
  sfar::write_file_atomic(scratch.file("forced/notes.md"), "mine");
  options.force = true;
  generate_benchmark(options);
  EXPECT_FALSE(fs::exists(scratch.file("forced/videos/train/stale.mp4")));
  EXPECT_TRUE(fs::exists(scratch.file("forced/notes.md")));  // --force removes only benchmark files
  EXPECT_TRUE(fs::exists(scratch.file("forced/synth.json")));
  options.preset = "storyboard-v0";
  EXPECT_THROW(generate_benchmark(options), sfar::ArgumentError);
  options.preset = "storyboard-tiny";
  options.out = "";
  EXPECT_THROW(generate_benchmark(options), sfar::ArgumentError);
}

}  // namespace
