// `sfar train` trains SFAR (or a baseline head) from a run config; `sfar eval` evaluates a
// checkpoint on the config's evaluation list and prints the metrics as one JSON line.
//
//   sfar train --config configs/k400/sfar_vit_b16.yaml --set data.root=/data/k400 --dry-run
//   sfar eval --config run.yaml --checkpoint runs/x/checkpoints/best.pt --views 4x3
//
// `sfar eval` also writes per_class_accuracy.csv and confusion_matrix.csv into run.work_dir/eval
// (or --work-dir), never over a training run's own. Without --checkpoint it scores the run's
// best.pt, saying so, or refuses (recipes::choose_checkpoint).
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/engine/progress.h"
#include "sfar/recipes/sfar_run_config.h"

#if SFAR_WITH_VIDEO
#include "sfar/engine/distributed_env.h"
#include "sfar/recipes/dry_run.h"
#include "sfar/recipes/run_summary.h"
#endif

namespace sfar::cli {
namespace {

struct TrainArgs {
  std::vector<std::string> configs, overrides;
  std::string work_dir, resume;
  bool dry_run = false;
  engine::BarMode bar = engine::BarMode::kOff;  // progress_bar_mode(--progress)
};

struct EvalArgs {
  std::vector<std::string> configs, overrides;
  std::string checkpoint;  // empty: the run's best.pt (choose_checkpoint)
  std::string views;  // "CxV"; empty: the config's clips and test pipeline
  std::string work_dir;  // the tables; empty: <run.work_dir>/eval
  engine::BarMode bar = engine::BarMode::kOff;
};

#if SFAR_WITH_VIDEO
int run_train(const TrainArgs& args) {
  auto config = recipes::load_sfar_run_config(args.configs, args.overrides);
  if (!args.work_dir.empty()) config.run.work_dir = args.work_dir;
  if (args.dry_run) {
    const recipes::DryRunResult dry = recipes::dry_run(config);
    print_json_line(dry.line);
    return dry.finite_loss ? 0 : 1;
  }
  // Under torchrun or srun: join the other ranks; rank 0 alone writes the run directory.
  const auto env = engine::read_distributed_env();
  if (env.rank != 0) init_logging({config.run.log_level, "", env.rank});  // warnings and errors only
  // Rank 0 alone draws the bar; the others keep to warnings and errors.
  engine::ProgressBar bar(&std::cerr, env.rank == 0 ? args.bar : engine::BarMode::kOff, "train");
  recipes::RunTrainingOptions options;
  options.resume = args.resume;
  options.progress.bar = &bar;
  options.distributed = &env;
  const recipes::TrainingResult r = recipes::run_training(config, options);
  bar.finish(std::to_string(r.steps) + " steps");
  if (!r.main) return 0;
  print_json_line(recipes::training_summary(r, config));
  return 0;
}

int run_eval(const EvalArgs& args) {
  engine::ProgressBar bar(&std::cerr, args.bar, "eval");
  recipes::EvaluateOptions options;
  options.checkpoint = args.checkpoint;
  options.views = args.views;
  options.work_dir = args.work_dir;
  options.choose = true;
  options.note = [&bar](const std::string& note) {
    bar.clear();
    std::cerr << "sfar eval: " << note << "\n";
  };
  options.progress.bar = &bar;
  const auto r = recipes::evaluate_checkpoint(recipes::load_sfar_run_config(args.configs, args.overrides), options);
  bar.finish();
  print_json_line(recipes::evaluation_summary(r, args.views));
  return 0;
}
#else
int no_video() { throw ArgumentError("sfar train", "this build has no video support (SFAR_WITH_VIDEO=OFF)"); }
int run_train(const TrainArgs&) { return no_video(); }
int run_eval(const EvalArgs&) { return no_video(); }
#endif

}  // namespace

void add_train_command(CLI::App& app, CommandContext& context) {
  auto train_args = std::make_shared<TrainArgs>();
  auto* train = app.add_subcommand("train", "Train SFAR or a baseline head from a run config");
  train->add_option("--config,-c", train_args->configs, "Run config file(s)")->required();
  train->add_option("--set", train_args->overrides, "Override, e.g. data.root=/data/k400");
  train->add_option("--work-dir", train_args->work_dir, "Run directory (overrides run.work_dir)");
  train->add_option("--resume", train_args->resume, "auto (newest valid checkpoint in the run) or a checkpoint");
  train->add_flag("--dry-run", train_args->dry_run,
                  "Build the model, print parameter counts, run one forward+backward on one batch, exit");
  context.on_run(train, [train_args, &context] {
    train_args->bar = progress_bar_mode(context.globals());
    return run_train(*train_args);
  });

  auto eval_args = std::make_shared<EvalArgs>();
  auto* eval = app.add_subcommand("eval", "Evaluate a checkpoint on the config's eval.list (JSON line)");
  eval->add_option("--config,-c", eval_args->configs, "Run config file(s)")->required();
  eval->add_option("--set", eval_args->overrides, "Override, e.g. data.root=/data/k400");
  eval->add_option("--checkpoint", eval_args->checkpoint,
                   "Checkpoint written by sfar train; default: the run's best.pt (run.work_dir/checkpoints), "
                   "else refused unless the head needs no training; none: model.weights as loaded");
  eval->add_option("--work-dir", eval_args->work_dir,
                   "Where per_class_accuracy.csv and confusion_matrix.csv go (default: run.work_dir/eval)");
  eval->add_option("--views", eval_args->views,
                   "Test views CxV: C clips per video, V crops per clip (1, or 3: center_crop -> three_crop)");
  context.on_run(eval, [eval_args, &context] {
    eval_args->bar = progress_bar_mode(context.globals());
    return run_eval(*eval_args);
  });
}

}  // namespace sfar::cli
