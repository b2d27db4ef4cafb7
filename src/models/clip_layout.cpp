#include "sfar/models/clip_layout.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "sfar/core/error.h"

namespace sfar::models {
namespace {

bool all_names_start_with(const StateDict& weights, const std::string& prefix) {
  if (weights.empty()) return false;
  for (const auto& item : weights) {
    if (item.first.rfind(prefix, 0) != 0) return false;
  }
  return true;
}

// HF's CLIPTextConfig and CLIPVisionConfig default hidden_act to quick_gelu.
std::string tower_hidden_act(const nlohmann::json& config, const char* tower) {
  const auto& section = config.at(tower);
  if (!section.is_object() || !section.contains("hidden_act")) return "quick_gelu";
  const auto& act = section.at("hidden_act");
  return act.is_string() ? act.get<std::string>() : act.dump();
}

}  // namespace

void strip_wrapper_prefixes(StateDict& weights) {
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const std::string prefix : {"module.", "model."}) {
      if (!all_names_start_with(weights, prefix)) continue;
      StateDict renamed;
      for (auto& [name, tensor] : weights) renamed[name.substr(prefix.size())] = std::move(tensor);
      weights = std::move(renamed);
      stripped = true;
    }
  }
}

FileActivation hf_config_activation(const std::string& weights_path) {
  const auto config_path = (std::filesystem::path(weights_path).parent_path() / "config.json").string();
  std::ifstream file(config_path);
  if (!file) return {std::nullopt, "Hugging Face names, no config.json beside the file"};
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(file);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(config_path, std::string("not valid JSON: ") + e.what());
  }
  if (!config.is_object() || (!config.contains("text_config") && !config.contains("vision_config"))) {
    return {std::nullopt, "Hugging Face names, " + config_path + " has no text_config or vision_config"};
  }
  const std::string text = config.contains("text_config") ? tower_hidden_act(config, "text_config") : "quick_gelu";
  const std::string vision =
      config.contains("vision_config") ? tower_hidden_act(config, "vision_config") : "quick_gelu";
  if (text != vision) {
    throw ModelError(config_path, "text and vision towers use different activations (sfar's CLIP has one)",
                     text + " / " + vision);
  }
  if (text != "quick_gelu" && text != "gelu") {
    throw ModelError(config_path + ": hidden_act", "CLIP MLP activation not supported (quick_gelu or gelu)", text);
  }
  return {parse_clip_activation(text, config_path), config_path + " hidden_act " + text};
}

ClipActivation resolve_clip_activation(const FileActivation& file, const std::string& path,
                                       const ClipActivationChoice& choice) {
  const auto stated = stated_activation(choice.value);
  const std::string value = cfg::enum_name(choice.value, activation_setting_names());
  if (file.activation) {
    if (stated && *stated != *file.activation) {
      throw ConfigError(choice.key,
                        "contradicts " + path + " (" + file.evidence + "); set it to auto or " +
                            to_string(*file.activation),
                        value);
    }
    return *file.activation;
  }
  if (!stated) {
    throw ConfigError(choice.key,
                      path + " does not say which MLP activation its CLIP uses (" + file.evidence +
                          "): set quick_gelu for OpenAI's weights, gelu for open_clip models without "
                          "-quickgelu (LAION, DataComp)",
                      value);
  }
  return *stated;
}

}  // namespace sfar::models
