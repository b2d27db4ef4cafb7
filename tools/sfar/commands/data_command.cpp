// `sfar data index` turns a folder per class (or a CSV of path and class) into the train/val
// lists, class file and data.yaml a run reads; `sfar data check` scans a dataset (missing, empty and undecodable files, frame counts, class
// balance) and writes a report; `sfar bench data` times the video loader against a naive
// full-decode baseline and the decode-only limit, on the given videos and on copies re-encoded
// with a key frame every 16 frames. Both take --list/--root or the data section of --config.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/name_table.h"
#include "sfar/data/dataset_index.h"
#include "sfar/data/video_list.h"

#if SFAR_WITH_VIDEO
#include "sfar/data/data_config.h"
#include "sfar/data/dataset_check.h"
#include "sfar/data/loader_bench.h"
#include "sfar/engine/progress.h"
#include "sfar/io/class_names.h"
#include "sfar/recipes/config_lists.h"
#endif

namespace sfar::cli {
namespace {

struct DatasetArgs {
  std::vector<std::string> configs;
  std::vector<std::string> overrides;
  std::string list, root, format = "path_label", labels;
};

struct CheckArgs {
  DatasetArgs data;
  std::string out;
  bool no_decode = false;
  engine::BarMode bar = engine::BarMode::kOff;
};

struct BenchArgs {
  DatasetArgs data;
  std::int64_t batches = 20, batch_size = 8, workers = 1, frames = 8, crop = 224, short_side = 256;
  std::int64_t reference_clips = 0, key_interval = 16, decoder_threads = 1;
  std::uint64_t seed = 0;
  double step_rate = 0.0;  // clips/s a training step consumes; 0: no sizing
};

struct IndexArgs {
  std::string videos, csv, out;
  double val_fraction = 0.2;
  std::uint64_t seed = 0;
  bool force = false, keep_names = false;
};

int run_index(const IndexArgs& args) {
  const data::DatasetIndexOptions options{args.val_fraction, args.seed, args.keep_names};
  const auto index = args.csv.empty() ? data::index_class_folders(args.videos, options)
                                      : data::index_csv(args.csv, args.videos, options);
  data::write_dataset_index(index, args.videos, args.out, args.force);
  std::vector<std::int64_t> per_class(index.classes.size(), 0);
  for (const auto* split : {&index.train, &index.val}) {
    for (const auto& v : *split) ++per_class[static_cast<std::size_t>(v.label)];
  }
  const auto [fewest, most] = std::minmax_element(per_class.begin(), per_class.end());
  print_json_line({{"command", "data index"},
                   {"classes", index.classes.size()},
                   {"train", index.train.size()},
                   {"val", index.val.size()},
                   {"videos_per_class", {{"min", *fewest}, {"max", *most}}},
                   {"skipped_not_video", index.skipped},
                   {"seed", args.seed},
                   {"out", args.out},
                   {"config", (std::filesystem::path(args.out) / "data.yaml").string()}});
  return 0;
}

void add_dataset_options(CLI::App* command, DatasetArgs& args) {
  command->add_option("--config,-c", args.configs, "Config file(s) with a data: section");
  command->add_option("--set", args.overrides, "Override, e.g. data.root=/data/hmdb51");
  command->add_option("--list", args.list, "Annotation list (overrides data.list)");
  command->add_option("--root", args.root, "Dataset root (overrides data.root)");
  command->add_option("--format", args.format, "List format: " + entry_help(data::video_list_formats()))
      ->capture_default_str();
  command->add_option("--labels", args.labels, "Class-name file (overrides data.labels)");
}

#if SFAR_WITH_VIDEO
data::DataConfig resolve_config(const DatasetArgs& args) {
  data::DataConfig config;
  if (!args.configs.empty()) {
    config = data::load_data_config(args.configs, args.overrides);
  } else {
    config.format = data::parse_video_list_format(args.format, "--format");  // an unknown name names --format
  }
  if (!args.list.empty()) config.list = args.list;
  if (!args.root.empty()) config.root = args.root;
  if (!args.labels.empty()) config.labels = args.labels;
  if (config.list.empty()) throw ArgumentError("--list", "no annotation list given (--list or data.list in --config)");
  return config;
}

// The lists to check: --list (or a config's data.list when --list/--root/--labels change it),
// else every list --config names (recipes::config_lists).
std::vector<recipes::NamedList> lists_to_check(const DatasetArgs& args) {
  if (args.configs.empty() || !args.list.empty() || !args.root.empty() || !args.labels.empty()) {
    return {{args.list.empty() ? "data.list" : "--list", resolve_config(args)}};
  }
  auto lists = recipes::config_lists(args.configs, args.overrides);
  if (lists.empty()) throw ArgumentError("--list", "no annotation list given (--list or data.list in --config)");
  return lists;
}

// One summary line per list; with several lists, each report goes into <out>/<key>.
int run_check(const CheckArgs& args) {
  const auto lists = lists_to_check(args.data);
  for (const auto& [key, config] : lists) {
    const auto names = data::load_class_names(config);
    const auto records = data::load_records(config, names);
    data::DatasetCheckOptions options;
    options.root = config.root;
    options.list = config.list;
    options.frame_pattern = config.frame_pattern;
    options.class_names = names;
    options.decode = !args.no_decode;
    options.max_frame_pixels = config.max_frame_pixels;
    engine::ProgressBar bar(&std::cerr, args.bar, "data check");
    engine::ProgressSlot slot;
    slot.bar = &bar;
    slot.what = key;
    engine::CountProgress shown(slot, static_cast<std::int64_t>(records.size()), "videos");
    const auto report = data::check_dataset(records, options, [&](std::int64_t done, std::int64_t) { shown.update(done); });
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

// Per core (each worker runs on one core with one thread), and the cores a step of
// `step_rate` clips/s needs at that rate.
void add_sizing(nlohmann::json& line, const data::LoaderBenchResult& r, const BenchArgs& args) {
  const double per_core = r.clips_per_s / static_cast<double>(std::max<std::int64_t>(args.workers, 1));
  line["clips_per_s_per_core"] = per_core;
  if (args.step_rate <= 0.0) return;
  line["step_rate"] = args.step_rate;
  line["cores_needed"] = per_core > 0.0 ? static_cast<std::int64_t>(std::ceil(args.step_rate / per_core)) : -1;
}

nlohmann::json to_json(const std::string& set, const data::LoaderBenchResult& r) {
  return {{"set", set},
          {"clips", r.clips},
          {"seconds", r.seconds},
          {"clips_per_s", r.clips_per_s},
          {"ms_per_clip", r.ms_per_clip},
          {"decode_ms_per_clip", r.decode_ms_per_clip},
          {"transform_ms_per_clip", r.transform_ms_per_clip},
          {"bad_files", r.bad_files},
          {"peak_rss_mb", r.peak_rss_mb},
          {"reference_clips", r.reference_clips},
          {"baseline_ms_per_clip", r.baseline_ms_per_clip},
          {"limit_ms_per_clip", r.limit_ms_per_clip},
          {"sample_ms_per_clip", r.sample_ms_per_clip},
          {"speedup_vs_baseline", r.speedup_vs_baseline},
          {"ratio_to_limit", r.ratio_to_limit},
          {"decode_ratio_to_limit", r.decode_ratio_to_limit}};
}

int run_bench(const BenchArgs& args) {
  const data::DataConfig config = resolve_config(args.data);
  const auto records = data::load_records(config, data::load_class_names(config));
  torch::set_num_threads(1);  // one core per worker: the targets are per-core figures
  data::LoaderBenchOptions options;
  options.root = config.root;
  options.batches = args.batches;
  options.batch_size = args.batch_size;
  options.workers = args.workers;
  options.num_frames = args.frames;
  options.crop = args.crop;
  options.short_side = args.short_side;
  options.decoder_threads = args.decoder_threads;
  options.reference_clips = args.reference_clips;
  options.seed = args.seed;
  const auto given = data::run_loader_bench(records, options);
  auto shared = to_json("given", given);
  shared["target_speedup"] = 1.5;
  add_sizing(shared, given, args);
  print_json_line(shared);
  if (args.key_interval <= 0) return 0;

  const auto dir = std::filesystem::temp_directory_path() /
                   ("sfar_bench_data_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  try {
    const auto copies = data::reencode_with_key_frames(records, config.root, dir.string(), args.key_interval);
    options.root.clear();
    const auto result = data::run_loader_bench(copies, options);
    auto rekeyed = to_json("key_frame_every_" + std::to_string(args.key_interval), result);
    rekeyed["target_speedup"] = 3.0;
    add_sizing(rekeyed, result, args);
    print_json_line(rekeyed);
  } catch (...) {
    std::filesystem::remove_all(dir);
    throw;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
#else
int run_check(const CheckArgs&) {
  throw ArgumentError("sfar data check", "this sfar was built without video support (SFAR_WITH_VIDEO=OFF)");
}
int run_bench(const BenchArgs&) {
  throw ArgumentError("sfar bench data", "this sfar was built without video support (SFAR_WITH_VIDEO=OFF)");
}
#endif

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
  index->add_option("--val-fraction", index_args->val_fraction, "Share of each class held out for val")
      ->capture_default_str();
  index->add_option("--seed", index_args->seed, "Seed of the train/val split")->capture_default_str();
  index->add_flag("--force", index_args->force, "Replace an index already in --out");
  index->add_flag("--keep-names", index_args->keep_names,
                  "Class names exactly as the folders are named (default: underscores become spaces, "
                  "mandelbrot_zoom -> \"mandelbrot zoom\", as the prompts read them)");
  context.on_run(index, [index_args] { return run_index(*index_args); });
}

void add_bench_data_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto args = std::make_shared<BenchArgs>();
  auto* command = bench->add_subcommand("data", "Loader clips/s vs full-decode baseline and decode-only limit");
  add_dataset_options(command, args->data);
  command->add_option("--batches", args->batches, "Batches to load")->capture_default_str();
  command->add_option("--batch-size", args->batch_size, "Clips per batch")->capture_default_str();
  command->add_option("--workers", args->workers, "Loader threads")->capture_default_str();
  command->add_option("--frames", args->frames, "TSN segments (frames per clip)")->capture_default_str();
  command->add_option("--crop", args->crop, "Random resized crop size")->capture_default_str();
  command->add_option("--short-side", args->short_side, "Resize while decoding")->capture_default_str();
  command->add_option("--decoder-threads", args->decoder_threads,
                      "FFmpeg threads inside each clip (frame threading); 0 = FFmpeg decides")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  command->add_option("--reference-clips", args->reference_clips, "Clips timed for baseline/limit; 0 = all")
      ->capture_default_str();
  command->add_option("--key-interval", args->key_interval, "Re-encoded copies' key frame interval; 0 = none")
      ->capture_default_str();
  command->add_option("--seed", args->seed, "Sampling seed")->capture_default_str();
  command->add_option("--step-rate", args->step_rate,
                      "Clips/s a training step consumes (from `sfar bench train` or the GPU check): "
                      "prints the cores needed to feed it")
      ->check(CLI::NonNegativeNumber);
  context.on_run(command, [args] { return run_bench(*args); });
}

}  // namespace sfar::cli
