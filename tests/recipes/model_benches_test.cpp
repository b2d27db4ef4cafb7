// The model benchmarks on the tests' tiny CLIP: what they report describes the model they built
// (parameters, tensors, file sizes), bad options are refused by name, and the checkpoint bench
// deletes its temporary files but keeps those in a folder it was given.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "sfar/core/error.h"
#include "sfar/models/clip_model.h"
#include "sfar/recipes/model_benches.h"
#include "support/test_data.h"
#include "support/tiny_clip_config.h"

namespace sfar::recipes {
namespace {

TEST(ModelBenches, ForwardReportsTheModelItTimed) {
  const auto config = test::tiny_clip_config();
  const auto line = bench_forward(config, {.batch = 2, .iters = 1, .device = "cpu"});
  EXPECT_EQ(line["parameters"].get<std::int64_t>(), models::ClipModel(config)->parameter_count());
  EXPECT_GT(line["image_ms_per_item"].get<double>(), 0.0);
  EXPECT_GT(line["text_ms_per_item"].get<double>(), 0.0);
  EXPECT_EQ(line["precision"], "fp32");
}

TEST(ModelBenches, BadOptionsAreRefusedByName) {
  const auto config = test::tiny_clip_config();
  EXPECT_THROW(bench_forward(config, {.batch = 0}), ArgumentError);
  EXPECT_THROW(bench_forward(config, {.precision = engine::Precision::kFp16}), ArgumentError);
  EXPECT_THROW(bench_checkpoint(config, {.runs = 0}), ArgumentError);
}

TEST(ModelBenches, CheckpointReadsBackEveryTensorAndKeepsAGivenFolder) {
  const auto config = test::tiny_clip_config();
  test::TempDir dir;
  const auto line = bench_checkpoint(config, {.runs = 1, .dir = dir.file("kept")});
  EXPECT_EQ(line["tensors"].get<std::int64_t>(),
            static_cast<std::int64_t>(models::ClipModel(config)->named_parameters().size()));
  EXPECT_EQ(line["checkpoint_bytes"].get<std::int64_t>(),
            static_cast<std::int64_t>(std::filesystem::file_size(dir.file("kept/checkpoint.pt"))));
  EXPECT_GT(line["safetensors_bytes"].get<std::int64_t>(), 4 * line["parameters"].get<std::int64_t>() - 1);
  EXPECT_TRUE(std::filesystem::exists(dir.file("kept/export.safetensors")));
}

TEST(ModelBenches, CheckpointWithoutAFolderLeavesNoFiles) {
  const auto temporary = std::filesystem::temp_directory_path() /
                         ("sfar_bench_checkpoint_" + std::to_string(::getpid()));
  bench_checkpoint(test::tiny_clip_config(), {.runs = 1});
  EXPECT_FALSE(std::filesystem::exists(temporary)) << temporary;
}

}  // namespace
}  // namespace sfar::recipes
