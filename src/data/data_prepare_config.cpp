#include "sfar/data/data_prepare_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/data/data_config.h"

namespace sfar::data {
namespace {

namespace fs = std::filesystem;

std::string locate(const std::string& path, const std::string& root) {
  if (path.empty() || fs::path(path).is_absolute() || fs::exists(path) || root.empty()) return path;
  const fs::path under = fs::path(root) / path;
  return fs::exists(under) ? under.string() : path;
}

std::string eval_list(const std::vector<std::string>& configs, const std::vector<std::string>& overrides) {
  const ConfigNode tree = load_config(configs, overrides);
  const ConfigNode* eval = tree.find("eval");
  const ConfigNode* list = eval && eval->is_map() ? eval->find("list") : nullptr;
  return list && list->is_scalar() ? list->text() : std::string();
}

PrepareSettings settings_of(const PrepareCommandOptions& options, const DataConfig& config) {
  PrepareSettings s;
  s.codec = find_entry(prepare_codecs(), options.codec, "codec", "--codec").value;
  s.short_side = options.short_side >= 0 ? options.short_side : config.short_side;
  if (options.quality < 0 || options.quality > 51) {
    throw ArgumentError("--quality", "must be in [0, 51]", std::to_string(options.quality));
  }
  if (options.gop < 1) throw ArgumentError("--gop", "must be at least 1", std::to_string(options.gop));
  s.quality = options.quality;
  s.gop = options.gop;
  return s;
}

}  // namespace

PrepareDatasetRequest prepare_request_from_config(const std::vector<std::string>& configs,
                                                  const std::vector<std::string>& overrides, const std::string& out,
                                                  const PrepareCommandOptions& options,
                                                  const std::string& sfar_version) {
  if (configs.empty()) throw ArgumentError("--config", "no config given (the data: section names the lists)");
  DataConfig config = load_data_config(configs, overrides);
  config.list = locate(config.list, config.root);
  config.labels = locate(config.labels, config.root);
  const auto names = load_class_names(config);
  PrepareDatasetRequest request;
  request.root = config.root;
  request.out = out;
  request.settings = settings_of(options, config);
  request.policy = config.bad_file_policy;
  request.workers = options.workers;
  request.labels = config.labels;
  request.multi_label = config.multi_label;
  request.sfar_version = sfar_version;
  request.config_files = configs;
  request.lists.push_back({"train", config.list, load_records(config, names)});
  const std::string eval = locate(eval_list(configs, overrides), config.root);
  if (!eval.empty()) {
    DataConfig eval_config = config;
    eval_config.list = eval;
    request.lists.push_back({"eval", eval, load_records(eval_config, names)});
  }
  return request;
}

std::string prepare_summary_json(const PrepareDatasetRequest& request, const PrepareDatasetResult& result) {
  nlohmann::json lists = nlohmann::json::array();
  for (const auto& l : result.lists) {
    lists.push_back({{"name", l.name}, {"list", l.path}, {"records", l.records}, {"kept", l.kept}, {"dropped", l.dropped}});
  }
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& b : result.run.bad) bad.push_back({{"path", b.path}, {"reason", b.reason}});
  const double ratio = result.source_bytes > 0
                           ? static_cast<double>(result.prepared_bytes) / static_cast<double>(result.source_bytes)
                           : 0.0;
  return nlohmann::json{{"command", "data prepare"},
                        {"videos", result.videos},
                        {"prepared", result.run.prepared},
                        {"redone", result.run.redone},
                        {"current", result.run.current},
                        {"bad", bad},
                        {"seconds", result.run.seconds},
                        {"source_bytes", result.source_bytes},
                        {"prepared_bytes", result.prepared_bytes},
                        {"size_ratio", ratio},
                        {"stale_temporaries_removed", result.stale_temporaries_removed},
                        {"settings", request.settings.key()},
                        {"lists", lists},
                        {"config", result.data_yaml},
                        {"provenance", result.provenance}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sfar::data
