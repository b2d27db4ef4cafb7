// `sfar data prepare -c C --out DIR`: re-encodes every list the config names (data.list and
// eval.list) once, into videos the loader reads fast, and writes lists, a data.yaml and
// provenance.json in DIR. The work is data::prepare_dataset; this file only reads options.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "sfar/core/build_info.h"
#include "../command.h"
#include "sfar/core/config_loader.h"
#include "sfar/core/error.h"
#include "sfar/core/name_table.h"

#if SFAR_WITH_VIDEO
#include "sfar/data/data_config.h"
#include "sfar/data/data_prepare_dataset.h"
#endif

namespace sfar::cli {
namespace {

namespace fs = std::filesystem;

struct PrepareArgs {
  std::vector<std::string> configs;
  std::vector<std::string> overrides;
  std::string out, codec = "h264";
  std::int64_t short_side = -1, quality = 18, gop = 8, workers = 0;
};

#if SFAR_WITH_VIDEO
// A relative list that does not exist as written is looked up under data.root, as a run does.
std::string locate(const std::string& path, const std::string& root) {
  if (path.empty() || fs::path(path).is_absolute() || fs::exists(path) || root.empty()) return path;
  const fs::path under = fs::path(root) / path;
  return fs::exists(under) ? under.string() : path;
}

std::string eval_list(const PrepareArgs& args) {
  const ConfigNode tree = load_config(args.configs, args.overrides);
  const ConfigNode* eval = tree.find("eval");
  const ConfigNode* list = eval && eval->is_map() ? eval->find("list") : nullptr;
  return list && list->is_scalar() ? list->text() : std::string();
}

data::PrepareSettings settings_of(const PrepareArgs& args, const data::DataConfig& config) {
  data::PrepareSettings s;
  s.codec = find_entry(data::prepare_codecs(), args.codec, "codec", "--codec").value;
  s.short_side = args.short_side >= 0 ? args.short_side : config.short_side;
  if (args.quality < 0 || args.quality > 51) throw ArgumentError("--quality", "must be in [0, 51]", std::to_string(args.quality));
  if (args.gop < 1) throw ArgumentError("--gop", "must be at least 1", std::to_string(args.gop));
  s.quality = args.quality;
  s.gop = args.gop;
  return s;
}

int run_prepare(const PrepareArgs& args) {
  if (args.configs.empty()) throw ArgumentError("--config", "no config given (the data: section names the lists)");
  data::DataConfig config = data::load_data_config(args.configs, args.overrides);
  config.list = locate(config.list, config.root);
  config.labels = locate(config.labels, config.root);
  const auto names = data::load_class_names(config);
  data::PrepareDatasetRequest request;
  request.root = config.root;
  request.out = args.out;
  request.settings = settings_of(args, config);
  request.policy = config.bad_file_policy;
  request.workers = args.workers;
  request.labels = config.labels;
  request.multi_label = config.multi_label;
  request.sfar_version = std::string(SFAR_VERSION) + "+" + build_info::git_commit();
  request.config_files = args.configs;
  request.lists.push_back({"train", config.list, data::load_records(config, names)});
  const std::string eval = locate(eval_list(args), config.root);
  if (!eval.empty()) {
    data::DataConfig eval_config = config;
    eval_config.list = eval;
    request.lists.push_back({"eval", eval, data::load_records(eval_config, names)});
  }
  std::int64_t last_tenth = 0;
  const auto result = data::prepare_dataset(request, [&](std::int64_t done, std::int64_t total) {
    const std::int64_t tenth = done * 10 / std::max<std::int64_t>(total, 1);
    if (tenth > last_tenth) {
      last_tenth = tenth;
      std::cerr << "sfar data prepare: " << done << "/" << total << " videos\n";
    }
  });
  nlohmann::json lists = nlohmann::json::array();
  for (const auto& l : result.lists) {
    lists.push_back({{"name", l.name}, {"list", l.path}, {"records", l.records}, {"kept", l.kept}, {"dropped", l.dropped}});
  }
  nlohmann::json bad = nlohmann::json::array();
  for (const auto& b : result.run.bad) {
    std::cerr << "sfar data prepare: bad file " << b.path << ": " << b.reason << "\n";
    bad.push_back({{"path", b.path}, {"reason", b.reason}});
  }
  print_json_line({{"command", "data prepare"},
                   {"videos", result.videos},
                   {"prepared", result.run.prepared},
                   {"redone", result.run.redone},
                   {"current", result.run.current},
                   {"bad", bad},
                   {"seconds", result.run.seconds},
                   {"source_bytes", result.source_bytes},
                   {"prepared_bytes", result.prepared_bytes},
                   {"size_ratio", result.source_bytes > 0 ? static_cast<double>(result.prepared_bytes) /
                                                                static_cast<double>(result.source_bytes)
                                                          : 0.0},
                   {"stale_temporaries_removed", result.stale_temporaries_removed},
                   {"settings", request.settings.key()},
                   {"lists", lists},
                   {"config", result.data_yaml},
                   {"provenance", result.provenance}});
  return 0;
}
#else
int run_prepare(const PrepareArgs&) {
  throw ArgumentError("sfar data prepare", "this sfar was built without video support (SFAR_WITH_VIDEO=OFF)");
}
#endif

}  // namespace

void add_data_prepare_command(CLI::App& app, CommandContext& context) {
  CLI::App* data = app.get_subcommand("data");
  auto args = std::make_shared<PrepareArgs>();
  auto* command = data->add_subcommand("prepare", "Re-encode the config's lists once into videos the loader reads fast");
  command->add_option("-c,--config", args->configs, "Config file(s) with a data: section (and eval.list)")->required();
  command->add_option("--set", args->overrides, "Override, e.g. data.root=/data/hmdb51");
  command->add_option("--out", args->out, "Folder for videos/, the lists, data.yaml and provenance.json")->required();
  command->add_option("--codec", args->codec, "h264 (default) or mjpeg")->capture_default_str();
  command->add_option("--short-side", args->short_side, "Short side of the prepared frames; default data.short_side");
  command->add_option("--quality", args->quality, "x264 crf (MJPEG: quantiser = quality / 6)")->capture_default_str();
  command->add_option("--gop", args->gop, "Frames between key frames (h264)")->capture_default_str();
  command->add_option("--workers", args->workers, "Videos prepared at once; 0 = one per core")->capture_default_str();
  context.on_run(command, [args] { return run_prepare(*args); });
}

}  // namespace sfar::cli
