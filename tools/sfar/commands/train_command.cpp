// `sfar train` trains SFAR (or a baseline head) from a run config; `sfar eval` evaluates a
// checkpoint on the config's evaluation list and prints the metrics as one JSON line.
//
//   sfar train --config configs/k400/sfar_vit_b16.yaml --set data.root=/data/k400 --dry-run
//   sfar eval --config run.yaml --checkpoint runs/x/checkpoints/best.pt --views 4x3
//
// `sfar eval` also writes per_class_accuracy.csv and confusion_matrix.csv into run.work_dir.
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "../command.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/eval/metrics.h"
#include "sfar/train/run_dir.h"
#include "sfar/train/sfar_run_config.h"

#include "sfar/train/curve_plots.h"

#if SFAR_WITH_VIDEO
#include "dry_run_report.h"
#include "sfar/train/loss_targets.h"
#include "sfar/train/distributed.h"
#include "sfar/train/sfar_task.h"
#endif

namespace sfar::cli {
namespace {

struct TrainArgs {
  std::vector<std::string> configs, overrides;
  std::string work_dir, resume;
  bool dry_run = false;
  train::BarMode bar = train::BarMode::kOff;  // progress_bar_mode(--progress)
};

struct EvalArgs {
  std::vector<std::string> configs, overrides;
  std::string checkpoint;
  std::string views;  // "CxV"; empty: the config's clips and test pipeline
};

#if SFAR_WITH_VIDEO
train::SfarRunConfig load(const std::vector<std::string>& configs, const std::vector<std::string>& overrides) {
  auto config = train::load_sfar_run_config(configs, overrides);
  if (config.run.threads > 0) torch::set_num_threads(static_cast<int>(config.run.threads));
  torch::manual_seed(static_cast<std::uint64_t>(config.run.seed));
  return config;
}

nlohmann::json parameter_json(const method::SfarModelImpl& model) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [part, c] : method::count_parameters(model)) {
    out[part] = {{"total", c.total}, {"trainable", c.trainable}, {"frozen", c.frozen}};
  }
  return out;
}

int run_dry(const train::SfarRunConfig& config) {
  const nlohmann::json dataset = scan_dataset(config, data::load_class_names(config.data));
  train::SfarRun run = train::build_sfar_run(config, "");  // writes nothing
  train::SfarTrainTask task(run, config);
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
  const auto per_clip = train::measure_activations(
      [&] { return train::training_loss(run.model->forward(clip, bank).logits, label, config.loss); });
  const auto memory = train::estimate_training_memory(*run.model, per_clip, config.train.micro_batch_size());
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
  auto config = load(args.configs, args.overrides);
  if (!args.work_dir.empty()) config.run.work_dir = args.work_dir;
  if (args.dry_run) return run_dry(config);
  const std::string yaml = train::sfar_run_config_to_yaml(config);  // train.batch_size stays global
  // Under torchrun or srun: join the other ranks; rank 0 alone writes the run directory.
  const auto env = train::read_distributed_env();
  if (env.rank != 0) init_logging({config.run.log_level, "", env.rank});  // warnings and errors only
  const std::string device = train::rank_device(train::resolve_device(config.run.device), env);
  train::DistributedContext dist(env, {config.run.dist_backend, device, config.run.dist_timeout_s,
                                       config.run.dist_bucket_mb, config.run.dist_force_group});
  std::optional<train::RunDir> dir;
  if (dist.is_main()) {
    dir.emplace(train::RunDirOptions{config.run.work_dir, yaml, device, compat::torch_version(), config.run.threads,
                                     config.run.log_level, true});
  }
  const std::filesystem::path work_dir(config.run.work_dir);
  config.train = train::per_rank_train_options(config.train, dist.world_size());
  if (!dist.is_main()) dist.barrier();  // rank 0 encodes the text bank into the cache first
  train::SfarRun run = train::build_sfar_run(config, (work_dir / "cache").string());
  if (dist.is_main()) dist.barrier();
  train::SfarTrainTask task(run, config, &dist);
  train::TrainerSetup setup;
  setup.options = config.train;
  setup.device = device;
  setup.config_text = yaml;
  setup.checkpoint_dir = (work_dir / "checkpoints").string();
  setup.seed = static_cast<std::uint64_t>(config.run.seed);
  if (config.data.multi_label) setup.best_metric = "mAP";
  setup.run = dir ? &*dir : nullptr;
  // Rank 0 alone draws the bar; the others keep to warnings and errors.
  train::ProgressBar bar(&std::cerr, dist.is_main() ? args.bar : train::BarMode::kOff,
                         "train");
  setup.progress.bar = &bar;
  setup.distributed = &dist;
  train::Trainer trainer(run.model.ptr(), task, setup);
  if (!args.resume.empty()) trainer.resume(args.resume);
  trainer.fit();
  bar.finish(std::to_string(trainer.global_step()) + " steps");
  if (!dir) return 0;
  nlohmann::json plots = nlohmann::json::array();
  try {  // a missing plotting tool must not fail a finished run
    const auto result = train::plot_training_curves(dir->path());
    if (!result.warning.empty()) SFAR_LOG_WARN("{}", result.warning);
    for (const auto& png : result.pngs) plots.push_back(png);
  } catch (const Error& e) {
    SFAR_LOG_WARN("no plots: {}", e.what());
  }
  print_json_line({{"work_dir", dir->path()},
                   {"steps", trainer.global_step()},
                   {"skipped_steps", trainer.skipped_steps()},
                   {"bad_files", task.counters()["bad_files"]},
                   {"world_size", dist.world_size()},
                   {"dist_backend", dist.backend()},
                   {"last_loss", trainer.last_loss()},
                   {"metrics", dir->file("metrics.jsonl")},
                   {"tensorboard", dir->event_file()},
                   {"plots", plots},
                   {"checkpoints", dir->checkpoint_dir()}});
  return 0;
}

int run_eval(const EvalArgs& args) {
  auto config = load(args.configs, args.overrides);
  if (!args.views.empty()) train::apply_test_views(config, args.views);
  if (config.eval.list.empty()) throw ConfigError("eval.list", "no evaluation list to evaluate on");
  train::SfarRun run = train::build_sfar_run(config, "");
  train::SfarTrainTask task(run, config);
  train::TrainerSetup setup;
  setup.options = config.train;
  setup.device = run.device;
  setup.config_text = train::sfar_run_config_to_yaml(config);
  train::Trainer trainer(run.model.ptr(), task, setup);  // restores the weights by name
  if (!args.checkpoint.empty()) trainer.load_checkpoint(args.checkpoint);  // else model.weights as loaded
  run.model->eval();
  nlohmann::json line = {{"checkpoint", args.checkpoint}, {"step", trainer.global_step()}};
  for (const auto& [k, v] : task.evaluate(0)) line[k] = v;
  if (!args.views.empty()) line["views"] = args.views;
  if (!task.last_eval()) {  // multi-label: mAP only
    print_json_line(line);
    return 0;
  }
  const std::filesystem::path dir(config.run.work_dir);
  const std::string per_class = (dir / "per_class_accuracy.csv").string();
  const std::string confusion = (dir / "confusion_matrix.csv").string();
  eval::write_per_class_accuracy_csv(per_class, *task.last_eval(), run.class_names);
  eval::write_confusion_matrix_csv(confusion, *task.last_eval(), run.class_names);
  line["per_class_accuracy"] = per_class;
  line["confusion_matrix"] = confusion;
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
  eval->add_option("--checkpoint", eval_args->checkpoint, "Checkpoint written by sfar train (default: model.weights)");
  eval->add_option("--views", eval_args->views,
                   "Test views CxV: C clips per video, V crops per clip (1, or 3: center_crop -> three_crop)");
  context.on_run(eval, [eval_args] { return run_eval(*eval_args); });
}

}  // namespace sfar::cli
