// CLIP against reference outputs: the same random weights as an OpenAI TorchScript release, as
// Hugging Face safetensors and as a torch.save state_dict must all give the reference's features
// and logits to 1e-4.
//
// ClipReference (default suite): several tiny architectures whose weights and features
// open_clip computes at test time (support/make_references.py, in the build tree).
// ClipGoldenRealData (extra suite): the golden that OpenAI's own model.py produced, from the
// folder $SFAR_DATA_DIR names (golden/clip_public).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_preprocess.h"
#include "models/clip_reference_check.h"
#include "support/test_data.h"

namespace sfar::models {
namespace {

using golden::expect_matches;
using golden::kTolerance;
using golden::max_abs_diff;
using golden::matrix;
using golden::read_golden;


const char* kDir = "golden/clip_public/";
const char* kArchs[] = {"vit_tiny", "vit_narrow", "vit_wide"};

// The generated reference of `arch`: its directory, with a trailing slash.
std::string reference_dir(const std::string& arch) { return test::reference_path("clip/" + arch + "/"); }

// The shared golden (extra suite), made by OpenAI's model.py: QuickGELU.
void expect_matches_golden(const std::string& weights, const std::string& label) {
  expect_matches(weights, "quick_gelu", test::data_path(std::string(kDir) + "clip_golden.json"),
                 test::data_path(kDir), label);
}

class ClipReference : public ::testing::TestWithParam<const char*> {};

TEST_P(ClipReference, OpenAIStateDictMatchesOpenClip) {
  const std::string dir = reference_dir(GetParam());
  EXPECT_EQ(detect_clip_weight_format(dir + "openai.pt"), ClipWeightFormat::kStateDict);
  expect_matches(dir + "openai.pt", "quick_gelu", dir + "golden.json", dir, std::string(GetParam()) + "/openai.pt");
}

TEST_P(ClipReference, HuggingFaceSafetensorsMatchOpenClip) {
  const std::string dir = reference_dir(GetParam());
  EXPECT_EQ(detect_clip_weight_format(dir + "model.safetensors"), ClipWeightFormat::kSafetensors);
  // config.json beside it says quick_gelu.
  expect_matches(dir + "model.safetensors", "auto", dir + "golden.json", dir, std::string(GetParam()) + "/model.safetensors");
}

TEST_P(ClipReference, BothLayoutsHoldTheSameWeights) {
  const std::string dir = reference_dir(GetParam());
  const StateDict a = read_clip_state_dict(dir + "openai.pt");
  const StateDict b = read_clip_state_dict(dir + "model.safetensors");
  ASSERT_EQ(shapes_of(a), shapes_of(b));
  for (const auto& [name, tensor] : a) EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
}

INSTANTIATE_TEST_SUITE_P(OpenClip, ClipReference, ::testing::ValuesIn(kArchs));

// OpenAI's release layout: TorchScript, fp16 Linear/Conv/attention weights, scalar buffers.
TEST(ClipReferenceTorchScript, ReleaseLayoutMatchesOpenClipAndTheStateDict) {
  const std::string dir = reference_dir("vit_tiny");
  const std::string weights = dir + "openai_torchscript.pt";
  EXPECT_EQ(detect_clip_weight_format(weights), ClipWeightFormat::kTorchScript);
  expect_matches(weights, "auto", dir + "golden.json", dir, "vit_tiny/openai_torchscript.pt");
  const StateDict a = read_clip_state_dict(weights);
  const StateDict b = read_clip_state_dict(dir + "openai.pt");
  ASSERT_EQ(shapes_of(a), shapes_of(b));
  for (const auto& [name, tensor] : a) {
    EXPECT_EQ(tensor.scalar_type(), torch::kFloat32) << name;
    EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
  }
  EXPECT_EQ(a.count("input_resolution") + a.count("context_length") + a.count("vocab_size"), 0u);
}

TEST(ClipReferenceTorchScript, TorchSaveStateDictRoundTrip) {
  const std::string dir = reference_dir("vit_tiny");
  test::TempDir scratch;
  // A name without extension: the format is found from the bytes.
  const std::string saved = scratch.file("state_dict_without_extension");
  save_clip_state_dict(read_clip_state_dict(dir + "openai_torchscript.pt"), saved);
  EXPECT_EQ(detect_clip_weight_format(saved), ClipWeightFormat::kStateDict);
  expect_matches(saved, "quick_gelu", dir + "golden.json", dir, "torch.save state_dict");
}

TEST(ClipGoldenRealData, OpenAITorchScriptRelease) {
  SFAR_REQUIRE_DATA(weights, std::string(kDir) + "clip_random.pt");
  SFAR_REQUIRE_DATA(json, std::string(kDir) + "clip_golden.json");
  EXPECT_EQ(detect_clip_weight_format(weights), ClipWeightFormat::kTorchScript);
  expect_matches_golden(weights, "clip_random.pt");
}

TEST(ClipGoldenRealData, HuggingFaceSafetensors) {
  SFAR_REQUIRE_DATA(weights, std::string(kDir) + "model.safetensors");
  SFAR_REQUIRE_DATA(json, std::string(kDir) + "clip_golden.json");
  EXPECT_EQ(detect_clip_weight_format(weights), ClipWeightFormat::kSafetensors);
  expect_matches_golden(weights, "model.safetensors");
}

TEST(ClipGoldenRealData, TorchSaveStateDictRoundTrip) {
  SFAR_REQUIRE_DATA(weights, std::string(kDir) + "clip_random.pt");
  SFAR_REQUIRE_DATA(json, std::string(kDir) + "clip_golden.json");
  test::TempDir dir;
  // A name without extension: the format is found from the bytes.
  const std::string saved = dir.file("state_dict_without_extension");
  save_clip_state_dict(read_clip_state_dict(weights), saved);
  EXPECT_EQ(detect_clip_weight_format(saved), ClipWeightFormat::kStateDict);
  expect_matches_golden(saved, "torch.save state_dict");
}

// The pixels a binary without image codecs reads (tests/cuda/clip_reference_cuda_test.cpp) are
// the PNGs': the same features either way.
TEST(ClipReferenceTorchScript, TensorImagesAreThePngImages) {
  const std::string dir = reference_dir("vit_tiny");
  const auto json = read_golden(dir + "golden.json");
  const auto png = golden::golden_images(json, dir, 64, false);
  const auto tensors = golden::golden_images(json, dir, 64, true);
  ASSERT_EQ(png.size(), 3u);
  ASSERT_EQ(tensors.size(), png.size());
  for (std::size_t i = 0; i < png.size(); ++i) EXPECT_TRUE(torch::equal(png[i], tensors[i])) << i;
}

TEST(ClipGoldenRealData, AllFormatsHoldTheSameWeights) {
  SFAR_REQUIRE_DATA(pt, std::string(kDir) + "clip_random.pt");
  SFAR_REQUIRE_DATA(hf, std::string(kDir) + "model.safetensors");
  const StateDict a = read_clip_state_dict(pt);
  const StateDict b = read_clip_state_dict(hf);
  ASSERT_EQ(shapes_of(a), shapes_of(b));
  for (const auto& [name, tensor] : a) {
    EXPECT_EQ(tensor.scalar_type(), torch::kFloat32) << name;
    EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
  }
  // OpenAI's scalar buffers are not weights.
  EXPECT_EQ(a.count("input_resolution") + a.count("context_length") + a.count("vocab_size"), 0u);
}

TEST(ClipGolden, TokenFeaturesPoolAtTheEndToken) {
  const std::string weights = test::tiny_clip_path();
  const std::string json = reference_dir("vit_tiny") + "golden.json";
  const auto golden = read_golden(json);
  ClipModel model = load_clip(weights, {ActivationSetting::kQuickGelu});
  torch::NoGradGuard no_grad;
  const auto tokens = matrix(golden["text_tokens"], torch::kInt64);
  const ClipTextTokens all = model->encode_text_tokens(tokens);
  ASSERT_EQ(all.features.sizes(), (torch::IntArrayRef{tokens.size(0), 77, 64}));
  EXPECT_TRUE(torch::equal(all.eot_index, tokens.argmax(1)));  // OpenAI pools at argmax
  const auto pooled = all.features.index({torch::arange(tokens.size(0)), all.eot_index});
  EXPECT_LT(max_abs_diff(pooled, matrix(golden["text_features"])), kTolerance);
}

// Loading errors list each offending tensor with its shape.
std::string load_error(const StateDict& weights) {
  ClipModel model(infer_clip_config(shapes_of(weights), "weights.pt"));
  try {
    load_clip_weights(*model, weights, "weights.pt");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

TEST(ClipGolden, MissingUnexpectedAndMisshapedTensorsAreListed) {
  const StateDict good = read_clip_state_dict(test::tiny_clip_path());

  StateDict missing = good;
  missing.erase("visual.transformer.resblocks.1.mlp.c_fc.bias");
  auto message = load_error(missing);
  EXPECT_NE(message.find("weights.pt"), std::string::npos) << message;
  EXPECT_NE(message.find("missing 1: visual.transformer.resblocks.1.mlp.c_fc.bias [512]"), std::string::npos) << message;

  StateDict extra = good;
  extra["visual.attnpool.extra"] = torch::zeros({2, 3});
  message = load_error(extra);
  EXPECT_NE(message.find("unexpected 1: visual.attnpool.extra [2, 3]"), std::string::npos) << message;

  StateDict misshaped = good;
  misshaped["ln_final.bias"] = torch::zeros({127});
  message = load_error(misshaped);
  EXPECT_NE(message.find("mis-shaped 1: ln_final.bias [127] (model [128])"), std::string::npos) << message;
}

TEST(ClipGolden, BrokenFilesNameTheFile) {
  const std::string hf = reference_dir("vit_tiny") + "model.safetensors";
  test::TempDir dir;
  // The first 4 KiB of the real file: the header says more data than there is.
  const std::string truncated = dir.file("truncated.safetensors");
  {
    std::ifstream in(hf, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(truncated, std::ios::binary) << head;
  }
  try {
    load_clip(truncated, {});
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(truncated), std::string::npos) << e.what();
  }
  const std::string garbage = dir.file("garbage.pt");
  std::ofstream(garbage, std::ios::binary) << "this is not a checkpoint at all";
  try {
    load_clip(garbage, {});
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(garbage), std::string::npos) << e.what();
  }
}

TEST(ClipGolden, HuggingFaceAttentionNeedsQKV) {
  const std::string hf = reference_dir("vit_tiny") + "model.safetensors";
  StateDict weights;
  weights["text_model.encoder.layers.0.self_attn.q_proj.weight"] = torch::zeros({128, 128});
  weights["text_model.encoder.layers.0.self_attn.v_proj.weight"] = torch::zeros({128, 128});
  try {
    convert_hf_clip_state_dict(weights, hf);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("transformer.resblocks.0.attn.in_proj_weight"), std::string::npos) << message;
    EXPECT_NE(message.find("k_proj"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace sfar::models
