// `sfar train` trains SFAR (or a baseline head) from a run config; `sfar eval` evaluates a
// checkpoint on the config's evaluation list and prints the metrics as one JSON line.
//
//   sfar train --config configs/k400/sfar_vit_b16.yaml --set data.root=/data/k400 --dry-run
//   sfar eval --config run.yaml --checkpoint runs/x/checkpoints/best.pt --views 4x3
//
// `sfar eval` also writes per_class_accuracy.csv and confusion_matrix.csv into run.work_dir/eval
// (or --work-dir), never over a training run's own. Without --checkpoint it scores the run's
// best.pt, saying so, or refuses (recipes::choose_checkpoint).
#include <torch/torch.h>

#include <cmath>
#include <iostream>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/engine/progress.h"
#include "sfar/recipes/sfar_run_config.h"

#if SFAR_WITH_VIDEO
#include "dry_run_report.h"
#include "sfar/engine/distributed_env.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/recipes/loss_targets.h"
#include "sfar/recipes/sfar_runner.h"
#include "sfar/recipes/sfar_task.h"
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
nlohmann::json parameter_json(const method::SfarModelImpl& model) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [part, c] : method::count_parameters(model)) {
    out[part] = {{"total", c.total}, {"trainable", c.trainable}, {"frozen", c.frozen}};
  }
  return out;
}

int run_dry(const recipes::SfarRunConfig& config) {
  const std::string device_name = engine::apply_runtime(config.run);
  const nlohmann::json dataset = scan_dataset(config, data::load_class_names(config.data));
  recipes::SfarRun run = recipes::build_sfar_run(config, device_name, "");  // writes nothing
  recipes::SfarTrainTask task(run, config);
  const torch::Device device(run.device);
  run.model->to(device);
  run.model->train();
  const auto loss = task.first_batch_loss(device);
  loss.backward();
  double head_grad = 0;
  for (const auto& p : run.model->head->parameters()) {
    if (p.grad().defined()) head_grad += p.grad().norm().item<double>();
  }
  // Activations of one clip (random pixels, label 0), measured by counting allocations.
  const auto bank = run.bank.to(device);
  const std::int64_t resolution = run.model->clip->config().image_resolution;
  const auto clip = torch::randn({1, config.data.num_frames, 3, resolution, resolution}, device);
  const auto label = torch::zeros({1}, torch::TensorOptions().dtype(torch::kInt64).device(device));
  const auto per_clip = engine::measure_activations(
      [&] { return recipes::training_loss(run.model->forward(clip, bank).logits, label, config.loss); });
  const auto memory = engine::estimate_training_memory(*run.model, per_clip, config.train.micro_batch_size());
  print_json_line({{"dry_run", true},
                   {"device", run.device},
                   {"classes", run.class_names.size()},
                   {"train_videos", task.train_size()},
                   {"eval_videos", task.eval_size()},
                   {"steps_per_epoch", task.steps_per_epoch()},
                   {"parameters", parameter_json(*run.model)},
                   {"loss", loss.item<double>()},
                   {"head_grad_norm", head_grad},
                   {"memory", memory_json(memory, run.device)},
                   {"dataset", dataset}});
  return std::isfinite(loss.item<double>()) ? 0 : 1;
}

int run_train(const TrainArgs& args) {
  auto config = recipes::load_sfar_run_config(args.configs, args.overrides);
  if (!args.work_dir.empty()) config.run.work_dir = args.work_dir;
  if (args.dry_run) return run_dry(config);
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
  nlohmann::json line = {{"work_dir", r.work_dir},
                   {"steps", r.steps},
                   {"skipped_steps", r.skipped_steps},
                   {"bad_files", r.bad_files},
                   {"world_size", r.world_size},
                   {"dist_backend", r.dist_backend},
                   {"last_loss", r.last_loss},
                   {"metrics", r.metrics},
                   {"tensorboard", r.tensorboard},
                   {"plots", r.plots},
                   {"checkpoints", r.checkpoint_dir}};
  // The figures a user trains for, as metrics.jsonl holds them: the last epoch's and the best's.
  const auto figures = [](const recipes::EpochEval& e) {
    nlohmann::json j = {{"epoch", e.epoch}};
    for (const auto& [k, v] : e.metrics) j[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
    return j;
  };
  if (r.last_eval) line["last_eval"] = figures(*r.last_eval);
  if (r.best_eval) line["best_eval"] = figures(*r.best_eval);
  if (r.best_eval) line["best_metric"] = recipes::selection_metric(config);
  print_json_line(line);
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
  nlohmann::json line = {{"checkpoint", r.checkpoint}, {"step", r.step}};
  for (const auto& [k, v] : r.metrics) line[k] = v;
  if (!args.views.empty()) line["views"] = args.views;
  if (!r.per_class_accuracy.empty()) {  // multi-label: mAP only
    line["per_class_accuracy"] = r.per_class_accuracy;
    line["confusion_matrix"] = r.confusion_matrix;
  }
  print_json_line(line);
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
