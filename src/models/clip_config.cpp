#include "sfar/models/clip_config.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "sfar/core/error.h"

namespace sfar::models {
namespace {

struct Preset {
  const char* name;
  ClipConfig config;
};

ClipConfig make_config(std::int64_t embed, std::int64_t resolution, std::int64_t vision_layers,
                       std::int64_t vision_width, std::int64_t patch, std::int64_t text_width,
                       std::int64_t text_layers) {
  ClipConfig config;
  config.embed_dim = embed;
  config.image_resolution = resolution;
  config.vision_layers = vision_layers;
  config.vision_width = vision_width;
  config.vision_patch_size = patch;
  config.transformer_width = text_width;
  config.transformer_heads = text_width / 64;
  config.transformer_layers = text_layers;
  return config;
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> kPresets = {
      {"ViT-B/32", make_config(512, 224, 12, 768, 32, 512, 12)},
      {"ViT-B/16", make_config(512, 224, 12, 768, 16, 512, 12)},
      {"ViT-L/14", make_config(768, 224, 24, 1024, 14, 768, 12)},
      {"ViT-L/14@336px", make_config(768, 336, 24, 1024, 14, 768, 12)},
  };
  return kPresets;
}

// One transformer layer: attention in/out projections, two LayerNorms, the 4x MLP.
std::int64_t block_parameters(std::int64_t width) { return 12 * width * width + 13 * width; }

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

std::string to_string(ClipActivation activation) { return cfg::enum_name(activation, clip_activation_names()); }

ClipActivation parse_clip_activation(const std::string& name, const std::string& where) {
  return cfg::parse_enum<ClipActivation>(name, clip_activation_names(), where);
}

std::optional<ClipActivation> stated_activation(ActivationSetting setting) {
  switch (setting) {
    case ActivationSetting::kQuickGelu: return ClipActivation::kQuickGelu;
    case ActivationSetting::kGelu: return ClipActivation::kGelu;
    case ActivationSetting::kAuto: break;
  }
  return std::nullopt;
}

bool ClipConfig::operator==(const ClipConfig& o) const {
  return embed_dim == o.embed_dim && image_resolution == o.image_resolution &&
         vision_layers == o.vision_layers && vision_width == o.vision_width &&
         vision_patch_size == o.vision_patch_size && context_length == o.context_length &&
         vocab_size == o.vocab_size && transformer_width == o.transformer_width &&
         transformer_heads == o.transformer_heads && transformer_layers == o.transformer_layers &&
         eot_token_id == o.eot_token_id && activation == o.activation;
}

void validate_clip_config(const ClipConfig& c) {
  const std::pair<const char*, std::int64_t> sizes[] = {
      {"embed_dim", c.embed_dim},           {"image_resolution", c.image_resolution},
      {"vision_layers", c.vision_layers},   {"vision_width", c.vision_width},
      {"vision_patch_size", c.vision_patch_size}, {"context_length", c.context_length},
      {"vocab_size", c.vocab_size},         {"transformer_width", c.transformer_width},
      {"transformer_heads", c.transformer_heads}, {"transformer_layers", c.transformer_layers}};
  for (const auto& [name, value] : sizes) {
    if (value <= 0) throw ArgumentError(std::string("clip.") + name, "must be positive", std::to_string(value));
  }
  if (c.image_resolution % c.vision_patch_size != 0) {
    throw ArgumentError("clip.image_resolution", "must be a multiple of vision_patch_size (" +
                        std::to_string(c.vision_patch_size) + ")", std::to_string(c.image_resolution));
  }
  if (c.vision_width % 64 != 0) {
    throw ArgumentError("clip.vision_width", "must be a multiple of the head size 64",
                        std::to_string(c.vision_width));
  }
  if (c.transformer_width % c.transformer_heads != 0) {
    throw ArgumentError("clip.transformer_width", "must be a multiple of transformer_heads (" +
                        std::to_string(c.transformer_heads) + ")", std::to_string(c.transformer_width));
  }
  if (c.eot_token_id < 0 || c.eot_token_id >= c.vocab_size) {
    throw ArgumentError("clip.eot_token_id", "must be an id below vocab_size (" +
                        std::to_string(c.vocab_size) + ")", std::to_string(c.eot_token_id));
  }
}

ClipConfig clip_preset(const std::string& name) {
  for (const auto& preset : presets()) {
    if (name == preset.name) return preset.config;
  }
  std::string known;
  for (const auto& preset : presets()) known += (known.empty() ? "" : ", ") + std::string(preset.name);
  throw ArgumentError("--arch", "unknown CLIP architecture; known: " + known, name);
}

std::vector<std::string> clip_preset_names() {
  std::vector<std::string> names;
  for (const auto& preset : presets()) names.push_back(preset.name);
  return names;
}

std::int64_t clip_parameter_count(const ClipConfig& c) {
  const std::int64_t w = c.vision_width;
  const std::int64_t tokens = c.grid_size() * c.grid_size() + 1;
  const std::int64_t visual = 3 * w * c.vision_patch_size * c.vision_patch_size  // conv1
                              + w + tokens * w                                  // class, positions
                              + 4 * w                                           // ln_pre, ln_post
                              + c.vision_layers * block_parameters(w) + w * c.embed_dim;
  const std::int64_t t = c.transformer_width;
  const std::int64_t text = c.vocab_size * t + c.context_length * t + 2 * t +
                            c.transformer_layers * block_parameters(t) + t * c.embed_dim;
  return visual + text + 1;  // + logit_scale
}

ClipConfig infer_clip_config(const TensorShapes& shapes, const std::string& where) {
  if (shapes.count("visual.layer1.0.conv1.weight") || shapes.count("visual.attnpool.c_proj.weight")) {
    throw ModelError(where, "CLIP checkpoints with a ResNet image tower are not supported");
  }
  const char* required[][2] = {{"visual.conv1.weight", "4"}, {"visual.positional_embedding", "2"},
                               {"text_projection", "2"},     {"positional_embedding", "2"},
                               {"token_embedding.weight", "2"}, {"ln_final.weight", "1"}};
  std::string missing;
  for (const auto& [name, rank] : required) {
    auto found = shapes.find(name);
    if (found == shapes.end()) {
      missing += std::string(missing.empty() ? "" : ", ") + name;
    } else if (found->second.size() != static_cast<std::size_t>(std::stoi(rank))) {
      throw ModelError(where + ": tensor '" + name + "'", "expected " + std::string(rank) +
                       " dimensions", shape_text(found->second));
    }
  }
  if (!missing.empty()) {
    throw ModelError(where, "not a CLIP ViT checkpoint: missing tensors", missing);
  }
  ClipConfig c;
  const auto& conv = shapes.at("visual.conv1.weight");
  c.vision_width = conv[0];
  c.vision_patch_size = conv.back();
  const auto grid = static_cast<std::int64_t>(
      std::llround(std::sqrt(static_cast<double>(shapes.at("visual.positional_embedding")[0] - 1))));
  c.image_resolution = c.vision_patch_size * grid;
  c.embed_dim = shapes.at("text_projection")[1];
  c.context_length = shapes.at("positional_embedding")[0];
  c.vocab_size = shapes.at("token_embedding.weight")[0];
  c.transformer_width = shapes.at("ln_final.weight")[0];
  c.transformer_heads = c.transformer_width / 64;
  // The end-of-text id is not in the weights: CLIP BPE's 49407 when the vocabulary holds it,
  // else the last id as a placeholder until the tokenizer's end id is set (set_eot_token_id),
  // as for a small CLIP pre-trained with a SentencePiece vocabulary (`sfar pretrain`).
  c.eot_token_id = std::min(c.eot_token_id, c.vocab_size - 1);

  // Layers: distinct block indices under each tower's resblocks.
  std::set<std::string> vision_blocks, text_blocks;
  const std::string vision_prefix = "visual.transformer.resblocks.";
  const std::string text_prefix = "transformer.resblocks.";
  for (const auto& entry : shapes) {
    const std::string& name = entry.first;
    if (name.rfind(vision_prefix, 0) == 0) {
      vision_blocks.insert(name.substr(vision_prefix.size(), name.find('.', vision_prefix.size()) - vision_prefix.size()));
    } else if (name.rfind(text_prefix, 0) == 0) {
      text_blocks.insert(name.substr(text_prefix.size(), name.find('.', text_prefix.size()) - text_prefix.size()));
    }
  }
  c.vision_layers = static_cast<std::int64_t>(vision_blocks.size());
  c.transformer_layers = static_cast<std::int64_t>(text_blocks.size());
  try {
    validate_clip_config(c);
  } catch (const ArgumentError& e) {
    throw ModelError(where, "inferred an invalid architecture: " + std::string(e.what()));
  }
  return c;
}

}  // namespace sfar::models
