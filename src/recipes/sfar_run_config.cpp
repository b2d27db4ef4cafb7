#include "sfar/recipes/sfar_run_config.h"

#include <filesystem>

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"

namespace sfar::recipes {

namespace fs = std::filesystem;

// The tables are static: the names returned by reference outlive the call.
const std::string& loss_scope_name(LossScope scope) { return cfg::enum_name(scope, loss_scope_names()); }

const std::string& to_string(LossType type) { return cfg::enum_name(type, loss_type_names()); }

std::string under_root(const std::string& path, const std::string& root) {
  if (path.empty() || root.empty() || fs::path(path).is_absolute() || fs::exists(path)) return path;
  const fs::path joined = fs::path(root) / path;
  return fs::exists(joined) ? joined.string() : path;
}

SfarRunConfig load_sfar_run_config(const std::vector<std::string>& files,
                                   const std::vector<std::string>& overrides) {
  const ConfigNode tree = load_config(files, overrides);
  const std::string where = files.empty() ? std::string("--set") : files.back();
  SfarRunConfig config = read_config<SfarRunConfig>(&tree);  // errors name file and key
  try {
    engine::validate_train_options(config.train, config.run.device == "auto" ? "cpu" : config.run.device);
  } catch (const ConfigError& e) {
    if (e.has_value()) throw ConfigError(where + ": " + e.where(), e.message(), e.value());
    throw ConfigError(where + ": " + e.where(), e.message());
  }
  config.data.list = under_root(config.data.list, config.data.root);
  config.data.labels = under_root(config.data.labels, config.data.root);
  config.eval.list = under_root(config.eval.list, config.data.root);
  config.descriptions.cache = under_root(config.descriptions.cache, config.data.root);
  if (config.data.multi_label && config.loss.type == LossType::kCe) {
    throw ConfigError(where + ": loss.type", "data.multi_label needs infonce or bce (ce takes one label per video)",
                      to_string(config.loss.type));
  }
  if (config.descriptions.cache.empty() && method::uses_subtexts(config.head.type)) {
    throw ConfigError(where + ": descriptions.cache",
                      "head '" + method::to_string(config.head.type) + "' needs class sub-texts: set a description cache (heads mean and "
                      "temporal work without)");
  }
  if (config.feature_cache.views > 0 && !config.model.freeze_backbone) {
    throw ConfigError(where + ": feature_cache.views",
                      "caches frame embeddings, which needs a frozen backbone: set model.freeze_backbone: true "
                      "(or feature_cache.views: 0)",
                      std::to_string(config.feature_cache.views));
  }
  return config;
}

std::string sfar_run_config_to_yaml(const SfarRunConfig& config) {
  return config_to_yaml(write_config(config));
}

}  // namespace sfar::recipes
