// Every shipped run config loads with only --set data.root and follows METHOD.md's recipe:
// AdamW (0.9, 0.999), weight decay 0.02, lr 5e-5 with 0.1 for the CLIP image encoder, 8 frames,
// 1 clip x 1 centre crop at 224; supervised 30 epochs (5 warm-up) at global batch 256;
// few-shot 2 epochs on K400 and 10 on HMDB/UCF/SSv2 at K = 2, 4, 8, 16 from the split files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "sfar/core/config_loader.h"
#include "sfar/recipes/protocol_runner.h"
#include "sfar/recipes/sfar_run_config.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

bool has_transform(const std::vector<data::TransformSpec>& pipeline, const std::string& type) {
  for (const auto& t : pipeline) {
    if (t.type == data::find_clip_transform(type).value) return true;
  }
  return false;
}

struct Expected {
  std::string arch = "ViT-B/16";
  std::int64_t epochs = 30;
  std::int64_t batch = 256;
  std::string kind = "supervised";  // supervised | few-shot | zero-shot | base-to-novel
  std::string list_pattern;         // few-shot
  std::size_t targets = 0;          // zero-shot
};

// The configs this suite knows; any other run config must still follow the common recipe.
const std::map<std::string, Expected>& known() {
  static const std::map<std::string, Expected> table = {
      {"k400/sfar_vit_b16.yaml", {}},
      {"k400/mean_vit_b16.yaml", {}},
      {"k400/sfar_vit_l14.yaml", {"ViT-L/14", 30, 256, "supervised", "", 0}},
      {"ssv2/sfar_vit_b16.yaml", {}},
      {"diving48/sfar_vit_b16.yaml", {}},
      {"charades/sfar_vit_b16_16f.yaml", {}},
      {"k400/sfar_vit_b16_few_shot.yaml", {"ViT-B/16", 2, 32, "few-shot", "", 0}},
      {"hmdb51/sfar_vit_b16_few_shot.yaml",
       {"ViT-B/16", 10, 32, "few-shot", "data/splits/vifi_clip/hmdb_splits/train1_few_shot_{K}.txt", 0}},
      {"ucf101/sfar_vit_b16_few_shot.yaml",
       {"ViT-B/16", 10, 32, "few-shot", "data/splits/vifi_clip/ucf_splits/train1_few_shot_{K}.txt", 0}},
      {"ssv2/sfar_vit_b16_few_shot.yaml",
       {"ViT-B/16", 10, 32, "few-shot", "data/splits/vifi_clip/ssv2_splits/train1_few_shot_{K}.txt", 0}},
      {"zero_shot/k400_to_hmdb51.yaml", {"ViT-B/16", 30, 256, "zero-shot", "", 3}},
      {"zero_shot/k400_to_ucf101.yaml", {"ViT-B/16", 30, 256, "zero-shot", "", 3}},
      {"zero_shot/k400_to_k600.yaml", {"ViT-B/16", 30, 256, "zero-shot", "", 3}},
      {"zero_shot/k400_to_hmdb51_full.yaml", {"ViT-B/16", 30, 256, "zero-shot", "", 1}},
      {"zero_shot/k400_to_ucf101_full.yaml", {"ViT-B/16", 30, 256, "zero-shot", "", 1}},
      {"k400/sfar_vit_b16_base_to_novel.yaml", {"ViT-B/16", 2, 32, "base-to-novel", "", 0}},
      {"hmdb51/sfar_vit_b16_base_to_novel.yaml", {"ViT-B/16", 10, 32, "base-to-novel", "", 0}},
      {"ucf101/sfar_vit_b16_base_to_novel.yaml", {"ViT-B/16", 10, 32, "base-to-novel", "", 0}},
      {"ssv2/sfar_vit_b16_base_to_novel.yaml", {"ViT-B/16", 10, 32, "base-to-novel", "", 0}},
  };
  return table;
}

TEST(ProtocolConfigs, EveryShippedConfigFollowsThePaperRecipe) {
  const fs::path configs = fs::path(test::source_dir()) / "configs";
  std::set<std::string> seen;
  int loaded = 0;
  for (const auto& entry : fs::recursive_directory_iterator(configs)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string rel = fs::relative(entry.path(), configs).generic_string();
    // Not run configs: shared bases, the describe prompts, the plain CLIP backbone config,
    // pre-training configs (`sfar pretrain`).
    if (rel.rfind("_base_/", 0) == 0 || rel.rfind("describe/", 0) == 0 || rel == "clip_vit_b16.yaml") continue;
    if (load_config({entry.path().string()}).find("pretrain")) continue;
    SCOPED_TRACE(rel);
    const auto c = load_sfar_run_config({entry.path().string()}, {"data.root=/x"});
    EXPECT_EQ(c.data.root, "/x");
    ++loaded;
    // Choices the paper leaves silent are stated in the YAML (the file or its _base_), never
    // left to sfar's defaults.
    const ConfigNode tree = load_config({entry.path().string()});
    for (const auto& [section, key] : {std::pair<const char*, const char*>{"train", "grad_clip"},
                                       {"train", "logit_scale_lr_ratio"},
                                       {"descriptions", "selection"},
                                       {"descriptions", "global_template"}}) {
      const ConfigNode* s = tree.find(section);
      EXPECT_TRUE(s && s->find(key)) << section << "." << key << " is not stated";
    }
    // The quick start trains a small CLIP on synthetic clips, and the own-videos config fine-tunes
    // that CLIP: their own recipe, not the paper's.
    if (rel.rfind("quickstart/", 0) == 0 || rel.rfind("own_videos/", 0) == 0) continue;
    // The recipe's answers: no clipping, the logit scale at BIKE's 0.1x, TPP-selected sub-texts.
    EXPECT_EQ(c.train.grad_clip, 0.0);
    EXPECT_DOUBLE_EQ(c.train.logit_scale_lr_ratio, 0.1);
    EXPECT_EQ(c.descriptions.selection, describe::SubtextChoice::kSelected);
    EXPECT_EQ(c.descriptions.global_template, describe::kDefaultGlobalTemplate);
    for (const auto* path : {&c.data.list, &c.data.labels, &c.eval.list, &c.descriptions.cache}) {
      EXPECT_FALSE(fs::path(*path).is_absolute()) << *path;
    }
    EXPECT_DOUBLE_EQ(c.train.lr, 5e-5);
    EXPECT_DOUBLE_EQ(c.train.backbone_lr_ratio, 0.1);
    EXPECT_EQ(c.train.backbone_prefixes, std::vector<std::string>{"clip.visual."});
    EXPECT_DOUBLE_EQ(c.train.weight_decay, 0.02);
    EXPECT_EQ(c.train.betas, (std::vector<double>{0.9, 0.999}));
    EXPECT_EQ(c.loss.type, LossType::kInfoNce);
    EXPECT_EQ(c.data.sampler, data::SamplerKind::kSegment);
    EXPECT_EQ(c.data.clips, 1);
    const bool charades = rel.find("charades") != std::string::npos;
    EXPECT_EQ(c.data.num_frames, charades ? 16 : 8);
    EXPECT_EQ(c.data.multi_label, charades);
    EXPECT_TRUE(has_transform(c.data.train_pipeline, "random_resized_crop"));
    EXPECT_TRUE(has_transform(c.data.test_pipeline, "center_crop"));
    EXPECT_EQ(c.data.test_pipeline.size() > 1 ? c.data.test_pipeline[1].size : 0, 224);
    // Flipping swaps SSv2's "left"/"right" templates.
    EXPECT_EQ(has_transform(c.data.train_pipeline, "flip"), rel.find("ssv2") == std::string::npos);
    const auto it = known().find(rel);
    if (it == known().end()) continue;
    seen.insert(rel);
    const Expected& e = it->second;
    EXPECT_EQ(c.model.arch, e.arch);
    EXPECT_EQ(c.train.epochs, e.epochs);
    EXPECT_EQ(c.train.batch_size, e.batch);
    if (e.epochs == 30) {
      EXPECT_DOUBLE_EQ(c.train.warmup_epochs, 5);
    }
    EXPECT_LT(c.train.warmup_epochs, static_cast<double>(c.train.epochs));
    if (c.head.type == method::HeadType::kSfar) {
      EXPECT_FALSE(c.descriptions.cache.empty());
      EXPECT_EQ(c.descriptions.num_subtexts, 4);
      EXPECT_DOUBLE_EQ(c.head.tau_coarse, 0.01);
      EXPECT_DOUBLE_EQ(c.head.tau_fine, 0.01);
    }
    EXPECT_EQ(c.protocol.report, ReportEpoch::kBest);  // the peers report the best epoch
    if (e.kind == "few-shot") {
      EXPECT_EQ(c.protocol.few_shot.shots, (std::vector<std::int64_t>{2, 4, 8, 16}));
      EXPECT_EQ(c.protocol.few_shot.list_pattern, e.list_pattern);
      EXPECT_FALSE(c.eval.list.empty());
      EXPECT_TRUE(c.protocol.few_shot.eval_lists.empty()) << "the paper tests on eval.list (val1)";
      // Epochs as long as the full training list: a stated length longer than the largest K list.
      EXPECT_TRUE(c.protocol.few_shot.repeat_to_full);
      if (!e.list_pattern.empty()) {
        const std::string largest = std::regex_replace(e.list_pattern, std::regex("\\{K\\}"), "16");
        std::ifstream k16(fs::path(test::source_dir()) / largest);
        const auto lines = std::count(std::istreambuf_iterator<char>(k16), {}, '\n');
        EXPECT_GT(lines, 0);
        EXPECT_GT(c.protocol.few_shot.full_length, lines);
      }
      EXPECT_NO_THROW(validate_protocol(ProtocolKind::kFewShot, c));
    }
    if (e.kind == "zero-shot") {
      ASSERT_EQ(c.protocol.zero_shot.targets.size(), e.targets);
      for (const auto& t : c.protocol.zero_shot.targets) {
        EXPECT_FALSE(t.descriptions.empty()) << t.name;
        EXPECT_EQ(t.group, c.protocol.zero_shot.targets[0].group);
      }
    }
    if (e.kind == "base-to-novel") {
      EXPECT_EQ(c.protocol.seeds, (std::vector<std::int64_t>{1, 2, 3}));
      const std::string& pattern = c.protocol.base_to_novel.train_list_pattern;
      EXPECT_EQ(fs::path(pattern).filename(), "fs_base_s{seed}_train.txt");
      EXPECT_NE(c.protocol.base_to_novel.novel_labels.find("novel"), std::string::npos);
      EXPECT_FALSE(c.protocol.base_to_novel.novel_descriptions.empty());
    }
  }
  EXPECT_EQ(seen.size(), known().size()) << "a config listed here is missing from configs/";
  EXPECT_GE(loaded, static_cast<int>(known().size()));
}

// The label and split files a shipped config names under data/ ship in the repository.
TEST(ProtocolConfigs, EveryDataFileAConfigNamesShipsInTheRepository) {
  const fs::path source = test::source_dir();
  int named = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source / "configs")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.find('#') != std::string::npos) line.erase(line.find('#'));
      // A path ends at its extension: flow mappings put "," or "}" right after it.
      static const std::regex kDataPath(R"((^|[\s:\[])(data/[\w./{}-]*?\.(txt|csv|json)))");
      for (std::sregex_iterator it(line.begin(), line.end(), kDataPath), end; it != end; ++it) {
        std::string path = (*it)[2].str();
        for (const auto& [key, value] : {std::pair<std::string, std::string>{"{K}", "2"}, {"{seed}", "1"}}) {
          const auto k = path.find(key);
          if (k != std::string::npos) path.replace(k, key.size(), value);
        }
        EXPECT_TRUE(fs::exists(source / path)) << entry.path() << " names " << path;
        ++named;
      }
    }
  }
  EXPECT_GE(named, 40);
}

TEST(ProtocolConfigs, ZeroShotTargetsUseTheirOwnClassFiles) {
  const auto c = load_sfar_run_config({test::source_dir() + "/configs/zero_shot/k400_to_k600.yaml"},
                                      {"data.root=/x", "protocol.zero_shot.root=/y"});
  EXPECT_EQ(c.data.labels, "data/labels/k400/kinetics_400_labels.csv");  // the source's classes
  const auto& t = c.protocol.zero_shot.targets;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].labels, "data/labels/k600/ZS_split2_K600.csv");
  EXPECT_EQ(t[1].list, "data/splits/vifi_clip/k600_splits/ZS_split2_K600_eval.txt");
  EXPECT_EQ(t[1].group, "K600");
  EXPECT_EQ(c.protocol.zero_shot.root, "/y");
}

}  // namespace
}  // namespace sfar::recipes
