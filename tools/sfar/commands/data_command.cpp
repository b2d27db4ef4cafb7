// `sfar data index` turns a folder per class (or a CSV of path and class) into the train/val
// lists, class file and data.yaml a run reads; `sfar data check` scans a dataset (missing, empty
// and undecodable files, frame counts, class balance) and writes a report. Check takes
// --list/--root or the lists of --config.
#include <filesystem>
#include <optional>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/data/data_config.h"
#include "sfar/data/dataset_check.h"
#include "sfar/data/dataset_index.h"
#include "sfar/engine/progress.h"
#include "sfar/recipes/config_lists.h"

namespace sfar::cli {
namespace {

// The lists to check: --list (or a config's data.list when --list/--root/--labels change it),
// else every list --config names (recipes::config_lists).
std::vector<recipes::NamedList> lists_to_check(const DatasetArgs& args) {
  if (args.configs.empty() || !args.list.empty() || !args.root.empty() || !args.labels.empty()) {
    return {{args.list.empty() ? "data.list" : "--list", resolve_dataset(args)}};
  }
  auto lists = recipes::config_lists(args.configs, args.overrides);
  if (lists.empty()) throw ArgumentError("--list", "no annotation list given (--list or data.list in --config)");
  return lists;
}

struct CheckArgs {
  DatasetArgs data;
  std::string out;
  bool no_decode = false;
  engine::BarMode bar = engine::BarMode::kOff;
};

// One summary line per list; with several lists, each report goes into <out>/<key>.
int run_check(const CheckArgs& args) {
  if (!SFAR_WITH_VIDEO) refuse_without_video("sfar data check");
  const auto lists = lists_to_check(args.data);
  for (const auto& named : lists) {
    const std::string& key = named.key;
    const data::DataConfig& config = named.data;
    engine::ProgressBar bar(&std::cerr, args.bar, "data check");
    std::optional<engine::CountProgress> shown;
    const auto report = data::check_data_config(config, !args.no_decode, [&](std::int64_t done, std::int64_t total) {
      if (!shown) shown.emplace(engine::ProgressSlot{&bar, 0, 1, key}, total, "videos");
      shown->update(done);
    });
    bar.finish(key);
    if (report.all_constant) {
      SFAR_LOG_WARN("{}: every decoded file is one colour; the decoder is likely wrong for this format", config.list);
    }
    const std::string out = lists.size() > 1 && !args.out.empty() ? (std::filesystem::path(args.out) / key).string()
                                                                  : args.out;
    if (!out.empty()) data::write_check_report(report, out);
    auto line = nlohmann::json::parse(data::check_summary_json(report));
    line["key"] = key;
    if (!out.empty()) line["report"] = (std::filesystem::path(out) / "report.json").string();
    print_json_line(line);
  }
  return 0;
}

struct IndexArgs {
  std::string videos, csv, out;
  data::DatasetIndexOptions options;
  bool force = false;
};

int run_index(const IndexArgs& args) {
  const auto index = args.csv.empty() ? data::index_class_folders(args.videos, args.options)
                                      : data::index_csv(args.csv, args.videos, args.options);
  data::write_dataset_index(index, args.videos, args.out, args.force);
  print_json_line(nlohmann::json::parse(data::dataset_index_summary_json(index, args.options.seed, args.out)));
  return 0;
}

}  // namespace

void add_data_command(CLI::App& app, CommandContext& context) {
  auto* data = app.add_subcommand("data", "Dataset tools");
  data->require_subcommand(1);
  auto check_args = std::make_shared<CheckArgs>();
  auto* check = data->add_subcommand(
      "check", "Scan a dataset: missing/undecodable files, frame counts, classes; with --config alone, every list "
               "it names (data.list, eval.list, the protocols' lists), a JSON line each");
  add_dataset_options(check, check_args->data);
  check->add_option("--out", check_args->out, "Write report.json and report.txt here");
  check->add_flag("--no-decode", check_args->no_decode, "Only open and index files, decode nothing");
  context.on_run(check, [check_args, &context] {
    check_args->bar = progress_bar_mode(context.globals());
    return run_check(*check_args);
  });

  auto index_args = std::make_shared<IndexArgs>();
  auto* index = data->add_subcommand("index", "Lists, class file and data.yaml from a folder per class or a CSV");
  index->add_option("--videos", index_args->videos, "Folder of videos: one sub-folder per class (or the CSV's root)")
      ->required();
  index->add_option("--csv", index_args->csv, "A CSV of `path,class name` rows instead of class folders");
  index->add_option("--out", index_args->out, "Where train.txt, val.txt, classes.csv and data.yaml go")->required();
  index->add_option("--val-fraction", index_args->options.val_fraction, "Share of each class held out for val")
      ->capture_default_str();
  index->add_option("--seed", index_args->options.seed, "Seed of the train/val split")->capture_default_str();
  index->add_flag("--force", index_args->force, "Replace an index already in --out");
  index->add_flag("--keep-names", index_args->options.keep_folder_names,
                  "Class names exactly as the folders are named (default: underscores become spaces, "
                  "mandelbrot_zoom -> \"mandelbrot zoom\", as the prompts read them)");
  context.on_run(index, [index_args] { return run_index(*index_args); });
}

}  // namespace sfar::cli
