// CLIP architecture presets, parameter counts (OpenAI's numbers) and inference from shapes.
#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/models/clip_config.h"

namespace sfar::models {
namespace {

TEST(ClipConfig, PresetParameterCountsMatchOpenAI) {
  EXPECT_EQ(clip_parameter_count(clip_preset("ViT-B/32")), 151'277'313);
  EXPECT_EQ(clip_parameter_count(clip_preset("ViT-B/16")), 149'620'737);
  EXPECT_EQ(clip_parameter_count(clip_preset("ViT-L/14")), 427'616'513);
  EXPECT_EQ(clip_parameter_count(clip_preset("ViT-L/14@336px")), 427'944'193);
}

TEST(ClipConfig, UnknownPresetListsTheKnownOnes) {
  try {
    clip_preset("ViT-H/14");
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("ViT-H/14"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("ViT-L/14@336px"), std::string::npos);
  }
}

// Shapes of an OpenAI state_dict for `c`, as OpenAI's model.py would save them.
TensorShapes openai_shapes(const ClipConfig& c) {
  TensorShapes shapes;
  const auto w = c.vision_width, t = c.transformer_width;
  shapes["visual.conv1.weight"] = {w, 3, c.vision_patch_size, c.vision_patch_size};
  shapes["visual.positional_embedding"] = {c.grid_size() * c.grid_size() + 1, w};
  shapes["visual.proj"] = {w, c.embed_dim};
  for (std::int64_t i = 0; i < c.vision_layers; ++i) {
    shapes["visual.transformer.resblocks." + std::to_string(i) + ".attn.in_proj_weight"] = {3 * w, w};
  }
  for (std::int64_t i = 0; i < c.transformer_layers; ++i) {
    shapes["transformer.resblocks." + std::to_string(i) + ".ln_1.weight"] = {t};
  }
  shapes["text_projection"] = {t, c.embed_dim};
  shapes["positional_embedding"] = {c.context_length, t};
  shapes["token_embedding.weight"] = {c.vocab_size, t};
  shapes["ln_final.weight"] = {t};
  return shapes;
}

TEST(ClipConfig, InfersEveryPresetFromShapes) {
  for (const auto& name : clip_preset_names()) {
    const ClipConfig preset = clip_preset(name);
    EXPECT_EQ(infer_clip_config(openai_shapes(preset), name), preset) << name;
  }
}

// A small CLIP with a SentencePiece vocabulary, as `sfar pretrain` writes it: the end id is not
// in the weights, so it becomes the last id until the tokenizer sets it.
TEST(ClipConfig, InfersASmallCustomClipWithASmallVocabulary) {
  ClipConfig small;
  small.embed_dim = 128;
  small.image_resolution = 64;
  small.vision_patch_size = 8;
  small.vision_width = 128;
  small.vision_layers = 4;
  small.context_length = 32;
  small.vocab_size = 300;
  small.transformer_width = 128;
  small.transformer_heads = 2;
  small.transformer_layers = 3;
  small.eot_token_id = 299;
  EXPECT_EQ(infer_clip_config(openai_shapes(small), "small.pt"), small);
  EXPECT_EQ(infer_clip_config(openai_shapes(clip_preset("ViT-B/16")), "b16").eot_token_id, 49407);
}

TEST(ClipConfig, MissingTensorsAreListed) {
  auto shapes = openai_shapes(clip_preset("ViT-B/32"));
  shapes.erase("ln_final.weight");
  shapes.erase("text_projection");
  try {
    infer_clip_config(shapes, "weights.pt");
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("weights.pt"), std::string::npos) << message;
    EXPECT_NE(message.find("text_projection, ln_final.weight"), std::string::npos) << message;
  }
}

TEST(ClipConfig, ResNetTowerIsReportedAsUnsupported) {
  auto shapes = openai_shapes(clip_preset("ViT-B/32"));
  shapes["visual.layer1.0.conv1.weight"] = {64, 64, 1, 1};
  EXPECT_THROW(infer_clip_config(shapes, "RN50.pt"), ModelError);
}

TEST(ClipConfig, ValidationNamesTheField) {
  ClipConfig config = clip_preset("ViT-B/16");
  config.image_resolution = 230;
  try {
    validate_clip_config(config);
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), "clip.image_resolution");
    EXPECT_EQ(e.value(), "230");
  }
}

// The activation is part of the description: spelled as the config key, compared, and
// QuickGELU for OpenAI's presets.
TEST(ClipConfig, ActivationRoundTripsAndTakesPartInEquality) {
  for (auto activation : {ClipActivation::kQuickGelu, ClipActivation::kGelu}) {
    EXPECT_EQ(parse_clip_activation(to_string(activation), "model.activation"), activation);
  }
  EXPECT_EQ(to_string(ClipActivation::kGelu), "gelu");
  EXPECT_EQ(clip_preset("ViT-B/16").activation, ClipActivation::kQuickGelu);
  ClipConfig gelu = clip_preset("ViT-B/16");
  gelu.activation = ClipActivation::kGelu;
  EXPECT_NE(gelu, clip_preset("ViT-B/16"));
  try {
    parse_clip_activation("gelu_tanh", "model.activation");
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_EQ(e.where(), "model.activation");
    EXPECT_EQ(e.value(), "gelu_tanh");
  }
}

}  // namespace
}  // namespace sfar::models
