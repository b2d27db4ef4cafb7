#include "sfar/engine/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sfar/core/error.h"
#include "sfar/engine/train_options.h"

namespace sfar::engine {
namespace {

TEST(LrSchedule, WarmupThenCosineAtKnownSteps) {
  // 10 epochs x 10 steps, 2 warm-up epochs: W = 20, T = 100.
  const auto s = LrSchedule::from_epochs(1.0, 0.1, 10, 2, 10, "step");
  EXPECT_EQ(s.warmup_steps(), 20);
  EXPECT_EQ(s.total_steps(), 100);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 1.0 / 20);
  EXPECT_DOUBLE_EQ(s.lr_at(9), 10.0 / 20);
  EXPECT_DOUBLE_EQ(s.lr_at(19), 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(20), 1.0);                       // cosine starts at the peak
  EXPECT_DOUBLE_EQ(s.lr_at(60), 0.1 + 0.9 * 0.5);           // half way: cos(pi/2) = 0
  EXPECT_NEAR(s.lr_at(40), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-15);
  EXPECT_NEAR(s.lr_at(99), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * 79.0 / 80.0)), 1e-15);
  EXPECT_DOUBLE_EQ(s.lr_at(100), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(1000), 0.1);
}

TEST(LrSchedule, EpochUnitHoldsTheRateWithinAnEpoch) {
  const auto s = LrSchedule::from_epochs(2.0, 0.0, 4, 1, 5, "epoch");  // W = 5, T = 20
  for (int step = 0; step < 5; ++step) EXPECT_DOUBLE_EQ(s.lr_at(step), 2.0);  // 1 warm-up epoch
  for (int step = 5; step < 10; ++step) EXPECT_DOUBLE_EQ(s.lr_at(step), 2.0);  // cosine at t=0
  EXPECT_DOUBLE_EQ(s.lr_at(10), 0.5 * 2.0 * (1 + std::cos(M_PI * 5.0 / 15.0)));
  EXPECT_DOUBLE_EQ(s.lr_at(14), s.lr_at(10));
  const auto two = LrSchedule::from_epochs(1.0, 0.0, 4, 1.5, 5, "epoch");  // warm-up rounds up
  EXPECT_DOUBLE_EQ(two.lr_at(0), 0.5);
  EXPECT_DOUBLE_EQ(two.lr_at(7), 1.0);
}

TEST(LrSchedule, FractionalWarmupInStepsAndNoWarmup) {
  const auto s = LrSchedule::from_epochs(1.0, 0.0, 2, 0.5, 8, "step");  // W = 4, T = 16
  EXPECT_EQ(s.warmup_steps(), 4);
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.5);
  const auto none = LrSchedule::from_epochs(1.0, 0.0, 1, 0, 4, "step");
  EXPECT_DOUBLE_EQ(none.lr_at(0), 1.0);
  EXPECT_DOUBLE_EQ(none.lr_at(2), 0.5);
}

TEST(LrSchedule, WarmupRoundedOverTheWholeRunEndsOneStepEarly) {
  const auto one = LrSchedule::from_epochs(1.0, 0.0, 1, 0.5, 1, "step");  // rounds to 1 of 1 step
  EXPECT_EQ(one.warmup_steps(), 0);
  EXPECT_DOUBLE_EQ(one.lr_at(0), 1.0);
  const auto epochs = LrSchedule::from_epochs(1.0, 0.0, 2, 1.5, 3, "epoch");  // ceil: 2 of 2 epochs
  EXPECT_EQ(epochs.warmup_steps(), 5);
  EXPECT_DOUBLE_EQ(epochs.lr_at(0), 0.5);
  EXPECT_DOUBLE_EQ(epochs.lr_at(3), 1.0);
}

TEST(LrSchedule, BadValuesNameTheValue) {
  try {
    LrSchedule::from_epochs(1.0, 0.0, 2, 0, 4, "minute");
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.value(), "minute");
  }
  EXPECT_THROW(LrSchedule(1.0, 0.0, 10, 10), ArgumentError);
  EXPECT_THROW(LrSchedule(1.0, 2.0, 0, 10), ArgumentError);
}

TEST(TrainOptions, ValidationNamesKeyAndValue) {
  TrainOptions o;
  o.batch_size = 64;
  o.micro_batch = 24;
  try {
    validate_train_options(o, "cpu");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "train.micro_batch");
    EXPECT_EQ(e.value(), "24");
  }
  o.micro_batch = 16;
  EXPECT_EQ(o.accumulation_steps(), 4);
  EXPECT_NO_THROW(validate_train_options(o, "cpu"));
  o.precision = Precision::kBf16;
  try {
    validate_train_options(o, "cpu");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "train.precision");
    EXPECT_EQ(e.value(), "bf16");
    EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos);
  }
  EXPECT_NO_THROW(validate_train_options(o, "cuda:0"));
  o.betas = {0.9, 1.0};
  EXPECT_THROW(validate_train_options(o, "cuda"), ConfigError);
}

TEST(TrainOptions, ReadsAndRejectsUnknownKeys) {
  ConfigNode node = ConfigNode::map();
  node.set("lr", ConfigNode::scalar("0.001"));
  node.set("precison", ConfigNode::scalar("fp16"));
  try {
    read_config<TrainOptions>(&node, "train");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("train.precison"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sfar::engine
