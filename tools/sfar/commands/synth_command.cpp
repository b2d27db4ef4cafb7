// `sfar synth --preset storyboard-v2|storyboard-v1|storyboard-tiny|storyboard-mini --out DIR [--seed N] [--force] [--threads N]`:
// generates the synthetic storyboard benchmark (include/sfar/synth/benchmark_writer.h for the
// layout) and prints one JSON summary line. Built without video support, it says so and fails.
#include "../command.h"

#if SFAR_WITH_VIDEO
#include "sfar/synth/benchmark_writer.h"
#endif

namespace sfar::cli {
namespace {

struct SynthCommandOptions {
  std::string preset = "storyboard-v2";
  std::string out;
  std::uint64_t seed = 0;
  bool force = false;
  int threads = 0;
};

int run_synth(const SynthCommandOptions& o, const GlobalOptions& globals) {
#if SFAR_WITH_VIDEO
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(globals.threads);
  const synth::SynthSummary s = synth::generate_benchmark({o.preset, o.out, o.seed, o.force, threads});
  print_json_line(nlohmann::json::parse(synth::synth_summary_json(s)));
  return 0;
#else
  (void)o, (void)globals;
  refuse_without_video("sfar synth");
#endif
}

}  // namespace

void add_synth_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<SynthCommandOptions>();
  auto* synth = app.add_subcommand("synth", "Generate the synthetic storyboard benchmark (videos, splits, sub-texts)");
  synth->add_option("--preset", options->preset, "storyboard-v2 (the quick start), storyboard-v1, storyboard-tiny or storyboard-mini")
      ->capture_default_str();
  synth->add_option("--out", options->out, "Output directory (must be empty unless --force)")->required();
  synth->add_option("--seed", options->seed, "Seed: the same seed gives the same bytes")->capture_default_str();
  synth->add_flag("--force", options->force, "Replace the benchmark files of a non-empty directory");
  synth->add_option("--threads", options->threads, "Worker threads (0: the global --threads, else one per core)");
  context.on_run(synth, [options, &context] { return run_synth(*options, context.globals()); });
}

}  // namespace sfar::cli
