// `sfar bench data` times the video loader against a naive full-decode baseline and the
// decode-only limit, on the given videos and on copies re-encoded with a key frame every 16
// frames (data/loader_bench.h). It takes --list/--root or the data section of --config.
#include <torch/torch.h>

#include "../command.h"
#include "sfar/data/data_config.h"
#include "sfar/data/loader_bench.h"

namespace sfar::cli {
namespace {

struct BenchArgs {
  DatasetArgs data;
  data::LoaderBenchOptions options;
  std::int64_t key_interval = 16;
  double step_rate = 0.0;  // clips/s a training step consumes; 0: no sizing
};

int run_bench(BenchArgs args) {
  if (!SFAR_WITH_VIDEO) refuse_without_video("sfar bench data");
  const data::DataConfig config = resolve_dataset(args.data);
  const auto records = data::load_records(config, data::load_class_names(config));
  torch::set_num_threads(1);  // one core per worker: the targets are per-core figures
  args.options.root = config.root;
  const auto given = data::run_loader_bench(records, args.options);
  print_json_line(nlohmann::json::parse(
      data::loader_bench_json("given", given, 1.5, args.options.workers, args.step_rate)));
  if (args.key_interval <= 0) return 0;
  const auto rekeyed = data::run_rekeyed_loader_bench(records, args.options, args.key_interval);
  print_json_line(nlohmann::json::parse(data::loader_bench_json(
      "key_frame_every_" + std::to_string(args.key_interval), rekeyed, 3.0, args.options.workers, args.step_rate)));
  return 0;
}

}  // namespace

void add_bench_data_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto args = std::make_shared<BenchArgs>();
  data::LoaderBenchOptions& o = args->options;
  auto* command = bench->add_subcommand("data", "Loader clips/s vs full-decode baseline and decode-only limit");
  add_dataset_options(command, args->data);
  command->add_option("--batches", o.batches, "Batches to load")->capture_default_str();
  command->add_option("--batch-size", o.batch_size, "Clips per batch")->capture_default_str();
  command->add_option("--workers", o.workers, "Loader threads")->capture_default_str();
  command->add_option("--frames", o.num_frames, "TSN segments (frames per clip)")->capture_default_str();
  command->add_option("--crop", o.crop, "Random resized crop size")->capture_default_str();
  command->add_option("--short-side", o.short_side, "Resize while decoding")->capture_default_str();
  command->add_option("--decoder-threads", o.decoder_threads,
                      "FFmpeg threads inside each clip (frame threading); 0 = FFmpeg decides")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  command->add_option("--reference-clips", o.reference_clips, "Clips timed for baseline/limit; 0 = all")
      ->capture_default_str();
  command->add_option("--key-interval", args->key_interval, "Re-encoded copies' key frame interval; 0 = none")
      ->capture_default_str();
  command->add_option("--seed", o.seed, "Sampling seed")->capture_default_str();
  command->add_option("--step-rate", args->step_rate,
                      "Clips/s a training step consumes (from `sfar bench train` or the GPU check): "
                      "prints the cores needed to feed it")
      ->check(CLI::NonNegativeNumber);
  context.on_run(command, [args] { return run_bench(*args); });
}

}  // namespace sfar::cli
