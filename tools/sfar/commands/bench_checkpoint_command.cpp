// `sfar bench checkpoint --arch ViT-B/16 [--runs 5] [--dir D]`: what checking a file's integrity
// costs on a randomly initialised CLIP's checkpoint and exports (recipes/model_benches.h), as
// one JSON line of medians. The files are deleted afterwards unless --dir names their folder.
#include "../command.h"
#include "sfar/models/clip_config.h"
#include "sfar/recipes/model_benches.h"

namespace sfar::cli {

void add_bench_checkpoint_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto arch = std::make_shared<std::string>("ViT-B/16");
  auto options = std::make_shared<recipes::CheckpointBenchOptions>();
  auto* sub = bench->add_subcommand("checkpoint", "Load time of checkpoints and exports with and without CRC checks");
  sub->add_option("--arch", *arch, "CLIP preset of the random weights: ViT-B/32, ViT-B/16, ViT-L/14")
      ->capture_default_str();
  sub->add_option("--runs", options->runs, "Loads timed per case; the median is printed")->capture_default_str();
  sub->add_option("--dir", options->dir, "Where to write the files (kept); default a temporary directory, deleted");
  context.on_run(sub, [arch, options] {
    auto line = recipes::bench_checkpoint(models::clip_preset(*arch), *options);
    line["arch"] = *arch;
    print_json_line(line);
    return 0;
  });
}

}  // namespace sfar::cli
