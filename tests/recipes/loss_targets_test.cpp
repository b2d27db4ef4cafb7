// The multi-label training targets and mAP: hand-computed values.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "sfar/core/error.h"
#include "sfar/method/alignment_loss.h"
#include "sfar/recipes/loss_targets.h"

namespace sfar::recipes {
namespace {

TEST(LossTargets, BinaryCrossEntropyByHand) {
  const auto logits = torch::tensor({0.0, 2.0, -1.0, 1.0}, torch::kFloat64).view({2, 2});
  const auto targets = torch::tensor({1.0, 1.0, 0.0, 1.0}, torch::kFloat64).view({2, 2});
  LossConfig bce;
  bce.type = LossType::kBce;
  // mean of -log s(0), -log s(2), -log(1 - s(-1)), -log s(1); s = sigmoid.
  auto s = [](double v) { return 1 / (1 + std::exp(-v)); };
  const double expected = -(std::log(s(0)) + std::log(s(2)) + std::log(1 - s(-1)) + std::log(s(1))) / 4;
  EXPECT_NEAR(training_loss(logits, targets, bce).item<double>(), expected, 1e-12);
  // Single labels become one-hot targets.
  const auto labels = torch::tensor(std::vector<std::int64_t>{1, 0});
  const double one_hot = -(std::log(1 - s(0)) + std::log(s(2)) + std::log(s(-1)) + std::log(1 - s(1))) / 4;
  EXPECT_NEAR(training_loss(logits, labels, bce).item<double>(), one_hot, 1e-12);
}

TEST(LossTargets, MultiHotInfoNceAndErrors) {
  const auto logits = torch::tensor({3.0, 1.0, 0.5, 0.2, 2.0, 1.5}, torch::kFloat64).view({2, 3});
  const auto targets = torch::tensor({1.0, 0.0, 1.0, 0.0, 1.0, 0.0}, torch::kFloat64).view({2, 3});
  LossConfig infonce;
  infonce.lambda = 0.5;
  EXPECT_NEAR(training_loss(logits, targets, infonce).item<double>(),
              method::multi_label_info_nce_loss(logits, targets, 0.5).total.item<double>(), 1e-12);
  LossConfig ce;
  ce.type = LossType::kCe;
  try {
    training_loss(logits, targets, ce);
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), "loss.type");
    EXPECT_EQ(e.value(), "ce");
  }
  EXPECT_THROW(training_loss(logits, targets.narrow(1, 0, 2), infonce), ArgumentError);
}

TEST(LossTargets, MeanAveragePrecisionByHand) {
  // Class 0: scores 0.9 (+), 0.8 (-), 0.7 (+) -> AP = (1 + 2/3) / 2. Class 1: 0.1 (-), 0.6 (+),
  // 0.3 (-) -> AP = 1. Class 2 has no positive: left out.
  const auto scores = torch::tensor({0.9, 0.1, 0.5, 0.8, 0.6, 0.5, 0.7, 0.3, 0.5}).view({3, 3});
  const auto targets = torch::tensor({1, 0, 0, 0, 1, 0, 1, 0, 0}).view({3, 3}).to(torch::kFloat32);
  const auto m = multi_label_metrics(scores, targets);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NEAR(m.at("mAP"), 100 * ((1 + 2.0 / 3) / 2 + 1) / 2, 1e-9);
  EXPECT_TRUE(torch::allclose(class_scores(scores, LossType::kBce), scores.sigmoid()));
  EXPECT_TRUE(torch::allclose(class_scores(scores, LossType::kInfoNce).sum(-1), torch::ones({3})));
}

}  // namespace
}  // namespace sfar::recipes
