// The step `sfar bench train` times is the step `sfar train` runs: its loss is training_loss of
// the config's loss.type on the same batch, and loss.scope is decided in one place
// (whole_batch_loss), so a global loss over micro-batches is the loss of the whole batch.
#include "sfar/recipes/sfar_step.h"

#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/recipes/bench_train.h"
#include "sfar/models/clip_loader.h"
#include "sfar/recipes/loss_targets.h"
#include "support/test_data.h"

namespace sfar::recipes {
namespace {

constexpr std::int64_t kEmbedDim = 64, kSize = 64;  // the tiny reference CLIP's

struct Batch {
  torch::Tensor clips, labels;
  method::TextBank bank;
};

// B videos of 2 frames, 5 classes with 2 sub-texts each.
Batch batch(std::int64_t B) {
  torch::manual_seed(1);
  return {torch::randn({B, 2, 3, kSize, kSize}), torch::tensor(std::vector<std::int64_t>{0, 3, 1, 3}).narrow(0, 0, B),
          random_text_bank(5, 2, kEmbedDim, torch::kCPU)};
}

// The tiny reference CLIP with `head` (its own weights seeded alike every time).
method::SfarModel model(method::HeadType head) {
  torch::manual_seed(0);
  method::HeadOptions options;
  options.type = head;
  return method::SfarModel(models::load_clip(test::tiny_clip_path(), {ActivationSetting::kQuickGelu}), options);
}

TEST(SfarStep, WholeBatchLossIsGlobalScopeOverMicroBatchesOrRanks) {
  LossConfig global, micro;
  micro.scope = LossScope::kMicroBatch;
  EXPECT_FALSE(whole_batch_loss(global, 1, false));  // one micro-batch: its own loss is the batch's
  EXPECT_TRUE(whole_batch_loss(global, 2, false));
  EXPECT_TRUE(whole_batch_loss(global, 1, true));
  EXPECT_FALSE(whole_batch_loss(micro, 4, true));
}

// The bench's drift: its own loss_of timed InfoNCE for loss.type bce.
TEST(SfarStep, BenchLossIsTrainingLossOfEveryLossType) {
  const Batch b = batch(4);
  for (const LossType type : {LossType::kInfoNce, LossType::kCe, LossType::kBce}) {
    auto m = model(method::HeadType::kSfar);
    LossConfig loss;
    loss.type = type;
    SyntheticTrainTask task(m, b.bank, b.clips, b.labels, loss, 1, 4);
    EXPECT_FALSE(task.whole_step());
    const double bench = task.loss(engine::StepContext{}).item<double>();
    const double training = training_loss(m->forward(b.clips, b.bank).logits, b.labels, loss).item<double>();
    EXPECT_NEAR(bench, training, 1e-6 * std::abs(training)) << to_string(type);
  }
  // The types give different numbers on this batch, so the check above tells them apart.
  LossConfig info, bce;
  bce.type = LossType::kBce;
  const auto logits = model(method::HeadType::kSfar)->forward(b.clips, b.bank).logits;
  EXPECT_GT(std::abs(training_loss(logits, b.labels, info).item<double>() -
                     training_loss(logits, b.labels, bce).item<double>()),
            1e-3);
}

// The first step's loss through the Trainer, as the bench runs it.
double first_step_loss(const Batch& b, const LossConfig& loss, std::int64_t micro) {
  auto m = model(method::HeadType::kSfar);
  SyntheticTrainTask task(m, b.bank, b.clips, b.labels, loss, 1, micro);
  engine::TrainerSetup setup;
  setup.options.batch_size = b.clips.size(0);
  setup.options.micro_batch = micro;
  setup.options.epochs = 1;
  setup.options.warmup_epochs = 0;
  engine::Trainer trainer(m.ptr(), task, setup);
  trainer.train_step();
  return trainer.last_loss();
}

TEST(SfarStep, GlobalScopeOverMicroBatchesIsTheWholeBatchLossOfItsType) {
  const Batch b = batch(4);
  for (const LossType type : {LossType::kInfoNce, LossType::kBce}) {
    LossConfig global, micro;
    global.type = micro.type = type;
    micro.scope = LossScope::kMicroBatch;
    const double whole = training_loss(model(method::HeadType::kSfar)->forward(b.clips, b.bank).logits, b.labels,
                                       global).item<double>();
    // (micro-batches of 4, the whole batch, take the per-micro-batch path: the test above)
    EXPECT_NEAR(first_step_loss(b, global, 2), whole, 1e-5 * std::abs(whole)) << to_string(type);
    if (type == LossType::kInfoNce) {  // per micro-batch, the contrastive loss sees other negatives
      EXPECT_GT(std::abs(first_step_loss(b, micro, 2) - whole), 1e-4 * std::abs(whole));
    }
  }
}

TEST(SfarStep, BenchTaskRefusesAMicroBatchThatDoesNotDivideTheBatch) {
  const Batch b = batch(4);
  EXPECT_THROW(SyntheticTrainTask(model(method::HeadType::kMean), b.bank, b.clips, b.labels, {}, 1, 3),
               ArgumentError);
}

}  // namespace
}  // namespace sfar::recipes
