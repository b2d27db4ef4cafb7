// `sfar pretrain`: the caption list, the video-text loss and retrieval by hand, config errors,
// and pre-training end to end through the binary on generated clips of four atomic actions,
// followed by `sfar train --dry-run` fine-tuning from its CLIP and tokenizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/data/caption_list.h"
#include "sfar/models/clip_loader.h"
#include "sfar/recipes/pretrain_config.h"
#include "sfar/recipes/pretrain_task.h"
#include "sfar/text/sentencepiece_tokenizer.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;
using test::last_json_line;
using Json = nlohmann::json;

TEST(CaptionList, GroupsByTagElseByCaption) {
  const auto tagged = data::parse_caption_list(
      "# comment\na.mp4\tthe square slides right\tright\n\nb.mp4\ta shape moving right\tright\n"
      "c.mp4\tit grows\tgrow\r\n", "list.txt");
  ASSERT_EQ(tagged.items.size(), 3u);
  EXPECT_EQ(tagged.groups, (std::vector<std::string>{"right", "grow"}));
  EXPECT_EQ(tagged.items[1].group, 0);
  EXPECT_EQ(tagged.items[2].group, 1);
  EXPECT_EQ(tagged.items[2].caption, "it grows");
  EXPECT_EQ(tagged.items[2].origin, "list.txt:5");
  const auto plain = data::parse_caption_list("a.mp4\tmoving right\nb.mp4\tgrowing\nc.mp4\tmoving right\n", "l");
  EXPECT_EQ(plain.groups, (std::vector<std::string>{"moving right", "growing"}));
  EXPECT_EQ(plain.items[2].group, 0);
}

TEST(CaptionList, ErrorsNameFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"a.mp4 no tab here\n", "list.txt:1"},
      {"a.mp4\tok\n\tno path\n", "list.txt:2"},
      {"a.mp4\t  \n", "list.txt:1"},
      {"a.mp4\tx\tt\nb.mp4\ty\n", "list.txt:2"},  // tagged, then untagged
      {"a.mp4\tx\tt\textra\n", "list.txt:1"}};
  for (const auto& [text, where] : bad) {
    try {
      data::parse_caption_list(text, "list.txt");
      FAIL() << "expected FormatError for " << text;
    } catch (const FormatError& e) {
      EXPECT_EQ(e.where(), where) << text;
    }
  }
  EXPECT_THROW(data::parse_caption_list("# only a comment\n", "list.txt"), FormatError);
}

TEST(PretrainLoss, SameGroupCaptionsArePositives) {
  // Three pairs, pairs 0 and 2 of one group. v2t row 0: positives {0, 2}.
  const auto logits = torch::tensor({2.0, 0.5, 1.0, 0.0, 3.0, -1.0, 1.5, 0.2, 2.5}, torch::kDouble).view({3, 3});
  const auto groups = torch::tensor(std::vector<std::int64_t>{7, 4, 7});
  const auto lr = logits.log_softmax(1), lc = logits.log_softmax(0);
  auto at = [](const torch::Tensor& t, int i, int j) { return t[i][j].item<double>(); };
  const double v2t = (-(at(lr, 0, 0) + at(lr, 0, 2)) / 2 - at(lr, 1, 1) - (at(lr, 2, 0) + at(lr, 2, 2)) / 2) / 3;
  const double t2v = (-(at(lc, 0, 0) + at(lc, 2, 0)) / 2 - at(lc, 1, 1) - (at(lc, 0, 2) + at(lc, 2, 2)) / 2) / 3;
  EXPECT_NEAR(video_text_loss(logits, groups).item<double>(), (v2t + t2v) / 2, 1e-12);
  // All groups distinct: CLIP's loss, the mean of two cross-entropies on the diagonal.
  const auto diag = torch::arange(3);
  const double clip = (torch::nn::functional::cross_entropy(logits, diag).item<double>() +
                       torch::nn::functional::cross_entropy(logits.t(), diag).item<double>()) / 2;
  EXPECT_NEAR(video_text_loss(logits, torch::arange(3)).item<double>(), clip, 1e-12);
  EXPECT_THROW(video_text_loss(logits.narrow(0, 0, 2), groups), ArgumentError);
}

TEST(PretrainLoss, PoolingAndRetrievalByHand) {
  // One video, 4 frames of a 1-d embedding: 1, 2, 4, 8.
  const auto frames = torch::tensor({1.0, 2.0, 4.0, 8.0}).view({1, 4, 1});
  EXPECT_DOUBLE_EQ(pool_frames(frames, VideoPooling::kMean).item<double>(), 3.75);
  EXPECT_DOUBLE_EQ(pool_frames(frames, VideoPooling::kMeanDelta).item<double>(), 3.75 + 6.0 - 1.5);
  // 4 pairs, groups {0, 0, 1, 2}; video 1 finds caption 0 (same group), video 3 finds caption 2.
  const auto video = torch::tensor({1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 0.6, 0.5}).view({4, 2});
  const auto text = torch::tensor({1.0, 0.0, 0.5, 0.5, 0.0, 1.0, -1.0, 0.0}).view({4, 2});
  const auto r = retrieval_top1(video, text, torch::tensor(std::vector<std::int64_t>{0, 0, 1, 2}));
  EXPECT_DOUBLE_EQ(r.video_to_text_top1, 75.0);  // video 3's best caption is 0 (group 0, not 2)
  // Captions: 0 -> video 0 (ok), 1 -> video 3 (.55 vs .5: wrong), 2 -> video 2 (ok), 3 -> video 2 (wrong).
  EXPECT_DOUBLE_EQ(r.text_to_video_top1, 50.0);
  EXPECT_DOUBLE_EQ(r.chance_top1, 100.0 * (4 + 1 + 1) / 16);
}

TEST(PretrainConfig, DefaultsAndErrorsNameTheKey) {
  const auto config = load_pretrain_config({}, {});
  EXPECT_EQ(config.clip.vision_width, 128);
  EXPECT_EQ(config.pretrain.train.log_interval, 1);
  const auto clip = make_clip_config(config.clip, 200, 3);
  EXPECT_EQ(clip.vision_heads(), 2);
  EXPECT_EQ(clip.grid_size(), 8);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"pretrain.typo=1", "pretrain.typo"},
      {"clip.vision_heads=4", "clip.vision_heads"},  // not a key: the heads follow from the width
      {"clip.transformer_heads=4", "clip.transformer_heads"},
      {"clip.transformer_width=96", "clip.transformer_width"},
      {"clip.vision_patch_size=6", "clip.image_resolution"},
      {"clip.image_resolution=32", "pretrain.train_pipeline[0].size"},
      {"pretrain.pooling=max", "pretrain.pooling"},
      {"pretrain.warmup_epochs=40", "pretrain.warmup_epochs"},
      {"tokenizer.model_type=chars", "tokenizer.model_type"},
      {"pretrain.bad_file_policy=ignore", "pretrain.bad_file_policy"},
      {"pretrain.sampler=random", "pretrain.sampler"},
      {"pretrain.list=''", "pretrain.list"}};
  for (const auto& [override_text, key] : bad) {
    try {
      load_pretrain_config({}, {override_text});
      FAIL() << "expected ConfigError for " << override_text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << override_text << ": " << e.what();
    }
  }
}

// `pretrain:` reads its clips through the section `data:` has (data::ClipSourceConfig): every
// clip-source key of data is a pretrain key, with pretrain's own defaults, and a dense sampler
// with its stride reads as it does under data.
struct KeyLister {
  std::vector<std::string> keys;
  template <class T, class... Check>  // a constraint, or an enumeration's keyed table
  void operator()(const char* key, T&, const Check&...) { keys.emplace_back(key); }
};

TEST(PretrainConfig, SharesTheClipSourceSectionWithData) {
  KeyLister source, pretrain;
  data::ClipSourceConfig clip_source;
  clip_source.visit(source);
  PretrainOptions options;
  options.visit(pretrain);
  for (const auto& key : source.keys) {
    EXPECT_NE(std::find(pretrain.keys.begin(), pretrain.keys.end(), key), pretrain.keys.end()) << key;
  }
  const auto defaults = load_pretrain_config({}, {});
  EXPECT_EQ(defaults.pretrain.list, "pretrain/list.txt");
  EXPECT_EQ(defaults.pretrain.short_side, 64);
  EXPECT_EQ(defaults.pretrain.sampler, data::SamplerKind::kSegment);
  const auto dense = load_pretrain_config({}, {"pretrain.sampler=dense", "pretrain.stride=2"});
  EXPECT_EQ(dense.pretrain.sampler, data::SamplerKind::kDense);
  EXPECT_EQ(dense.pretrain.stride, 2);
  EXPECT_NE(pretrain_config_to_yaml(dense).find("sampler: \"dense\""), std::string::npos);
}

// Four atomic actions of a square on a noisy background, 16 frames of S x S pixels, as raw
// BGR bytes: right (moves right), down (moves down), grow, still.
std::string render_clip(const std::string& action, std::mt19937& rng, int S) {
  std::uniform_int_distribution<int> colour(120, 255), pos(2, S - 12), noise(0, 30);
  const int b = colour(rng), g = colour(rng), r = colour(rng), x0 = pos(rng), y0 = pos(rng);
  std::string bytes;
  for (int t = 0; t < 16; ++t) {
    int x = x0, y = y0, side = 8;
    const int travel = (S - 12) * t / 15;
    if (action == "right") x = 2 + travel;
    if (action == "down") y = 2 + travel;
    if (action == "grow") side = 3 + t * (S / 2 - 3) / 15, x = std::min(x0, S - side), y = std::min(y0, S - side);
    for (int row = 0; row < S; ++row) {
      for (int col = 0; col < S; ++col) {
        const bool inside = col >= x && col < x + side && row >= y && row < y + side;
        const int n = noise(rng);
        bytes += static_cast<char>(inside ? b : n);
        bytes += static_cast<char>(inside ? g : n);
        bytes += static_cast<char>(inside ? r : n);
      }
    }
  }
  return bytes;
}

// Writes `per_action` H.264 clips per action and pretrain/list.txt with tagged, varied captions.
void make_pretrain_set(const fs::path& root, int per_action, int S) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> actions = {
      {"right", {"the square slides to the right", "a shape moving right", "something travels rightward"}},
      {"down", {"the square drops down", "a shape moving down", "something falls toward the bottom"}},
      {"grow", {"the square grows", "a shape getting bigger", "something expands in size"}},
      {"still", {"the square stays still", "a shape not moving", "something rests in place"}}};
  std::mt19937 rng(7);
  fs::create_directories(root / "pretrain" / "clips");
  std::string list;
  for (int i = 0; i < per_action; ++i) {
    for (const auto& [action, captions] : actions) {
      const std::string name = "pretrain/clips/" + action + "_" + std::to_string(i) + ".mp4";
      const fs::path raw = root / "frames.raw";
      write_file_atomic(raw.string(), render_clip(action, rng, S));
      const std::string command = "ffmpeg -hide_banner -loglevel error -y -f rawvideo -pix_fmt bgr24 -s " +
                                  std::to_string(S) + "x" + std::to_string(S) + " -r 8 -i " + raw.string() +
                                  " -c:v libx264 -pix_fmt yuv420p -crf 18 " + (root / name).string() + " > /dev/null 2>&1";
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
      list += name + "\t" + captions[i % captions.size()] + "\t" + action + "\n";
    }
  }
  write_file_atomic((root / "pretrain" / "list.txt").string(), list);
}

// The small config the test trains (32 px, 2+2 layers of width 64); the quick start's default
// model is twice as wide and deep on 64 px clips.
std::string tiny_pretrain_config(const fs::path& root, const fs::path& work) {
  return "run: {work_dir: " + work.string() + ", threads: 2, device: cpu, seed: 1}\n"
         "pretrain:\n  root: " + root.string() + "\n  list: pretrain/list.txt\n  num_frames: 8\n  short_side: 32\n"
         "  train_pipeline: [{type: center_crop, size: 32}, {type: normalize}]\n"
         "  test_pipeline: [{type: center_crop, size: 32}, {type: normalize}]\n"
         "  epochs: 12\n  warmup_epochs: 1\n  batch_size: 8\n  lr: 1.0e-3\n  weight_decay: 0.05\n  workers: 2\n"
         "clip: {image_resolution: 32, vision_patch_size: 8, vision_width: 64, vision_layers: 2, embed_dim: 64,\n"
         "       context_length: 24, transformer_width: 64, transformer_layers: 2, transformer_heads: 1}\n"
         "tokenizer: {vocab_size: 64}\n";
}

TEST(Pretrain, LearnsRetrievalAndFeedsSfarTraining) {
  if (std::system("ffmpeg -version > /dev/null 2>&1") != 0) GTEST_SKIP() << "ffmpeg command-line tool not installed";
  test::TempDir dir;
  const fs::path root = dir.path() / "synth", work = dir.path() / "pre";
  make_pretrain_set(root, 8, 32);  // 32 pairs, 4 groups
  const std::string config = dir.file("pretrain.yaml");
  write_file_atomic(config, tiny_pretrain_config(root, work));

  const auto run = test::run_binary(SFAR_BINARY, "pretrain --config " + config, dir);
  ASSERT_EQ(run.status, 0) << run.err;
  const Json s = last_json_line(run.out);
  EXPECT_EQ(s["pairs"], 32);
  EXPECT_EQ(s["groups"], 4);
  EXPECT_EQ(s["steps"], 12 * 4);
  EXPECT_DOUBLE_EQ(s["chance_top1"].get<double>(), 25.0);
  // Clearly better than chance, and a loss that fell well below its start (ln 8 ~ 2.08 at
  // random for batches of 8 with ~2 positives each).
  EXPECT_GE(s["video_to_text_top1"].get<double>(), 60.0) << run.out;
  EXPECT_LT(s["last_epoch_loss"].get<double>(), 0.7 * s["first_epoch_loss"].get<double>()) << run.out;
  EXPECT_EQ(run.err.find("were cut"), std::string::npos) << run.err;  // every caption fits 24 tokens

  // A context too short for the captions is said once, with the counts and the key to raise.
  const std::string short_config = dir.file("short.yaml");
  write_file_atomic(short_config, tiny_pretrain_config(root, dir.path() / "short"));
  const auto cut = test::run_binary(SFAR_BINARY,
                                    "pretrain --config " + short_config +
                                        " --set pretrain.epochs=1 --set pretrain.warmup_epochs=0 --set clip.context_length=5",
                                    dir);
  ASSERT_EQ(cut.status, 0) << cut.err;
  EXPECT_NE(cut.err.find("captions are longer than clip.context_length = 5 tokens and were cut"), std::string::npos)
      << cut.err;
  EXPECT_NE(cut.err.find("of 32 captions"), std::string::npos) << cut.err;

  // metrics.jsonl: one train line per step, the retrieval after the last epoch.
  std::ifstream metrics((work / "metrics.jsonl").string());
  int train_lines = 0;
  Json eval;
  for (std::string line; std::getline(metrics, line);) {
    const Json j = Json::parse(line);
    if (j["kind"] == "train") {
      ++train_lines;
      EXPECT_TRUE(std::isfinite(j["loss"].get<double>())) << line;
    }
    if (j["kind"] == "eval") eval = j;
  }
  EXPECT_EQ(train_lines, 48);
  EXPECT_DOUBLE_EQ(eval["video_to_text_top1"].get<double>(), s["video_to_text_top1"].get<double>());
  EXPECT_TRUE(fs::exists(work / "resolved.yaml"));
  EXPECT_NO_THROW(load_pretrain_config({(work / "resolved.yaml").string()}));

  // The outputs load: the architecture is inferred from clip.pt, the vocabulary is the tokenizer's.
  const text::SentencePieceTokenizer tokenizer((work / "tokenizer.model").string());
  EXPECT_EQ(tokenizer.vocab_size(), s["vocab_size"].get<std::int64_t>());
  // pretrain builds QuickGELU CLIPs
  auto clip = models::load_clip((work / "clip.pt").string(), {ActivationSetting::kQuickGelu});
  clip->set_eot_token_id(tokenizer.end_id());
  PretrainConfig parsed = load_pretrain_config({config});
  EXPECT_EQ(clip->config(), make_clip_config(parsed.clip, tokenizer.vocab_size(), tokenizer.end_id()));
  EXPECT_EQ(clip->parameter_count(), s["parameters"].get<std::int64_t>());
  EXPECT_NEAR(clip->logit_scale.exp().item<double>(), s["logit_scale"].get<double>(), 1e-3);
  // The text tower tells the actions apart: two wordings of "right" are closer to each other
  // than to a wording of "still".
  auto embed = [&](const std::string& caption) {
    const auto ids = torch::tensor(tokenizer.tokenize(caption, 16), torch::kInt64).unsqueeze(0);
    return torch::nn::functional::normalize(clip->encode_text(ids), {});
  };
  torch::NoGradGuard no_grad;
  const auto right_a = embed("the square slides to the right"), right_b = embed("a shape moving right");
  const auto still = embed("the square stays still");
  EXPECT_GT((right_a * right_b).sum().item<double>(), (right_a * still).sum().item<double>());

  // `sfar train` fine-tunes from it: CLIP inferred from clip.pt, SentencePiece text, frozen text tower.
  std::string train_list;
  const std::vector<std::string> actions = {"right", "down", "grow", "still"};
  for (int i = 0; i < 2; ++i) {
    for (std::size_t a = 0; a < actions.size(); ++a) {
      train_list += "pretrain/clips/" + actions[a] + "_" + std::to_string(i) + ".mp4 " + std::to_string(a) + "\n";
    }
  }
  write_file_atomic((root / "train.txt").string(), train_list);
  write_file_atomic((root / "labels.csv").string(), "id,name\n0,moving right\n1,moving down\n2,growing\n3,staying still\n");
  const std::string sfar_config = dir.file("sfar.yaml");
  write_file_atomic(sfar_config,
                    "run: {work_dir: " + dir.file("sfar") + ", threads: 2, device: cpu}\n"
                    "model: {arch: auto, weights: " + (work / "clip.pt").string() + ", activation: quick_gelu}\n"
                    "text: {tokenizer: sentencepiece, vocab: " + (work / "tokenizer.model").string() +
                    ", context_length: 16}\n"
                    "head: {type: mean}\n"
                    "data:\n  root: " + root.string() + "\n  list: train.txt\n  labels: labels.csv\n  num_frames: 4\n"
                    "  short_side: 32\n  workers: 2\n  batch_size: 4\n"
                    "  train_pipeline: [{type: center_crop, size: 32}, {type: normalize}]\n"
                    "  test_pipeline: [{type: center_crop, size: 32}, {type: normalize}]\n"
                    "train: {epochs: 1, warmup_epochs: 0, lr: 1.0e-4, batch_size: 4}\n");
  const auto dry = test::run_binary(SFAR_BINARY, "train --config " + sfar_config + " --dry-run", dir);
  ASSERT_EQ(dry.status, 0) << dry.err;
  const Json d = last_json_line(dry.out);
  const Json& p = d["parameters"];
  EXPECT_EQ(p["visual"]["total"].get<std::int64_t>() + p["text"]["total"].get<std::int64_t>() +
                p["logit_scale"]["total"].get<std::int64_t>(), s["parameters"].get<std::int64_t>());
  EXPECT_EQ(p["text"]["trainable"], 0);
  EXPECT_EQ(p["visual"]["frozen"], 0);
  EXPECT_EQ(d["train_videos"], 8);
  EXPECT_EQ(d["classes"], 4);
  EXPECT_TRUE(std::isfinite(d["loss"].get<double>()));
}

// The quick start's pre-training config loads, and its heads are 64 wide as clip.pt requires.
TEST(Pretrain, ShippedQuickstartConfigLoads) {
  const auto c = load_pretrain_config({test::source_dir() + "/configs/quickstart/pretrain.yaml"}, {"pretrain.root=/x"});
  EXPECT_EQ(c.pretrain.root, "/x");
  EXPECT_EQ(c.pretrain.pooling, VideoPooling::kMean);  // as the frame-level heads that fine-tune from it
  EXPECT_GE(c.clip.context_length, 48);    // two-action captions are not cut
  EXPECT_EQ(c.clip.vision_heads() * 64, c.clip.vision_width);
  EXPECT_EQ(c.clip.transformer_heads * 64, c.clip.transformer_width);
  EXPECT_EQ(c.clip.image_resolution % c.clip.vision_patch_size, 0);
}

}  // namespace
}  // namespace sfar::recipes
