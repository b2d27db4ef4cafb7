#include "sfar/models/clip_info.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "sfar/models/clip_loader.h"
#include "support/test_data.h"

namespace sfar::models {
namespace {

// A CLIP small enough to write and read back at once: one block per tower, 64 wide.
ClipConfig one_block_clip() {
  ClipConfig c = clip_preset("ViT-B/32");
  c.vision_layers = c.transformer_layers = 1;
  c.vision_width = c.transformer_width = 64;
  c.transformer_heads = 2;
  c.embed_dim = 32;
  c.image_resolution = 64;
  c.context_length = 8;
  c.vocab_size = 100;
  c.eot_token_id = 99;
  c.activation = ClipActivation::kGelu;
  return c;
}

TEST(ClipInfo, APresetCountsOpenAIsParametersAndTakesAStatedActivation) {
  const auto info = nlohmann::json::parse(clip_preset_info_json("ViT-B/16", ActivationSetting::kAuto));
  EXPECT_EQ(info["arch"], "ViT-B/16");
  EXPECT_EQ(info["parameters"], 149620737);
  EXPECT_EQ(info["vision_heads"], 12);
  EXPECT_EQ(info["activation"], "quick_gelu");
  EXPECT_FALSE(info.contains("weights"));
  const auto gelu = nlohmann::json::parse(clip_preset_info_json("ViT-B/16", ActivationSetting::kGelu));
  EXPECT_EQ(gelu["activation"], "gelu");
  EXPECT_THROW(clip_preset_info_json("ViT-X/1", ActivationSetting::kAuto), ArgumentError);
}

TEST(ClipInfo, AWeightsFileReportsTheLoadedModelAndNeedsItsActivationStated) {
  torch::manual_seed(0);
  ClipModel model(one_block_clip());
  test::TempDir dir;
  const std::string path = dir.file("tiny.pt");
  save_clip_state_dict(clip_state_dict(*model), path);
  const auto info = nlohmann::json::parse(clip_weights_info_json(path, ActivationSetting::kGelu));
  EXPECT_EQ(info["weights"], path);
  EXPECT_EQ(info["parameters"], model->parameter_count());
  EXPECT_EQ(info["embed_dim"], 32);
  EXPECT_EQ(info["vision_layers"], 1);
  EXPECT_EQ(info["activation"], "gelu");
  EXPECT_EQ(info["format"], to_string(detect_clip_weight_format(path)));
  // A torch.save state_dict does not say which activation it was trained with: no guess.
  EXPECT_THROW(clip_weights_info_json(path, ActivationSetting::kAuto), Error);
}

}  // namespace
}  // namespace sfar::models
