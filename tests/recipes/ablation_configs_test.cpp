// The paper's ablation rows (METHOD.md "Ablation", Kinetics-400) ship as run configs under
// configs/ablations/k400/: each loads, resolves through `sfar config print` to the same head, and
// builds a model with exactly the intended parts, whose forward runs on the tiny reference CLIP.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "sfar/core/atomic_file.h"
#include "sfar/method/sfar_model.h"
#include "sfar/models/clip_loader.h"
#include "sfar/recipes/sfar_run_config.h"
#include "support/run_binary.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

namespace fs = std::filesystem;

struct AblationRow {
  const char* file;
  const char* head;
  bool temporal, coarse, fine;
};

// Rows in the paper's order: fine-tuned CLIP 79.9; + temporal transformer 80.3; fine branch
// only 82.7; coarse branch only 83.5; both (SFAR) 84.5.
const AblationRow kRows[] = {
    {"clip_mean.yaml", "mean", false, false, false},   {"temporal.yaml", "temporal", true, false, false},
    {"fine_only.yaml", "fine", false, false, true},    {"coarse_only.yaml", "coarse", false, true, false},
    {"sfar_both.yaml", "sfar", false, true, true},
};

std::string ablation_path(const std::string& file) {
  return test::source_dir() + "/configs/ablations/k400/" + file;
}

// The head's top-level sub-modules ("temporal", "coarse", "ffn_coarse", ...).
std::set<std::string> head_parts(const method::VideoHeadImpl& head) {
  std::set<std::string> parts;
  for (const auto& child : head.named_children()) parts.insert(child.key());
  return parts;
}

TEST(AblationConfigs, EveryRowShipsAndNoOtherFile) {
  std::set<std::string> shipped, expected;
  for (const auto& entry : fs::directory_iterator(ablation_path(""))) shipped.insert(entry.path().filename().string());
  for (const auto& row : kRows) expected.insert(row.file);
  EXPECT_EQ(shipped, expected);
}

TEST(AblationConfigs, EachRowResolvesThroughConfigPrintToItsHead) {
  test::TempDir dir;
  for (const auto& row : kRows) {
    SCOPED_TRACE(row.file);
    const SfarRunConfig direct = load_sfar_run_config({ablation_path(row.file)}, {"data.root=/data/k400"});
    EXPECT_EQ(method::to_string(direct.head.type), row.head);
    EXPECT_EQ(direct.head.temporal, false);  // the temporal row's transformer is its head type
    EXPECT_EQ(direct.descriptions.cache.empty(), !row.coarse && !row.fine);
    // The row differs from the recipe only in its head: same data, optimizer and schedule.
    EXPECT_EQ(direct.train.batch_size, 256);
    EXPECT_EQ(direct.train.epochs, 30);
    EXPECT_DOUBLE_EQ(direct.train.lr, 5e-5);
    EXPECT_EQ(direct.data.num_frames, 8);

    const auto printed = test::run_binary(
        SFAR_BINARY, "config print -c " + ablation_path(row.file) + " --set data.root=/data/k400", dir);
    ASSERT_EQ(printed.status, 0) << printed.err;
    const std::string resolved = dir.file(std::string("resolved_") + row.file);
    write_file_atomic(resolved, printed.out);
    const SfarRunConfig reread = load_sfar_run_config({resolved});
    EXPECT_EQ(sfar_run_config_to_yaml(reread), sfar_run_config_to_yaml(direct));
    EXPECT_NE(printed.out.find(std::string("head:\n  type: \"") + row.head + "\"\n"), std::string::npos) << printed.out;
  }
}

TEST(AblationConfigs, EachRowBuildsTheIntendedHeadAndRunsForward) {
  const std::string weights = test::tiny_clip_path();
  const auto tokenizer = text::load_tokenizer({TokenizerKind::kClipBpe, test::clip_vocab_path(), ""});
  method::ClassTexts texts;
  texts.global = {"a video of a person abseiling.", "a video of a person juggling."};
  texts.sub = {{"A rope is tied.", "The climber leans back.", "Feet walk down.", "The rope slides."},
               {"Balls go up.", "Hands cross.", "A ball is caught.", "The rhythm holds."}};
  for (const auto& row : kRows) {
    SCOPED_TRACE(row.file);
    const SfarRunConfig config = load_sfar_run_config({ablation_path(row.file)}, {"data.root=/data/k400"});
    torch::manual_seed(0);
    auto clip = models::load_clip(weights, {ActivationSetting::kQuickGelu});
    clip->set_eot_token_id(tokenizer->end_id());
    const method::TextBank bank = method::build_class_text_bank(*clip, *tokenizer, texts, 77);
    method::SfarModel model(clip, config.head, config.loss.learn_logit_scale);

    std::set<std::string> expected;
    if (row.temporal) expected.insert("temporal");
    if (row.coarse) expected.insert({"coarse", "ffn_coarse"});
    if (row.fine) expected.insert("ffn_fine");
    EXPECT_EQ(head_parts(*model->head), expected);

    const std::int64_t r = model->clip->config().image_resolution;
    const auto clips = torch::randn({2, config.data.num_frames, 3, r, r});
    torch::NoGradGuard no_grad;
    model->eval();
    const method::SfarOutput out = model->forward(clips, bank);
    EXPECT_EQ(out.logits.sizes(), (std::vector<std::int64_t>{2, 2}));
    EXPECT_TRUE(torch::isfinite(out.logits).all().item<bool>());
    EXPECT_EQ(out.coarse_weights.defined(), row.coarse);
    EXPECT_EQ(out.fine_weights.defined(), row.fine);
    for (const auto* weights_of : {&out.coarse_weights, &out.fine_weights}) {
      if (!weights_of->defined()) continue;
      // [B, C, T] frame weights, a softmax over the frames.
      EXPECT_EQ(weights_of->sizes(), (std::vector<std::int64_t>{2, 2, config.data.num_frames}));
      EXPECT_TRUE(torch::allclose(weights_of->sum(-1), torch::ones({2, 2}), 1e-5, 1e-5));
    }
  }
}

}  // namespace
}  // namespace sfar::recipes
