#include "protocol_cells.h"

#include <torch/torch.h>

#include <filesystem>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/eval/metrics.h"
#include "sfar/train/checkpoint.h"
#include "sfar/train/curve_plots.h"
#include "sfar/train/run_dir.h"
#include "sfar/train/sfar_task.h"

namespace sfar::train {

namespace fs = std::filesystem;

namespace {

RunDir open_run_dir(SfarRunConfig& config, const std::string& work_dir) {
  config.run.work_dir = work_dir;
  return RunDir({work_dir, sfar_run_config_to_yaml(config), resolve_device(config.run.device),
                 compat::torch_version(), config.run.threads, config.run.log_level, true});
}

void write_eval_tables(const std::optional<eval::ClassificationResult>& result, const SfarRun& run,
                       const RunDir& dir) {
  if (!result) return;  // multi-label sets: mAP only
  eval::write_per_class_accuracy_csv(dir.file("per_class_accuracy.csv"), *result, run.class_names);
  eval::write_confusion_matrix_csv(dir.file("confusion_matrix.csv"), *result, run.class_names);
}

}  // namespace

std::string protocol_metric(const SfarRunConfig& config) { return config.data.multi_label ? "mAP" : "top1"; }

CellProgress::CellProgress(ProgressBar* bar, std::int64_t trainings, std::int64_t evaluations)
    : bar_(bar),
      total_(0),
      evaluation_share_(trainings > 0 ? 0.05 : 1.0),
      runs_(trainings + evaluations) {
  total_ = static_cast<double>(trainings) + evaluation_share_ * static_cast<double>(evaluations);
  if (total_ <= 0) total_ = 1;
}

void CellProgress::show(const std::string& what) {
  if (!bar_) return;
  const std::string run = "run " + std::to_string(started_) + "/" + std::to_string(runs_);
  bar_->update(done_ / total_, what.empty() ? run : run + " " + what);
}

ProgressSlot CellProgress::training(const std::string& what) {
  ++started_;
  show(what);
  ProgressSlot slot{bar_, done_ / total_, (done_ + 1) / total_,
                    "run " + std::to_string(started_) + "/" + std::to_string(runs_) + " " + what};
  done_ += 1;
  return slot;
}

void CellProgress::evaluating(const std::string& what) {
  ++started_;
  show("evaluating " + what);
}

void CellProgress::evaluated() {
  done_ += evaluation_share_;
  show("");
}

Cell train_cell(SfarRunConfig config, const std::string& work_dir, const ProgressSlot& progress) {
  SFAR_LOG_INFO("protocol: training {} (seed {}) in {}", config.data.list, config.run.seed, work_dir);
  const ReportEpoch report = config.protocol.report;
  const std::string metric_name = protocol_metric(config);
  torch::manual_seed(static_cast<std::uint64_t>(config.run.seed));
  RunDir dir = open_run_dir(config, work_dir);
  SfarRun run = build_sfar_run(config, dir.file("cache"));
  SfarTrainTask task(run, config);
  EpochRecorder recorder(task, metric_name);
  TrainerSetup setup;
  setup.options = config.train;
  setup.device = run.device;
  setup.config_text = sfar_run_config_to_yaml(config);
  setup.checkpoint_dir = dir.checkpoint_dir();
  setup.best_metric = metric_name;  // best.pt must be the epoch choose_epochs picks
  setup.seed = static_cast<std::uint64_t>(config.run.seed);
  setup.run = &dir;
  setup.progress = progress;
  Cell cell;
  cell.steps_per_epoch = task.steps_per_epoch();
  SFAR_LOG_INFO("protocol: {} training videos, {} optimizer steps per epoch of {}, {} epochs", task.train_size(),
                cell.steps_per_epoch, config.train.batch_size, config.train.epochs);
  Trainer trainer(run.model.ptr(), recorder, setup);
  trainer.fit();
  const CheckpointDir checkpoints(dir.checkpoint_dir(), config.train.keep_last);
  cell.checkpoint = checkpoints.path_for_step(trainer.global_step());
  if (recorder.evals().empty()) {
    if (report == ReportEpoch::kBest) {
      SFAR_LOG_WARN("protocol: {} has no eval.list to choose the best epoch on: the last weights are used", work_dir);
    }
  } else {
    const EpochChoice choice = choose_epochs(recorder.evals(), metric_name, "eval.list");
    cell.best = choice.best;
    cell.last = choice.last;
    const bool best = report == ReportEpoch::kBest;
    cell.metrics = best ? choice.best.metrics : choice.last.metrics;
    SFAR_LOG_INFO("protocol: best {} {} at epoch {}, last {} (reporting the {})", metric_name,
                  choice.best.metrics.at(metric_name), choice.best.epoch + 1,
                  choice.last.metrics.count(metric_name) ? choice.last.metrics.at(metric_name) : NAN,
                  to_string(report));
    if (best) {
      cell.checkpoint = (fs::path(dir.checkpoint_dir()) / "best.pt").string();
      if (!fs::is_regular_file(cell.checkpoint)) {
        throw IoError(cell.checkpoint, "the trainer kept no best.pt for the best epoch");
      }
    }
    write_eval_tables(best ? recorder.best_result() : recorder.last_result(), run, dir);
  }
  try {  // curves as `sfar train` draws them; a missing gnuplot must not fail the protocol
    const PlotResult plots = plot_training_curves(dir.path());
    if (!plots.warning.empty()) SFAR_LOG_WARN("{}", plots.warning);
  } catch (const Error& e) {
    SFAR_LOG_WARN("no plots for {}: {}", dir.path(), e.what());
  }
  return cell;
}

Cell evaluate_cell(SfarRunConfig config, const std::string& checkpoint, const std::string& work_dir) {
  SFAR_LOG_INFO("protocol: evaluating {} on {} ({}) in {}", checkpoint, config.eval.list, config.data.labels,
                work_dir);
  // SfarTrainTask also opens a training list, which evaluation never reads: let it be the
  // evaluation list, in batches of one so that any list is long enough.
  config.data.list = config.eval.list;
  config.train.batch_size = 1;
  config.train.micro_batch = 0;
  torch::manual_seed(static_cast<std::uint64_t>(config.run.seed));
  RunDir dir = open_run_dir(config, work_dir);
  SfarRun run = build_sfar_run(config, dir.file("cache"));
  load_model_weights(*run.model, checkpoint);
  run.model->to(torch::Device(run.device));
  run.model->eval();
  SfarTrainTask task(run, config);
  Cell cell;
  cell.metrics = task.evaluate(0);
  cell.checkpoint = checkpoint;
  dir.log_eval(0, 0, cell.metrics);
  write_eval_tables(task.last_eval(), run, dir);
  return cell;
}

double metric(const Cell& cell, const std::string& name, const std::string& where) {
  const auto it = cell.metrics.find(name);
  if (it == cell.metrics.end()) throw ConfigError(where, "the run produced no '" + name + "' (no evaluation list?)");
  return it->second;
}

ProtocolRun record(const std::string& column, std::int64_t seed, const std::string& dir, const Cell& cell) {
  ProtocolRun run{column, seed, dir, cell.metrics, {}, cell.best, cell.last, cell.steps_per_epoch};
  if (!cell.checkpoint.empty()) run.files["checkpoint"] = cell.checkpoint;
  return run;
}

}  // namespace sfar::train
