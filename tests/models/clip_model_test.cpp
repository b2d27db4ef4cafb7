// CLIP modules without data files: OpenAI's parameter names and counts, end-token pooling,
// causality, preprocessing geometry and the bf16 autocast path.
#include <gtest/gtest.h>

#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"
#include "sfar/models/clip_model.h"
#include "sfar/models/clip_preprocess.h"
#include "support/tiny_clip_config.h"

namespace sfar::models {
namespace {

using test::tiny_clip_config;

class ClipModelTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(0); }
};

TEST_F(ClipModelTest, ParameterNamesAreOpenAIStateDictKeys) {
  ClipModel model(tiny_clip_config());
  const auto parameters = model->named_parameters();
  for (const char* name :
       {"logit_scale", "positional_embedding", "text_projection", "token_embedding.weight",
        "ln_final.weight", "transformer.resblocks.1.attn.in_proj_weight",
        "transformer.resblocks.1.attn.in_proj_bias", "transformer.resblocks.1.attn.out_proj.weight",
        "transformer.resblocks.0.mlp.c_fc.bias", "transformer.resblocks.0.mlp.c_proj.weight",
        "transformer.resblocks.0.ln_2.bias", "visual.conv1.weight", "visual.class_embedding",
        "visual.positional_embedding", "visual.ln_pre.weight", "visual.ln_post.bias", "visual.proj",
        "visual.transformer.resblocks.1.attn.in_proj_weight"}) {
    EXPECT_TRUE(parameters.contains(name)) << name;
  }
  EXPECT_FALSE(parameters.contains("visual.conv1.bias"));  // OpenAI's patch conv has no bias
  // 2 towers x 2 blocks x 12 tensors + 5 text + 8 visual + logit_scale.
  EXPECT_EQ(parameters.size(), 4u * 12 + 5 + 8 + 1);
  EXPECT_EQ(model->parameter_count(), 7'244'929);
  EXPECT_EQ(model->parameter_count(), clip_parameter_count(tiny_clip_config()));
}

TEST_F(ClipModelTest, ViTB32HasOpenAIsParameterCount) {
  ClipModel model(clip_preset("ViT-B/32"));
  EXPECT_EQ(model->parameter_count(), 151'277'313);
}

TEST_F(ClipModelTest, ShapesOfEveryEncoder) {
  ClipModel model(tiny_clip_config());
  torch::NoGradGuard no_grad;
  const auto images = torch::randn({2, 3, 64, 64});
  auto tokens = torch::zeros({3, 77}, torch::kInt64);
  tokens.index_put_({torch::indexing::Slice(), 0}, 49406);
  tokens.index_put_({torch::indexing::Slice(), 5}, 49407);
  EXPECT_EQ(model->encode_image(images).sizes(), (torch::IntArrayRef{2, 64}));
  EXPECT_EQ(model->visual->forward_tokens(images).sizes(), (torch::IntArrayRef{2, 17, 128}));
  EXPECT_EQ(model->encode_text(tokens).sizes(), (torch::IntArrayRef{3, 64}));
  const auto logits = model->forward(images, tokens);
  EXPECT_EQ(logits.logits_per_image.sizes(), (torch::IntArrayRef{2, 3}));
  EXPECT_TRUE(torch::equal(logits.logits_per_text, logits.logits_per_image.t()));
  // Cosine similarity times exp(logit_scale) = 1 / 0.07 at initialisation.
  EXPECT_LE(logits.logits_per_image.abs().max().item<double>(), 1.0 / 0.07 + 1e-3);
  EXPECT_THROW(model->encode_image(torch::randn({1, 3, 32, 32})), ArgumentError);
}

TEST_F(ClipModelTest, PoolsAtTheFirstConfiguredEndToken) {
  ClipConfig config = tiny_clip_config();
  config.vocab_size = 1000;
  config.eot_token_id = 2;  // a SentencePiece-style end id, smaller than other ids
  ClipModel model(config);
  torch::NoGradGuard no_grad;
  auto tokens = torch::tensor({{1, 500, 600, 2, 0, 2}, {1, 999, 2, 0, 0, 0}}, torch::kInt64);
  const auto all = model->encode_text_tokens(tokens);
  EXPECT_EQ(all.eot_index[0].item<std::int64_t>(), 3);
  EXPECT_EQ(all.eot_index[1].item<std::int64_t>(), 2);
  const auto pooled = model->encode_text(tokens);
  EXPECT_TRUE(torch::allclose(pooled[0], all.features[0][3], 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(pooled[1], all.features[1][2], 1e-5, 1e-6));
  try {
    model->encode_text(torch::tensor({{1, 5, 6}, {1, 2, 0}}, torch::kInt64));
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("row 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(model->encode_text(torch::tensor({{1, 1000, 2}}, torch::kInt64)), ArgumentError);
}

TEST_F(ClipModelTest, TextTransformerIsCausal) {
  ClipModel model(tiny_clip_config());
  torch::NoGradGuard no_grad;
  auto a = torch::tensor({{49406, 10, 20, 30, 49407, 0, 0, 0}}, torch::kInt64);
  auto b = torch::tensor({{49406, 10, 20, 30, 49407, 7, 8, 9}}, torch::kInt64);
  const auto fa = model->encode_text_tokens(a).features;
  const auto fb = model->encode_text_tokens(b).features;
  EXPECT_TRUE(torch::allclose(fa.slice(1, 0, 5), fb.slice(1, 0, 5), 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(fa.slice(1, 5), fb.slice(1, 5), 1e-5, 1e-6));
}

TEST_F(ClipModelTest, Bf16AutocastStaysCloseToFp32) {
  ClipModel model(tiny_clip_config());
  model->eval();
  torch::NoGradGuard no_grad;
  const auto images = torch::randn({2, 3, 64, 64});
  const auto reference = model->encode_image(images);
  torch::Tensor mixed;
  {
    compat::AutocastGuard autocast(torch::kCPU, torch::kBFloat16);
    mixed = model->encode_image(images);
  }
  EXPECT_EQ(mixed.scalar_type(), torch::kBFloat16);  // the projection ran in bf16
  const double scale = reference.abs().max().item<double>();
  EXPECT_LT((mixed.to(torch::kFloat32) - reference).abs().max().item<double>(), 0.05 * scale);
}

TEST(ClipPreprocess, CentreCropUsesTorchvisionOffsets) {
  // Short side already at the resolution: no resize, crop columns 4..35 of 41 (round(4.5) = 4).
  auto image = torch::arange(41, torch::kInt64).to(torch::kUInt8).view({1, 1, 41}).expand({3, 32, 41}).contiguous();
  const auto cropped = resize_center_crop(image, 32);
  ASSERT_EQ(cropped.sizes(), (torch::IntArrayRef{3, 32, 32}));
  EXPECT_TRUE(torch::equal(cropped[0][0], torch::arange(4, 36, torch::kInt64).to(torch::kUInt8)));
}

TEST(ClipPreprocess, ResizesTheShortSideBicubic) {
  // A constant image stays constant; a portrait 100x60 image becomes 53x32 then 32x32.
  auto image = torch::full({3, 100, 60}, 200, torch::kUInt8);
  const auto out = resize_center_crop(image, 32);
  ASSERT_EQ(out.sizes(), (torch::IntArrayRef{3, 32, 32}));
  EXPECT_EQ(out.min().item<int>(), 200);
  EXPECT_EQ(out.max().item<int>(), 200);
  // Normalisation: (200 / 255 - mean) / std per channel.
  const auto normalised = clip_normalize(out);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(normalised[c][0][0].item<float>(), (200.0f / 255.0f - kClipMean[c]) / kClipStd[c], 1e-5);
  }
  EXPECT_THROW(resize_center_crop(torch::zeros({3, 8, 8}, torch::kFloat32), 4), ArgumentError);
}

TEST(ClipPreprocess, MissingImageNamesTheFile) {
  try {
    read_image_rgb("/nonexistent/cat.png");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cat.png"), std::string::npos);
  }
}

}  // namespace
}  // namespace sfar::models
