// SFAR training end to end on a tiny dataset (generated clips, tiny reference CLIP), plus the
// pieces it is built from: metrics, class texts, the text-bank cache and the run configs.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/describe/description_cache.h"
#include "sfar/io/class_names.h"
#include "sfar/method/sfar_model.h"
#include "sfar/models/clip_loader.h"
#include "sfar/recipes/sfar_run_config.h"
#include "sfar/recipes/sfar_task.h"
#include "support/run_binary.h"
#include "support/test_data.h"
#include "support/tiny_run.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using test::last_json_line;
using Json = nlohmann::json;

TEST(SfarRun, ClassificationMetricsByHand) {
  // 4 videos, 3 classes: video 0 right, 1 wrong (true class 2nd), 2 right, 3 wrong (3rd).
  auto scores = torch::tensor({0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1, 0.1, 0.8, 0.6, 0.3, 0.1}).view({4, 3});
  auto labels = torch::tensor(std::vector<std::int64_t>{0, 1, 2, 2});
  auto m = classification_metrics(scores, labels);
  EXPECT_DOUBLE_EQ(m["top1"], 50.0);
  EXPECT_DOUBLE_EQ(m["top5"], 100.0);  // k capped at 3 classes
  // class 0: 1/1, class 1: 0/1, class 2: 1/2 -> mean 50; videos weigh 2/4 = 50 too, so
  // check a case where they differ: drop video 1.
  const auto keep = torch::tensor(std::vector<std::int64_t>{0, 2, 3});
  auto m2 = classification_metrics(scores.index_select(0, keep), labels.index_select(0, keep));
  EXPECT_NEAR(m2["top1"], 200.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(m2["mean_class_accuracy"], 75.0);  // (100 + 50) / 2
}

describe::DescriptionCache tiny_cache(const io::ClassNames& labels) {
  describe::DescriptionCache cache = describe::new_description_cache(labels, "tiny");
  describe::DescriptionProvenance p;
  p.generator = "test";
  cache.classes[0].candidates.push_back({{"Two arms lock.", "One arm pushes down."}, p, {}});
  cache.classes[0].selected = 0;
  cache.classes[1].candidates.push_back({{"a", "b", "c", "d", "e"}, p, {}});
  cache.classes[1].candidates.push_back({{"Skim the water.", "Lift the net.", "Empty the net.", "Repeat."}, p, {}});
  cache.classes[1].selected = 1;
  cache.classes[2].candidates.push_back({{"Brush the lid.", "Draw a line.", "Blend.", "Look.", "Smile."}, p, {}});
  cache.classes[2].selected = 0;
  return cache;
}

io::ClassNames tiny_labels(const std::string& path) { return io::read_class_names(test::write_tiny_labels(path)); }

TEST(SfarRun, ClassTextsPadTruncateAndSelect) {
  test::TempDir dir;
  const auto labels = tiny_labels(dir.file("labels.csv"));
  const auto cache = tiny_cache(labels);
  const auto texts = method::make_class_texts(labels.names(), "a video of a person {name}.", &cache, "c.json", 4, describe::SubtextChoice::kSelected);
  EXPECT_EQ(texts.global[2], "a video of a person applying eye makeup.");
  EXPECT_EQ(texts.sub[0], (std::vector<std::string>{"Two arms lock.", "One arm pushes down.", "One arm pushes down.",
                                                     "One arm pushes down."}));
  EXPECT_EQ(texts.sub[1][0], "Skim the water.");  // the selected set, not the first
  EXPECT_EQ(texts.sub[2].size(), 4u);
  EXPECT_EQ(texts.sub[2][3], "Look.");
  try {
    method::make_class_texts({"arm wrestling", "juggling"}, "{name}", &cache, "c.json", 4, describe::SubtextChoice::kSelected);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "c.json");
    EXPECT_EQ(e.value(), "juggling");
  }
  EXPECT_TRUE(method::make_class_texts(labels.names(), "{name}", nullptr, "", 4, describe::SubtextChoice::kSelected).sub.empty());
}

TEST(SfarRun, AClassWithoutSelectedSubtextsIsAnErrorUnlessFirstIsAsked) {
  test::TempDir dir;
  const auto labels = tiny_labels(dir.file("labels.csv"));
  auto cache = tiny_cache(labels);
  cache.classes[2].selected.reset();
  try {
    method::make_class_texts(labels.names(), "{name}", &cache, "data/k400.json", 4, describe::SubtextChoice::kSelected);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "data/k400.json");
    EXPECT_EQ(e.value(), "applying eye makeup");
    const std::string what = e.what();
    EXPECT_NE(what.find("sfar describe select --cache data/k400.json"), std::string::npos) << what;
    EXPECT_NE(what.find("descriptions.selection: first"), std::string::npos) << what;
  }
  // `first`: every class's first set, even where another set is selected.
  const auto first = method::make_class_texts(labels.names(), "{name}", &cache, "data/k400.json", 4,
                                              describe::SubtextChoice::kFirst);
  EXPECT_EQ(first.sub[1], (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(first.sub[2][0], "Brush the lid.");
}

TEST(SfarRun, SilentChoicesAreSwitchesWithTheRecipesDefaults) {
  const SfarRunConfig c = load_sfar_run_config({}, {"head.type=mean"});
  EXPECT_EQ(c.train.grad_clip, 0.0);                   // METHOD.md and BIKE do not clip
  EXPECT_DOUBLE_EQ(c.train.logit_scale_lr_ratio, 0.1);  // BIKE: with CLIP at 0.1x the head
  EXPECT_EQ(c.descriptions.selection, describe::SubtextChoice::kSelected);
  EXPECT_EQ(c.descriptions.global_template, describe::kDefaultGlobalTemplate);
  const std::string yaml = sfar_run_config_to_yaml(c);
  for (const char* line : {"  grad_clip: 0.0\n", "  logit_scale_lr_ratio: 0.1\n", "  selection: \"selected\"\n",
                           "  global_template: \"a video of a person {name}.\"\n"}) {
    EXPECT_NE(yaml.find(line), std::string::npos) << line << yaml;
  }
  const SfarRunConfig set = load_sfar_run_config(
      {}, {"head.type=mean", "descriptions.selection=first", "train.grad_clip=1", "train.logit_scale_lr_ratio=1"});
  EXPECT_EQ(set.descriptions.selection, describe::SubtextChoice::kFirst);
  EXPECT_NE(sfar_run_config_to_yaml(set).find("  selection: \"first\"\n"), std::string::npos);
  EXPECT_EQ(set.train.grad_clip, 1.0);
  EXPECT_EQ(set.train.logit_scale_lr_ratio, 1.0);
  try {
    load_sfar_run_config({}, {"head.type=mean", "descriptions.selection=best"});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.where().find("descriptions.selection"), std::string::npos) << e.what();
    EXPECT_EQ(e.value(), "best");
  }
}

TEST(SfarRun, TextBankIsCachedByKey) {
  const std::string weights = ::sfar::test::tiny_clip_path();
  const std::string vocab = ::sfar::test::clip_vocab_path();
  test::TempDir dir;
  const auto labels = tiny_labels(dir.file("labels.csv"));
  const auto cache = tiny_cache(labels);
  auto clip = models::load_clip(weights, {ActivationSetting::kQuickGelu});
  const text::TokenizerSpec spec{TokenizerKind::kClipBpe, vocab, ""};
  const auto tok = text::load_tokenizer(spec);
  auto texts = method::make_class_texts(labels.names(), describe::kDefaultGlobalTemplate, &cache, "c", 4, describe::SubtextChoice::kSelected);
  const auto key = method::text_bank_key(weights, models::ClipActivation::kQuickGelu, 0, spec, 77, texts);
  bool hit = true;
  const auto built = method::load_or_build_text_bank(dir.file("cache"), key, *clip, *tok, texts, 77, &hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(built.sub_embed.sizes(), (std::vector<std::int64_t>{3, 4, 64}));
  // The global embedding is CLIP's encode_text of the tokenized global text.
  auto direct = clip->encode_text(torch::tensor(tok->tokenize(texts.global[1]), torch::kInt64).unsqueeze(0));
  EXPECT_LT((direct[0] - built.global_embed[1]).abs().max().item<double>(), 1e-5);
  const auto loaded = method::load_or_build_text_bank(dir.file("cache"), key, *clip, *tok, texts, 77, &hit);
  EXPECT_TRUE(hit);
  EXPECT_TRUE(torch::equal(loaded.sub_tokens, built.sub_tokens));
  EXPECT_TRUE(torch::equal(loaded.global_mask, built.global_mask));
  // The same weights under GELU encode other features: another bank.
  EXPECT_NE(method::text_bank_key(weights, models::ClipActivation::kGelu, 0, spec, 77, texts), key);
  texts.sub[2][0] = "Brush the upper lid.";
  EXPECT_NE(method::text_bank_key(weights, models::ClipActivation::kQuickGelu, 0, spec, 77, texts), key);
}

TEST(SfarRun, ShippedRunConfigsLoad) {
  // The supervised ViT-B/16 recipe and its baseline; every other shipped config is checked
  // against METHOD.md by the protocol tests.
  for (const char* name : {"sfar_vit_b16.yaml", "mean_vit_b16.yaml"}) {
    const std::string path = test::source_dir() + "/configs/k400/" + name;
    const auto config = load_sfar_run_config({path}, {"data.root=/data/k400"});
    EXPECT_EQ(config.model.arch, "ViT-B/16") << path;
    EXPECT_EQ(config.train.batch_size, 256) << path;
    EXPECT_EQ(config.loss.scope, LossScope::kGlobal) << path;
  }
}

// loss.scope is parsed once at load into an enum, written back by name (`sfar config print`,
// resolved.yaml), and a bad name is a ConfigError naming the key and the value.
TEST(SfarRun, LossScopeIsAnEnumNamedInTheYaml) {
  EXPECT_EQ(load_sfar_run_config({}, {"head.type=mean"}).loss.scope, LossScope::kGlobal);
  const auto micro = load_sfar_run_config({}, {"head.type=mean", "loss.scope=micro_batch"});
  EXPECT_EQ(micro.loss.scope, LossScope::kMicroBatch);
  EXPECT_NE(sfar_run_config_to_yaml(micro).find("scope: \"micro_batch\""), std::string::npos)
      << sfar_run_config_to_yaml(micro);
  try {
    load_sfar_run_config({}, {"head.type=mean", "loss.scope=batch"});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("loss.scope"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("batch"), std::string::npos) << e.what();
  }
}

TEST(SfarRun, ConfigErrorsNameTheKey) {
  try {
    load_sfar_run_config({}, {"head.typo=1", "descriptions.cache=x.json"});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("head.typo"), std::string::npos) << e.what();
  }
  try {
    load_sfar_run_config({}, {"head.type=fine"});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.where().find("descriptions.cache"), std::string::npos) << e.where();
  }
  EXPECT_NO_THROW(load_sfar_run_config({}, {"head.type=mean"}));
}

TEST(SfarRun, TestViewsSetClipsAndCrops) {
  SfarRunConfig config;  // test pipeline: center_crop, normalize
  config.data.test_pipeline[0].size = 64;
  apply_test_views(config, "4x3");
  EXPECT_EQ(config.data.clips, 4);
  EXPECT_EQ(config.data.test_pipeline[0].type, data::TransformType::kThreeCrop);
  EXPECT_EQ(config.data.test_pipeline[0].size, 64);
  EXPECT_EQ(config.data.test_pipeline[1].type, data::TransformType::kNormalize);
  for (const char* bad : {"4", "4x", "x3", "4x2", "0x1", "4x3x", " 4x3", "-1x1", "+2x1", "99999999999x1"}) {
    try {
      apply_test_views(config, bad);
      FAIL() << "expected ArgumentError for " << bad;
    } catch (const ArgumentError& e) {
      EXPECT_EQ(e.where(), "--views");
      EXPECT_EQ(e.value(), bad);
    }
  }
}

using Result = test::CommandResult;

// Runs `sfar ARGS` through the shell, capturing stdout and stderr.
Result run_sfar(const std::string& args, const test::TempDir& dir) {
  return test::run_binary(SFAR_BINARY, args, dir);
}

// The lines of `err` that are a progress bar labelled `label` (stderr a file: a line per tenth).
int bar_lines(const std::string& err, const std::string& label) {
  int lines = 0;
  std::stringstream in(err);
  for (std::string line; std::getline(in, line);) lines += line.rfind(label + " [", 0) == 0 ? 1 : 0;
  return lines;
}

// After a trained run (#32): eval without --checkpoint scores the run's best.pt and says so, or
// refuses where there is none; eval, export-features and data check show their bar in a pipe;
// data check -c checks every list the config names.
void expect_default_checkpoint_and_progress(const std::string& config, const test::TempDir& dir) {
  const Result chosen = run_sfar("eval --config " + config, dir);
  ASSERT_EQ(chosen.status, 0) << chosen.err;
  const std::string best = dir.file("run/checkpoints/best.pt");
  EXPECT_EQ(last_json_line(chosen.out)["checkpoint"], best);
  EXPECT_NE(chosen.err.find("sfar eval: no --checkpoint: scoring the run's best.pt, " + best + "\n"), std::string::npos)
      << chosen.err;
  EXPECT_GE(bar_lines(chosen.err, "eval"), 2) << chosen.err;  // 0 % and done
  EXPECT_NE(chosen.err.find("3/3 videos"), std::string::npos) << chosen.err;
  const Result bar = run_sfar("--progress bar eval --config " + config, dir);  // redrawn even in a pipe
  EXPECT_NE(bar.err.find("\r\033[Keval ["), std::string::npos) << bar.err;

  const Result untrained = run_sfar("eval --config " + config + " --set run.work_dir=" + dir.file("fresh"), dir);
  EXPECT_EQ(untrained.status, 1);
  EXPECT_EQ(std::count(untrained.err.begin(), untrained.err.end(), '\n'), 1) << untrained.err;
  EXPECT_EQ(untrained.err.rfind("sfar: error: --checkpoint: not given", 0), 0u) << untrained.err;
  EXPECT_NE(untrained.err.find(dir.file("fresh/checkpoints/best.pt")), std::string::npos) << untrained.err;
  EXPECT_EQ(untrained.out, "");
  const Result as_loaded = run_sfar("eval --config " + config + " --checkpoint none --set run.work_dir=" +
                                        dir.file("fresh"), dir);
  EXPECT_EQ(as_loaded.status, 0) << as_loaded.err;
  EXPECT_NE(as_loaded.err.find("--checkpoint none: scoring model.weights as loaded"), std::string::npos);
  EXPECT_EQ(last_json_line(as_loaded.out)["checkpoint"], "");

  const Result exported = run_sfar("export-features --config " + config + " --list val.txt --out " +
                                       dir.file("f.jsonl"), dir);
  ASSERT_EQ(exported.status, 0) << exported.err;
  EXPECT_NE(exported.err.find("best.pt"), std::string::npos) << exported.err;
  EXPECT_GE(bar_lines(exported.err, "export-features"), 2) << exported.err;

  const Result checked = run_sfar("data check --config " + config, dir);
  ASSERT_EQ(checked.status, 0) << checked.err;
  const auto lines = test::json_lines(checked.out);
  ASSERT_EQ(lines.size(), 2u) << checked.out;
  EXPECT_EQ(lines[0]["key"], "data.list");
  EXPECT_EQ(lines[0]["ok"], 6);
  EXPECT_EQ(lines[1]["key"], "eval.list");
  EXPECT_EQ(lines[1]["ok"], 3);
  EXPECT_GE(bar_lines(checked.err, "data check"), 4) << checked.err;  // two lists, each 0 % and done
}

TEST(SfarRun, TrainsAndEvaluatesOnTinyVideos) {
  const std::string videos = ::sfar::test::reference_path("videos/mpeg4_mp3.avi");
  test::TempDir dir;
  const fs::path root = dir.path() / "videos";
  fs::create_directories(root);
  const std::string src = fs::path(videos).parent_path().string();
  const std::vector<std::pair<std::string, std::string>> files = {
      {"h264_28fps.mp4", "wrestle_a.mp4"}, {"vp9_28fps.webm", "wrestle_b.webm"},
      {"h264_30fps.mp4", "pool_a.mp4"},    {"h264_30fps.mp4", "pool_b.mp4"},
      {"mpeg4_mp3.avi", "makeup_a.avi"},  {"mpeg4_mp3.avi", "makeup_b.avi"}};
  for (const auto& [from, to] : files) fs::create_symlink(src + "/" + from, root / to);
  write_file_atomic((root / "train.txt").string(),
                    "wrestle_a.mp4 0\npool_a.mp4 1\nmakeup_a.avi 2\nwrestle_b.webm 0\npool_b.mp4 1\nmakeup_b.avi 2\n");
  write_file_atomic((root / "val.txt").string(), "wrestle_a.mp4 0\npool_b.mp4 1\nmakeup_b.avi 2\n");
  const auto labels = tiny_labels(dir.file("labels.csv"));
  describe::save_description_cache(dir.file("descriptions.json"), tiny_cache(labels));
  const std::string config = test::TinyRun(root.string(), "train.txt", dir.file("labels.csv"))
                                 .work_dir(dir.file("run")).head("sfar").descriptions(dir.file("descriptions.json"), 4)
                                 .frames(4).eval_list("val.txt").epochs(2).warmup_epochs(0.5)
                                 .write(dir.file("tiny.yaml"));

  const Result dry = run_sfar("train --config " + config + " --dry-run", dir);
  ASSERT_EQ(dry.status, 0) << dry.err;
  const Json d = last_json_line(dry.out);
  const Json& p = d["parameters"];
  // The tiny reference CLIP has 7,244,929 parameters; only its text tower is frozen.
  EXPECT_EQ(p["visual"]["total"].get<std::int64_t>() + p["text"]["total"].get<std::int64_t>() +
                p["logit_scale"]["total"].get<std::int64_t>(), 7244929);
  EXPECT_EQ(p["text"]["trainable"], 0);
  EXPECT_EQ(p["visual"]["frozen"], 0);
  EXPECT_EQ(p["logit_scale"]["trainable"], 1);
  EXPECT_GT(p["head"]["trainable"].get<std::int64_t>(), 0);
  EXPECT_EQ(p["all"]["frozen"], p["text"]["frozen"]);
  EXPECT_TRUE(std::isfinite(d["loss"].get<double>()));
  EXPECT_GT(d["head_grad_norm"].get<double>(), 0);
  EXPECT_EQ(d["train_videos"], 6);
  EXPECT_EQ(d["steps_per_epoch"], 2);

  const Result train = run_sfar("train --config " + config, dir);
  ASSERT_EQ(train.status, 0) << train.err;
  const Json t = last_json_line(train.out);
  EXPECT_EQ(t["steps"], 4);
  EXPECT_EQ(t["skipped_steps"], 0);
  EXPECT_TRUE(std::isfinite(t["last_loss"].get<double>()));
  std::ifstream metrics(dir.file("run/metrics.jsonl"));
  ASSERT_TRUE(metrics) << "no metrics.jsonl";
  std::vector<Json> evals;
  int train_lines = 0;
  for (std::string line; std::getline(metrics, line);) {
    const Json j = Json::parse(line);
    if (j["kind"] == "eval") evals.push_back(j);
    if (j["kind"] == "train") {
      ++train_lines;
      EXPECT_TRUE(std::isfinite(j["loss"].get<double>())) << line;
    }
  }
  EXPECT_EQ(train_lines, 4);
  ASSERT_EQ(evals.size(), 2u);
  // The final line carries the last evaluation and the best (by top-1, as best.pt is kept).
  ASSERT_TRUE(t.contains("last_eval")) << train.out;
  EXPECT_EQ(t["last_eval"]["epoch"], 1);
  const std::size_t best = evals[1]["top1"].get<double>() > evals[0]["top1"].get<double>() ? 1 : 0;
  EXPECT_EQ(t["best_eval"]["epoch"], best);
  EXPECT_EQ(t["best_metric"], "top1");
  for (const char* key : {"top1", "top5", "mean_class_accuracy", "videos"}) {
    EXPECT_DOUBLE_EQ(t["last_eval"][key].get<double>(), evals[1][key].get<double>()) << key;
    EXPECT_DOUBLE_EQ(t["best_eval"][key].get<double>(), evals[best][key].get<double>()) << key;
  }
  const std::string checkpoint = dir.file("run/checkpoints/step_000000004.pt");
  ASSERT_TRUE(fs::exists(checkpoint));
  EXPECT_FALSE(fs::is_empty(dir.file("run/cache")));  // the text bank

  const Result eval = run_sfar("eval --config " + config + " --checkpoint " + checkpoint, dir);
  ASSERT_EQ(eval.status, 0) << eval.err;
  const Json e = last_json_line(eval.out);
  EXPECT_EQ(e["step"], 4);
  EXPECT_EQ(e["videos"], 3);
  // The checkpoint's weights give the evaluation the run logged after its last epoch.
  for (const char* key : {"top1", "top5", "mean_class_accuracy"}) {
    EXPECT_NEAR(e[key].get<double>(), evals.back()[key].get<double>(), 1e-9) << key;
  }
  EXPECT_DOUBLE_EQ(e["top5"].get<double>(), 100.0);  // 3 classes
  // The per-class table and the confusion matrix agree with the top-1 accuracy; they go into
  // the run's eval/ folder, never over the tables of the training run itself.
  EXPECT_EQ(e["per_class_accuracy"], dir.file("run/eval/per_class_accuracy.csv"));
  EXPECT_EQ(e["confusion_matrix"], dir.file("run/eval/confusion_matrix.csv"));
  std::stringstream table(read_file(dir.file("run/eval/per_class_accuracy.csv")));
  std::string line;
  std::getline(table, line);
  EXPECT_EQ(line, "id,name,count,accuracy");
  double correct = 0;
  int rows = 0;
  for (; std::getline(table, line); ++rows) {
    const auto count_at = line.rfind(',', line.rfind(',') - 1) + 1;
    EXPECT_EQ(line.substr(count_at, 2), "1,") << line;  // one validation video per class
    correct += std::stod(line.substr(line.rfind(',') + 1)) / 100;
  }
  EXPECT_EQ(rows, 3);
  EXPECT_NEAR(100 * correct / 3, e["top1"].get<double>(), 1e-9);
  std::stringstream matrix(read_file(dir.file("run/eval/confusion_matrix.csv")));
  std::getline(matrix, line);
  EXPECT_EQ(line, "true\\pred,arm wrestling,cleaning pool,applying eye makeup");
  int total = 0;
  while (std::getline(matrix, line)) {
    std::stringstream cells(line);
    std::string cell;
    std::getline(cells, cell, ',');  // the class name
    while (std::getline(cells, cell, ',')) total += std::stoi(cell);
  }
  EXPECT_EQ(total, 3);

  // Two clips, or three crops, per video: still one score per video.
  for (const std::string views : {"2x1", "1x3"}) {
    const Result r = run_sfar("eval --config " + config + " --checkpoint " + checkpoint + " --views " + views, dir);
    ASSERT_EQ(r.status, 0) << r.err;
    const Json v = last_json_line(r.out);
    EXPECT_EQ(v["views"], views);
    EXPECT_EQ(v["videos"], 3);
    EXPECT_DOUBLE_EQ(v["top5"].get<double>(), 100.0);
  }
  const Result bad = run_sfar("eval --config " + config + " --checkpoint " + checkpoint + " --views 2x5", dir);
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("2x5"), std::string::npos) << bad.err;
  expect_default_checkpoint_and_progress(config, dir);
}

}  // namespace
}  // namespace sfar::recipes
