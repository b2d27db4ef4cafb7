// CLIP embeddings of images and texts in batches, behind `sfar encode-image` and
// `sfar encode-text`: unnormalised, as OpenAI's encode_image / encode_text give them, one JSON
// object per item handed to `emit` in input order ({"image", "embedding"} or
// {"text", "tokens", "embedding"}).
//
//   recipes::encode_images(options, {"a.jpg"}, [](const nlohmann::json& line) { print(line); });
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sfar/core/sfar_config.h"
#include "sfar/engine/precision.h"
#include "sfar/text/tokenizer.h"

namespace sfar::recipes {

struct ClipEncodeOptions {
  std::string weights;
  ActivationSetting activation = ActivationSetting::kAuto;
  std::string device = "auto";
  engine::Precision precision = engine::Precision::kFp32;  // fp16 is refused: nothing to scale
  std::int64_t batch = 16;                                 // items per forward pass
  text::TokenizerSpec tokenizer;                           // texts only
};

using EmitLine = std::function<void(const nlohmann::json&)>;

// ArgumentError naming --batch or --precision for a bad option; errors from loading name the file.
void encode_images(const ClipEncodeOptions& options, const std::vector<std::string>& images, const EmitLine& emit);
void encode_texts(const ClipEncodeOptions& options, const std::vector<std::string>& texts, const EmitLine& emit);

}  // namespace sfar::recipes
