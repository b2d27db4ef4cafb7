// train.precision: parsed once into its enumerator, each name tied to its own enumerator (not
// to a position), and the Trainer's choices (loss scaling, autocast type) read from it.
#include "sfar/engine/precision.h"

#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/engine/train_options.h"
#include "sfar/engine/trainer.h"

namespace sfar::engine {
namespace {

TrainOptions read_precision(const std::string& name) {
  ConfigNode node = ConfigNode::map();
  node.set("precision", ConfigNode::scalar(name));
  return read_config<TrainOptions>(&node, "train");
}

TEST(Precision, ReadsEachNameAsItsOwnEnumerator) {
  EXPECT_EQ(read_precision("fp32").precision, Precision::kFp32);
  EXPECT_EQ(read_precision("bf16").precision, Precision::kBf16);
  EXPECT_EQ(read_precision("fp16").precision, Precision::kFp16);
  EXPECT_EQ(TrainOptions{}.precision, Precision::kFp32);  // the key left out
}

TEST(Precision, WritesTheNameBackAndRoundTripsEveryEntry) {
  TrainOptions o;
  o.precision = Precision::kFp16;
  EXPECT_EQ(write_config(o).find("precision")->text(), "fp16");
  for (const auto& entry : precisions()) {
    EXPECT_EQ(parse_precision(to_string(entry.value), "x"), entry.value) << entry.name;
    EXPECT_EQ(read_precision(entry.name).precision, entry.value) << entry.name;
  }
}

TEST(Precision, UnknownNamesAreErrorsNamingTheKey) {
  try {
    read_precision("fp8");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("train.precision"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fp32, bf16, fp16"), std::string::npos) << e.what();
  }
  try {
    parse_precision("FP16", "--precision");
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), "--precision");
    EXPECT_EQ(e.value(), "FP16");
  }
}

TEST(Precision, OnlyFp16ScalesTheLossAndEachAutocastsToItsOwnType) {
  EXPECT_FALSE(precision_entry(Precision::kFp32).autocast);
  EXPECT_FALSE(precision_entry(Precision::kBf16).loss_scaling);
  EXPECT_TRUE(precision_entry(Precision::kFp16).loss_scaling);
  EXPECT_EQ(compute_dtype(Precision::kFp32), torch::kFloat32);
  EXPECT_EQ(compute_dtype(Precision::kBf16), torch::kBFloat16);
  EXPECT_EQ(compute_dtype(Precision::kFp16), torch::kHalf);
}

}  // namespace
}  // namespace sfar::engine
