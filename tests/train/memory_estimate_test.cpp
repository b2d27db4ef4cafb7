// The dry run's memory estimate (counted bytes on hand-sized tensors) and the multi-label
// training targets and mAP (hand-computed values).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <c10/core/CPUAllocator.h>

#include <cmath>

#include "sfar/core/error.h"
#include "sfar/method/alignment_loss.h"
#include "sfar/train/loss_targets.h"
#include "sfar/train/memory_estimate.h"

namespace sfar::train {
namespace {

TEST(MemoryEstimate, CountsWhatAutogradSaves) {
  torch::manual_seed(0);
  const auto w = torch::randn({1000}, torch::requires_grad());
  const auto x = torch::randn({1000});
  // Each tanh saves its 1000-float output for the backward pass; the product is not saved.
  auto chain = [&](int n) {
    return measure_activations([&, n] {
      auto y = w * x;
      for (int i = 0; i < n; ++i) y = y.tanh();
      return y.sum();
    });
  };
  c10::Allocator* before = c10::GetCPUAllocator();
  const auto one = chain(1), three = chain(3);
  EXPECT_EQ(c10::GetCPUAllocator(), before);  // put back
  ASSERT_TRUE(one.measured);
  EXPECT_EQ(three.saved_bytes - one.saved_bytes, 2 * 4000);
  EXPECT_GE(one.saved_bytes, 4000);
  EXPECT_LT(one.saved_bytes, 4000 + 256);  // plus the scalar loss
  EXPECT_GE(three.peak_bytes, three.saved_bytes);
  EXPECT_TRUE(w.grad().defined());
}

TEST(MemoryEstimate, ParametersGradientsAndAdamW) {
  torch::nn::Sequential model(torch::nn::Linear(10, 20), torch::nn::Linear(20, 5));
  model[1]->as<torch::nn::Linear>()->weight.set_requires_grad(false);  // 100 frozen floats
  ActivationMeasurement per_clip;
  per_clip.measured = true;
  per_clip.saved_bytes = 1000;
  const auto e = estimate_training_memory(*model, per_clip, 8);
  const std::int64_t all = 10 * 20 + 20 + 20 * 5 + 5, trainable = all - 100;
  EXPECT_EQ(e.parameter_bytes, 4 * all);
  EXPECT_EQ(e.gradient_bytes, 4 * trainable);
  EXPECT_EQ(e.optimizer_bytes, 2 * 4 * trainable);
  EXPECT_EQ(e.activation_bytes, 8000);
  EXPECT_EQ(e.total_bytes, 4 * all + 12 * trainable + 8000);
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1536), "1.50 KiB");
  EXPECT_EQ(human_bytes(3LL << 30), "3.00 GiB");
}

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
}  // namespace sfar::train
