// `sfar bench train --config C [--set k=v] [--steps N] [--warmup W] [--batch B] [--micro-batch M]
//  [--frames T] [--json]`: training speed of the model a run config describes, on synthetic
// inputs, through the step `sfar train` runs (recipes/bench_train.h says what is measured).
//
// --width/--layers/--resolution/--patch/--embed-dim/--text-width/--text-layers reshape the
// config's architecture (random weights only), e.g. for a small model where per-op overhead
// rather than arithmetic dominates.
#include <iostream>

#include "../command.h"
#include "sfar/recipes/bench_train.h"

namespace sfar::cli {
namespace {

struct BenchTrainArgs {
  std::vector<std::string> configs, overrides;
  recipes::BenchTrainOptions options;
  bool json = false;
};

int run_bench_train(const BenchTrainArgs& args) {
  const auto line = recipes::bench_train(recipes::load_sfar_run_config(args.configs, args.overrides), args.options);
  if (args.json) {
    print_json_line(line);
  } else {
    std::cout << recipes::bench_train_text(line);
  }
  return 0;
}

}  // namespace

void add_bench_train_command(CLI::App& app, CommandContext& context) {
  CLI::App* bench = bench_group(app);
  auto a = std::make_shared<BenchTrainArgs>();
  auto& o = a->options;
  auto* cmd = bench->add_subcommand("train", "Training steps/s, peak memory and FLOP share, synthetic inputs");
  cmd->add_option("--config,-c", a->configs, "Run config file(s)")->required();
  cmd->add_option("--set", a->overrides, "Config override key=value (repeatable)");
  cmd->add_option("--steps", o.steps, "Timed training steps")->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Untimed steps first")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Videos per step; 0 = train.micro_batch (or batch_size)")->capture_default_str();
  cmd->add_option("--micro-batch", o.micro_batch, "Videos per forward pass; 0 = the whole batch")
      ->capture_default_str();
  cmd->add_option("--frames", o.frames, "Frames per video; 0 = data.num_frames")->capture_default_str();
  cmd->add_option("--classes", o.classes, "Classes in the random text bank")->capture_default_str();
  cmd->add_option("--threads", o.threads, "LibTorch threads; -1 = run.threads")->capture_default_str();
  cmd->add_option("--matmul-size", o.matmul_size, "n of the n x n peak product; 0 = skip")->capture_default_str();
  cmd->add_option("--width", o.width, "Vision width (random weights)");
  cmd->add_option("--layers", o.layers, "Vision layers (random weights)");
  cmd->add_option("--resolution", o.resolution, "Input resolution (random weights)");
  cmd->add_option("--patch", o.patch, "Patch size (random weights)");
  cmd->add_option("--embed-dim", o.embed_dim, "Joint embedding size (random weights)");
  cmd->add_option("--text-width", o.text_width, "Text tower width (random weights)");
  cmd->add_option("--text-layers", o.text_layers, "Text tower layers (random weights)");
  cmd->add_flag("--json", a->json, "One JSON line instead of text");
  add_enum_option(cmd, "--attention", o.attention, attention_kernel_names(),
                  "fused (LibTorch's scaled_dot_product_attention) or math (matmul + softmax written out)");
  context.on_run(cmd, [a] { return run_bench_train(*a); });
}

}  // namespace sfar::cli
