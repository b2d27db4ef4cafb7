// CLIP variants load right or are refused: the MLP activation (OpenAI's QuickGELU, open_clip's
// exact GELU) comes from the file's layout or is stated, wrapper prefixes are removed, and a
// file that says nothing or cannot be identified is an error naming it. Features are compared
// with what open_clip computed on the same random weights (support/make_references.py:
// vit_tiny_gelu, and vit_b16_layout: OpenAI ViT-B/16's patch 16, 224 px, width 768 with 12
// heads and text width 512 with 8 heads, but 2 + 1 layers, as the depth is read from the names).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sfar/core/error.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_preprocess.h"
#include "support/test_data.h"

namespace sfar::models {
namespace {

constexpr double kTolerance = 1e-4;

std::string reference_dir(const std::string& arch) { return test::reference_path("clip/" + arch + "/"); }

nlohmann::json read_json(const std::string& path) {
  std::ifstream file(path);
  return nlohmann::json::parse(file);
}

torch::Tensor matrix(const nlohmann::json& rows) {
  std::vector<torch::Tensor> out;
  for (const auto& row : rows) out.push_back(torch::tensor(row.get<std::vector<double>>()));
  return torch::stack(out);
}

struct Features {
  torch::Tensor image, text;
};

// The model's image and text features on the reference's images and tokens.
Features encode(ClipModel& model, const std::string& dir) {
  const auto golden = read_json(dir + "golden.json");
  std::vector<torch::Tensor> images;
  for (const auto& name : golden["images"]) {
    images.push_back(load_clip_image(dir + name.get<std::string>(), model->config().image_resolution));
  }
  std::vector<torch::Tensor> tokens;
  for (const auto& row : golden["text_tokens"]) tokens.push_back(torch::tensor(row.get<std::vector<std::int64_t>>()));
  torch::NoGradGuard no_grad;
  return {model->encode_image(torch::stack(images)), model->encode_text(torch::stack(tokens))};
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// Largest difference of image and text features from open_clip's.
double diff_from_open_clip(ClipModel& model, const std::string& dir) {
  const auto golden = read_json(dir + "golden.json");
  const Features f = encode(model, dir);
  return std::max(max_abs_diff(f.image, matrix(golden["image_features"])),
                  max_abs_diff(f.text, matrix(golden["text_features"])));
}

// The message of the `Expected` error that `load` throws; a failure if it throws nothing.
template <class Expected, class Load>
std::string load_error(Load load) {
  try {
    load();
  } catch (const Expected& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

TEST(ClipVariants, GeluStateDictStatedGeluMatchesOpenClip) {
  const std::string dir = reference_dir("vit_tiny_gelu");
  ClipModel model = load_clip(dir + "openai.pt", {ActivationSetting::kGelu});
  EXPECT_EQ(model->config().activation, ClipActivation::kGelu);
  EXPECT_LT(diff_from_open_clip(model, dir), kTolerance);
}

// The check can fail: the same weights under the other activation are far from open_clip.
TEST(ClipVariants, GeluWeightsUnderQuickGeluDoNotMatch) {
  const std::string dir = reference_dir("vit_tiny_gelu");
  ClipModel model = load_clip(dir + "openai.pt", {ActivationSetting::kQuickGelu});
  EXPECT_GT(diff_from_open_clip(model, dir), 100 * kTolerance);
}

TEST(ClipVariants, HuggingFaceConfigJsonSaysGelu) {
  const std::string dir = reference_dir("vit_tiny_gelu");
  ClipModel model = load_clip(dir + "model.safetensors", {ActivationSetting::kAuto});
  EXPECT_EQ(model->config().activation, ClipActivation::kGelu);
  EXPECT_LT(diff_from_open_clip(model, dir), kTolerance);

  // A stated activation that contradicts config.json is refused, naming both.
  const auto message =
      load_error<ConfigError>([&] { load_clip(dir + "model.safetensors", {ActivationSetting::kQuickGelu}); });
  EXPECT_NE(message.find("model.activation"), std::string::npos) << message;
  EXPECT_NE(message.find(dir + "config.json"), std::string::npos) << message;
}

TEST(ClipVariants, QuickGeluViTB16LayoutMatchesOpenClip) {
  const std::string dir = reference_dir("vit_b16_layout");
  ClipModel model = load_clip(dir + "openai.pt", {ActivationSetting::kQuickGelu});
  ClipConfig expected = clip_preset("ViT-B/16");
  expected.vision_layers = 2;
  expected.transformer_layers = 1;
  EXPECT_EQ(model->config(), expected);
  EXPECT_EQ(model->config().vision_heads(), 12);
  EXPECT_LT(diff_from_open_clip(model, dir), kTolerance);
}

TEST(ClipVariants, TorchScriptIsOpenAIsQuickGelu) {
  const std::string weights = reference_dir("vit_tiny") + "openai_torchscript.pt";
  EXPECT_EQ(load_clip(weights, {ActivationSetting::kAuto})->config().activation, ClipActivation::kQuickGelu);
  const auto message = load_error<ConfigError>([&] { load_clip(weights, {ActivationSetting::kGelu, "--activation"}); });
  EXPECT_NE(message.find("--activation"), std::string::npos) << message;
  EXPECT_NE(message.find(weights), std::string::npos) << message;
}

TEST(ClipVariants, UnstatedStateDictActivationNamesTheFileAndKey) {
  const std::string weights = reference_dir("vit_tiny_gelu") + "openai.pt";
  const auto message = load_error<ConfigError>([&] { load_clip(weights, {ActivationSetting::kAuto}); });
  EXPECT_NE(message.find(weights), std::string::npos) << message;
  EXPECT_NE(message.find("model.activation"), std::string::npos) << message;
}

TEST(ClipVariants, HuggingFaceWithoutConfigJsonNeedsTheActivationStated) {
  test::TempDir dir;
  const std::string copy = dir.file("model.safetensors");
  std::filesystem::copy_file(reference_dir("vit_tiny_gelu") + "model.safetensors", copy);
  const auto message = load_error<ConfigError>([&] { load_clip(copy, {ActivationSetting::kAuto}); });
  EXPECT_NE(message.find(copy), std::string::npos) << message;
  EXPECT_NE(message.find("model.activation"), std::string::npos) << message;
  ClipModel model = load_clip(copy, {ActivationSetting::kGelu});
  EXPECT_LT(diff_from_open_clip(model, reference_dir("vit_tiny_gelu")), kTolerance);
}

StateDict with_prefix(const StateDict& weights, const std::string& prefix) {
  StateDict out;
  for (const auto& [name, tensor] : weights) out[prefix + name] = tensor;
  return out;
}

TEST(ClipVariants, DdpAndWrapperPrefixesLoadIdentically) {
  const std::string dir = reference_dir("vit_tiny_gelu");
  const StateDict plain = read_clip_state_dict(dir + "openai.pt");
  ClipModel reference = load_clip(dir + "openai.pt", {ActivationSetting::kGelu});
  const Features expected = encode(reference, dir);
  test::TempDir scratch;
  for (const std::string prefix : {"module.", "model.", "module.model."}) {
    const std::string path = scratch.file("prefixed.pt");
    save_clip_state_dict(with_prefix(plain, prefix), path);
    EXPECT_EQ(read_clip_state_dict(path).size(), plain.size()) << prefix;
    ClipModel model = load_clip(path, {ActivationSetting::kGelu});
    const Features got = encode(model, dir);
    EXPECT_TRUE(torch::equal(got.image, expected.image)) << prefix;
    EXPECT_TRUE(torch::equal(got.text, expected.text)) << prefix;
  }
}

// A prefix on some names only is not a wrapper: nothing is renamed and the layout is refused.
TEST(ClipVariants, PartlyPrefixedNamesAreRefusedNamingTheFile) {
  StateDict weights = read_clip_state_dict(reference_dir("vit_tiny") + "openai.pt");
  auto node = weights.extract("ln_final.weight");
  node.key() = "module.ln_final.weight";
  weights.insert(std::move(node));
  test::TempDir scratch;
  const std::string path = scratch.file("partly_prefixed.pt");
  save_clip_state_dict(weights, path);
  EXPECT_EQ(read_clip_state_dict(path).count("module.ln_final.weight"), 1u);
  const auto message = load_error<ModelError>([&] { load_clip(path, {ActivationSetting::kQuickGelu}); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("ln_final.weight"), std::string::npos) << message;
}

// Names of no known layout: a ModelError naming the file, before the activation is asked for.
TEST(ClipVariants, UnidentifiableLayoutNamesTheFile) {
  test::TempDir scratch;
  const std::string path = scratch.file("not_clip.pt");
  save_clip_state_dict({{"encoder.layer.0.weight", torch::zeros({4, 4})}, {"head.bias", torch::zeros({4})}}, path);
  const auto message = load_error<ModelError>([&] { load_clip(path, {ActivationSetting::kAuto}); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not a CLIP ViT checkpoint"), std::string::npos) << message;
}

}  // namespace
}  // namespace sfar::models
