#include "sfar/recipes/run_files.h"

#include <filesystem>

#include "sfar/core/error.h"

namespace sfar::recipes {

namespace fs = std::filesystem;

void require_config_file(const std::string& key, const std::string& path, const std::string& root) {
  std::error_code ec;
  if (path.empty() || fs::exists(path, ec)) return;
  std::string searched = "looked in " + fs::current_path(ec).string();
  if (!root.empty() && !fs::path(path).is_absolute()) searched += " and in data.root (" + root + ")";
  throw ConfigError(key, "no such file (" + searched + ")", path);
}

void require_run_files(const SfarRunConfig& config) {
  const std::string& root = config.data.root;
  require_config_file("model.weights", config.model.weights, "");  // read as written, never under data.root
  require_config_file("text.vocab", config.text.vocab, "");
  require_config_file("text.merges", config.text.merges, "");
  require_config_file("data.labels", config.data.labels, root);
  require_config_file("descriptions.cache", config.descriptions.cache, root);
}

}  // namespace sfar::recipes
