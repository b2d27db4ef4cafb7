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

bool any_name_starts_with(const StateDict& weights, const std::string& prefix) {
  for (const auto& item : weights) {
    if (item.first.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// Renames every name that starts with `from` to start with `to` instead.
void rename_prefix(StateDict& weights, const std::string& from, const std::string& to) {
  StateDict renamed;
  for (auto& [name, tensor] : weights) {
    renamed[name.rfind(from, 0) == 0 ? to + name.substr(from.size()) : name] = std::move(tensor);
  }
  weights = std::move(renamed);
}

// ViFi-CLIP's ViFiCLIP module: image_encoder (CLIP's visual), text_encoder (transformer,
// positional_embedding, ln_final, text_projection), logit_scale and a prompt learner whose
// buffers are its class prompts' token embeddings.
FileActivation convert_vifi_clip(StateDict& weights, const std::string& where) {
  for (auto it = weights.begin(); it != weights.end();) {
    const std::string& name = it->first;
    if (name.rfind("prompt_learner.", 0) != 0) {
      ++it;
      continue;
    }
    const std::string part = name.substr(15);
    if (part != "token_prefix" && part != "token_suffix" && part != "complete_text_embeddings") {
      throw ModelError(where + ": tensor '" + name + "'",
                       "ViFi-CLIP prompt learning (learned context vectors) is not plain CLIP; sfar loads "
                       "ViFi-CLIP's fine-tuned towers without prompts only");
    }
    it = weights.erase(it);  // the class prompts' embeddings, recomputed from the class names
  }
  rename_prefix(weights, "image_encoder.", "visual.");
  rename_prefix(weights, "text_encoder.", "");
  if (!weights.count("token_embedding.weight")) {
    throw ModelError(where + ": token_embedding.weight",
                     "missing: ViFi-CLIP's text_encoder keeps no token embedding (its prompt learner "
                     "stores the class prompts already embedded), so the text tower cannot be rebuilt "
                     "from this file alone");
  }
  return {ClipActivation::kQuickGelu, "ViFi-CLIP's layout (image_encoder., text_encoder.), OpenAI's CLIP"};
}

}  // namespace

std::optional<FileActivation> convert_python_clip_layout(StateDict& weights, const std::string& where) {
  if (any_name_starts_with(weights, "image_encoder.") && any_name_starts_with(weights, "text_encoder.")) {
    return convert_vifi_clip(weights, where);
  }
  // open_clip's CustomTextCLIP keeps the text tower under "text."; CLIP keeps it at the top.
  if (any_name_starts_with(weights, "text.") && !weights.count("token_embedding.weight")) {
    for (const std::string part : {"transformer.", "token_embedding.", "positional_embedding", "ln_final.",
                                   "text_projection"}) {
      rename_prefix(weights, "text." + part, part);
    }
  }
  return std::nullopt;
}

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
