#include "sfar/recipes/sfar_runner.h"

#include <filesystem>
#include <optional>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/curve_plots.h"
#include "sfar/engine/distributed.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/engine/trainer.h"
#include "sfar/recipes/protocol_epochs.h"
#include "sfar/recipes/run_scaffold.h"
#include "sfar/recipes/sfar_run_inputs.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

namespace fs = std::filesystem;

namespace {

// The curves of a finished run; a missing plotting tool must not fail it.
std::vector<std::string> draw_plots(const std::string& dir) {
  try {
    const engine::PlotResult result = engine::plot_training_curves(dir);
    if (!result.warning.empty()) SFAR_LOG_WARN("{}", result.warning);
    return result.pngs;
  } catch (const Error& e) {
    SFAR_LOG_WARN("no plots for {}: {}", dir, e.what());
    return {};
  }
}

// The last and the best (by `metric`, as the Trainer keeps best.pt) of a run's evaluations.
void read_last_and_best(const std::string& metrics_path, const std::string& metric, TrainingResult& result) {
  if (!fs::exists(metrics_path)) return;  // nothing logged (a finished run resumed)
  std::optional<double> best_value;
  for (const auto& line : engine::read_eval_lines(metrics_path)) {
    const EpochEval e{line.epoch, line.metrics};
    result.last_eval = e;
    const auto it = line.metrics.find(metric);
    if (it != line.metrics.end() && improves(it->second, best_value)) {
      best_value = it->second;
      result.best_eval = e;
    }
  }
}

}  // namespace

std::string selection_metric(const SfarRunConfig& config) { return config.data.multi_label ? "mAP" : "top1"; }

TrainingResult run_training(SfarRunConfig config, const RunTrainingOptions& options) {
  if (!options.work_dir.empty()) config.run.work_dir = options.work_dir;
  const engine::DistributedEnv env = options.distributed ? *options.distributed : engine::DistributedEnv{};
  const std::string device = engine::apply_runtime(config.run, env);
  const std::string yaml = sfar_run_config_to_yaml(config);  // train.batch_size stays global
  std::optional<engine::DistributedContext> dist;
  if (options.distributed) {
    dist.emplace(env, engine::DistributedOptions{config.run.dist_backend, device, config.run.dist_timeout_s,
                                                 config.run.dist_bucket_mb, config.run.dist_force_group});
  }
  TrainingResult result;
  result.main = !dist || dist->is_main();
  result.device = device;
  if (dist) config.train = engine::per_rank_train_options(config.train, dist->world_size());
  // Everything that can be refused is refused before the run directory is written.
  SfarInputs inputs = load_sfar_inputs(config);
  check_sfar_lists(config, inputs.class_names);
  std::optional<engine::RunDir> dir;
  if (result.main) {
    dir.emplace(run_dir_options(config.run, config.run.work_dir, yaml, device));
  }
  const fs::path work_dir(config.run.work_dir);
  if (dist && !result.main) dist->barrier();  // rank 0 encodes the text bank into the cache first
  SfarRun run = assemble_sfar_run(std::move(inputs), config, device, (work_dir / "cache").string());
  if (dist && result.main) dist->barrier();
  SfarTrainTask task(run, config, dist ? &*dist : nullptr);
  task.set_progress(options.progress);
  const std::string metric = selection_metric(config);
  std::optional<EpochRecorder> recorder;
  if (options.record_epochs) recorder.emplace(task, metric);
  engine::TrainerSetup setup =
      trainer_setup(config.train, config.run, device, yaml, dir ? &*dir : nullptr, options.progress);
  setup.checkpoint_dir = (work_dir / "checkpoints").string();
  setup.best_metric = metric;  // best.pt must be the epoch a protocol's choose_epochs picks
  setup.distributed = dist ? &*dist : nullptr;
  result.steps_per_epoch = task.steps_per_epoch();
  result.train_videos = task.train_size();
  SFAR_LOG_INFO("{} training videos, {} optimizer steps per epoch of {}, {} epochs", result.train_videos,
                result.steps_per_epoch, config.train.batch_size * (dist ? dist->world_size() : 1),
                config.train.epochs);
  engine::TrainTask& trained = recorder ? static_cast<engine::TrainTask&>(*recorder) : task;
  engine::Trainer trainer(run.model.ptr(), trained, setup);
  if (!options.resume.empty()) trainer.resume(options.resume);
  trainer.fit();

  result.steps = trainer.global_step();
  result.skipped_steps = trainer.skipped_steps();
  result.last_loss = trainer.last_loss();
  result.bad_files = task.counters()["bad_files"];
  result.world_size = dist ? dist->world_size() : 1;
  if (dist) result.dist_backend = dist->backend();
  result.class_names = run.class_names;
  if (recorder) {
    result.evals = recorder->evals();
    result.best_result = recorder->best_result();
    result.last_result = recorder->last_result();
  }
  if (!dir) return result;
  result.work_dir = dir->path();
  result.metrics = dir->file("metrics.jsonl");
  result.tensorboard = dir->event_file();
  result.checkpoint_dir = dir->checkpoint_dir();
  result.plots = draw_plots(dir->path());
  read_last_and_best(result.metrics, metric, result);
  return result;
}

EvalTables write_eval_tables(const std::optional<eval::ClassificationResult>& result,
                             const std::vector<std::string>& class_names, const std::string& dir) {
  if (!result) return {};  // multi-label sets: mAP only
  EvalTables tables{(fs::path(dir) / "per_class_accuracy.csv").string(),
                    (fs::path(dir) / "confusion_matrix.csv").string()};
  eval::write_per_class_accuracy_csv(tables.per_class_accuracy, *result, class_names);
  eval::write_confusion_matrix_csv(tables.confusion_matrix, *result, class_names);
  return tables;
}

}  // namespace sfar::recipes
