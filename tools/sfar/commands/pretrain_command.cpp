// `sfar pretrain` trains a small CLIP from scratch on (video clip, caption) pairs with a
// SentencePiece tokenizer trained on the captions, and prints one JSON summary line:
//
//   sfar pretrain --config pretrain.yaml --set pretrain.root=synth --work-dir runs/pretrain
//
// `sfar train` then fine-tunes from it with `model: {arch: auto, weights: <work>/clip.pt}` and
// `text: {tokenizer: sentencepiece, vocab: <work>/tokenizer.model, context_length: <clip.context_length>}`.
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/recipes/pretrain_config.h"

#if SFAR_WITH_VIDEO
#include "sfar/recipes/run_summary.h"
#endif

namespace sfar::cli {
namespace {

struct PretrainArgs {
  std::vector<std::string> configs, overrides;
  std::string work_dir;
  engine::BarMode bar = engine::BarMode::kOff;  // progress_bar_mode(--progress)
};

#if SFAR_WITH_VIDEO
int run_pretrain(const PretrainArgs& args) {
  auto config = recipes::load_pretrain_config(args.configs, args.overrides);
  if (!args.work_dir.empty()) config.run.work_dir = args.work_dir;
  engine::ProgressBar bar(&std::cerr, args.bar, "pretrain");
  const auto r = recipes::run_pretraining(config, {{&bar, 0, 1, ""}});
  bar.finish(std::to_string(r.steps) + " steps");
  print_json_line(recipes::pretraining_summary(r, config));
  return 0;
}
#else
int run_pretrain(const PretrainArgs&) {
  throw ArgumentError("sfar pretrain", "this build has no video support (SFAR_WITH_VIDEO=OFF)");
}
#endif

}  // namespace

void add_pretrain_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<PretrainArgs>();
  auto* pretrain = app.add_subcommand(
      "pretrain", "Pre-train a small CLIP and a SentencePiece tokenizer on video-caption pairs (JSON line)");
  pretrain->add_option("--config,-c", args->configs, "Pre-training config file(s)")->required();
  pretrain->add_option("--set", args->overrides, "Override, e.g. pretrain.root=synth");
  pretrain->add_option("--work-dir", args->work_dir, "Output directory (overrides run.work_dir)");
  context.on_run(pretrain, [args, &context] {
    args->bar = progress_bar_mode(context.globals());
    return run_pretrain(*args);
  });
}

}  // namespace sfar::cli
