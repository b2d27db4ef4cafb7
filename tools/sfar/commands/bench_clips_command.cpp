// `sfar bench clips --list L [--root R] [--workers 1] [--rounds 5] [--repeat 8] [--dump F]`:
// the evaluation-time clip task that scripts/bench_data_peers.sh gives sfar and its peers
// (data/clip_bench.h). Prints one JSON line: clips/s per round, the peak RSS, and each record's
// frame count and frame indices, which the peers then read. --dump writes each record's clip
// (untimed) to a safetensors file as clip_<i>, for the tensor comparison.
#include <torch/torch.h>

#include "../command.h"
#include "sfar/data/clip_bench.h"
#include "sfar/models/safetensors_writer.h"

namespace sfar::cli {
namespace {

struct BenchClipsArgs {
  data::ClipBenchOptions options;
  std::string dump;
};

int run_bench_clips(const BenchClipsArgs& args) {
  if (!SFAR_WITH_VIDEO) refuse_without_video("sfar bench clips");
  data::clip_bench_task(args.options);  // refuses bad counts before any work
  torch::set_num_threads(1);  // one core per loader thread, as the peers are given
  if (!args.dump.empty()) {
    models::save_safetensors(data::clip_bench_clips(args.options), {{"format", "sfar-bench-clips-1"}}, args.dump);
  }
  print_json_line(nlohmann::json::parse(data::run_clip_bench(args.options)));
  return 0;
}

}  // namespace

void add_bench_clips_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto args = std::make_shared<BenchClipsArgs>();
  data::ClipBenchOptions& o = args->options;
  auto* command = bench->add_subcommand("clips", "Evaluation-time clips/s (TSN centres, centre crop), for peers");
  command->add_option("--list", o.list, "Annotation list, `<path> <label>` per line")->required();
  command->add_option("--root", o.root, "Folder the list's paths are relative to");
  command->add_option("--workers", o.workers, "Loader threads")->capture_default_str();
  command->add_option("--rounds", o.rounds, "Timed rounds")->capture_default_str();
  command->add_option("--repeat", o.repeat, "Passes over the list per round")->capture_default_str();
  command->add_option("--frames", o.frames, "TSN segments (frames per clip)")->capture_default_str();
  command->add_option("--short-side", o.short_side, "Resize while decoding")->capture_default_str();
  command->add_option("--crop", o.crop, "Centre crop size")->capture_default_str();
  command->add_option("--dump", args->dump, "Write each record's clip here (safetensors, clip_<i>)");
  context.on_run(command, [args] { return run_bench_clips(*args); });
}

}  // namespace sfar::cli
