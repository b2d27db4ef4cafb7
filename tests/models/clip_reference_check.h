// The CLIP reference check shared by the models tests (PNG images, on the CPU) and the CUDA
// tests (the same pixels from images.safetensors, on the GPU, in the GPU check's pack): loads
// weights, runs images and texts, and compares config, parameter count, features and logits
// with open_clip's golden.json (tests/support/make_references.py).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "sfar/core/torch_compat.h"
#include "sfar/io/safetensors_reader.h"
#include "sfar/models/clip_loader.h"
#include "sfar/models/clip_preprocess.h"

namespace sfar::models::golden {

constexpr double kTolerance = 1e-4;

inline nlohmann::json read_golden(const std::string& path) {
  std::ifstream file(path);
  return nlohmann::json::parse(file);
}

inline torch::Tensor matrix(const nlohmann::json& rows, torch::Dtype dtype = torch::kFloat32) {
  std::vector<torch::Tensor> out;
  for (const auto& row : rows) {
    if (dtype == torch::kInt64) {
      out.push_back(torch::tensor(row.get<std::vector<std::int64_t>>()));
    } else {
      out.push_back(torch::tensor(row.get<std::vector<double>>()).to(dtype));
    }
  }
  return torch::stack(out);
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kCPU, torch::kFloat64) - b.to(torch::kCPU, torch::kFloat64)).abs().max().item<double>();
}

// Where and how precisely the model runs: fp32 on the CPU by default; on a GPU in fp32, or
// under bf16 autocast, whose difference from the fp32 reference is reported and bounded.
struct GoldenRun {
  torch::Device device = torch::kCPU;
  std::optional<at::ScalarType> autocast;
  double tolerance = kTolerance;  // of max |diff|; under autocast, of max |diff| / max |golden|
  bool tensor_images = false;     // read the images from images.safetensors, not the PNG files
};

// The reference's images, preprocessed for CLIP: decoded from the PNG files `golden` names, or
// taken from images.safetensors beside them (the same pixels, make_references.py), which a
// binary without image codecs can read.
inline std::vector<torch::Tensor> golden_images(const nlohmann::json& golden, const std::string& image_dir,
                                                std::int64_t resolution, bool tensor_images) {
  std::vector<torch::Tensor> images;
  if (!tensor_images) {
    for (const auto& name : golden["images"]) images.push_back(load_clip_image(image_dir + name.get<std::string>(), resolution));
    return images;
  }
  const io::SafetensorsReader reader(image_dir + "images.safetensors");
  const io::SafetensorsEntry& e = reader.entry("images");
  EXPECT_EQ(e.dtype, "U8");
  EXPECT_EQ(e.shape.size(), 4u);
  if (e.dtype != "U8" || e.shape.size() != 4 || e.shape[0] != static_cast<std::int64_t>(golden["images"].size())) {
    ADD_FAILURE() << image_dir << "images.safetensors does not hold the golden's images";
    return images;
  }
  const auto all = torch::from_blob(const_cast<std::byte*>(reader.bytes(e)), e.shape, torch::kUInt8).clone();
  for (std::int64_t i = 0; i < e.shape[0]; ++i) images.push_back(clip_preprocess(all[i].permute({2, 0, 1}), resolution));
  return images;
}

// Loads `weights` with `activation` ("auto" or stated) and checks config, parameter count,
// features and logits against the JSON `golden_file`, whose images lie in `image_dir`.
inline void expect_matches(const std::string& weights, const std::string& activation, const std::string& golden_file,
                    const std::string& image_dir, const std::string& label, const GoldenRun& run = {}) {
  const auto golden = read_golden(golden_file);
  ClipModel model =
      load_clip(weights, {cfg::parse_enum<ActivationSetting>(activation, activation_setting_names(), "activation")});
  model->to(run.device);
  torch::NoGradGuard no_grad;
  std::optional<compat::AutocastGuard> autocast;
  if (run.autocast) autocast.emplace(run.device.type(), *run.autocast);

  const auto& c = golden["config"];
  ClipConfig expected;
  expected.embed_dim = c["embed_dim"];
  expected.image_resolution = c["image_resolution"];
  expected.vision_layers = c["vision_layers"];
  expected.vision_width = c["vision_width"];
  expected.vision_patch_size = c["vision_patch_size"];
  expected.context_length = c["context_length"];
  expected.vocab_size = c["vocab_size"];
  expected.transformer_width = c["transformer_width"];
  expected.transformer_heads = c["transformer_heads"];
  expected.transformer_layers = c["transformer_layers"];
  expected.activation = parse_clip_activation(c.value("activation", "quick_gelu"), golden_file);
  EXPECT_EQ(model->config(), expected);
  EXPECT_EQ(model->parameter_count(), golden["param_count"].get<std::int64_t>());
  EXPECT_EQ(clip_parameter_count(model->config()), golden["param_count"].get<std::int64_t>());

  const auto images = golden_images(golden, image_dir, model->config().image_resolution, run.tensor_images);
  ASSERT_FALSE(images.empty()) << image_dir;
  const auto image_batch = torch::stack(images).to(run.device);
  const auto tokens = matrix(golden["text_tokens"], torch::kInt64).to(run.device);

  const auto diff = [&](const torch::Tensor& got, const torch::Tensor& expected) {
    const double abs = max_abs_diff(got, expected);
    return run.autocast ? abs / expected.abs().max().item<double>() : abs;
  };
  const double image_diff = diff(model->encode_image(image_batch), matrix(golden["image_features"]));
  const double text_diff = diff(model->encode_text(tokens), matrix(golden["text_features"]));
  const double logit_diff =
      diff(model->forward(image_batch, tokens).logits_per_image, matrix(golden["logits_per_image"]));
  std::cout << "[ golden ] " << label << (run.autocast ? ": max |diff| / max |golden| image " : ": max |diff| image ")
            << image_diff << ", text " << text_diff << ", logits " << logit_diff << "\n";
  EXPECT_LT(image_diff, run.tolerance) << label;
  EXPECT_LT(text_diff, run.tolerance) << label;
  EXPECT_LT(logit_diff, run.tolerance) << label;
}

}  // namespace sfar::models::golden
