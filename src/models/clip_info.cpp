#include "sfar/models/clip_info.h"

#include <nlohmann/json.hpp>

#include "sfar/models/clip_loader.h"

namespace sfar::models {
namespace {

nlohmann::json clip_config_json(const ClipConfig& c) {
  return {{"embed_dim", c.embed_dim},
          {"image_resolution", c.image_resolution},
          {"vision_layers", c.vision_layers},
          {"vision_width", c.vision_width},
          {"vision_patch_size", c.vision_patch_size},
          {"vision_heads", c.vision_heads()},
          {"context_length", c.context_length},
          {"vocab_size", c.vocab_size},
          {"transformer_width", c.transformer_width},
          {"transformer_heads", c.transformer_heads},
          {"transformer_layers", c.transformer_layers},
          {"activation", to_string(c.activation)}};
}

std::string line_of(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string clip_preset_info_json(const std::string& arch, ActivationSetting activation) {
  ClipConfig config = clip_preset(arch);
  if (const auto stated = stated_activation(activation)) config.activation = *stated;
  nlohmann::json out = clip_config_json(config);
  out["arch"] = arch;
  out["parameters"] = clip_parameter_count(config);
  return line_of(out);
}

std::string clip_weights_info_json(const std::string& weights, ActivationSetting activation) {
  const ClipWeightFormat format = detect_clip_weight_format(weights);
  ClipModel model = load_clip(weights, {activation, "--activation"});
  nlohmann::json out = clip_config_json(model->config());
  out["weights"] = weights;
  out["format"] = to_string(format);
  out["parameters"] = model->parameter_count();
  return line_of(out);
}

}  // namespace sfar::models
