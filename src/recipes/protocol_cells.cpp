#include "protocol_cells.h"

#include <filesystem>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/recipes/sfar_runner.h"

namespace sfar::recipes {

namespace fs = std::filesystem;

CellProgress::CellProgress(engine::ProgressBar* bar, std::int64_t trainings, std::int64_t evaluations)
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

engine::ProgressSlot CellProgress::training(const std::string& what) {
  ++started_;
  show(what);
  engine::ProgressSlot slot{bar_, done_ / total_, (done_ + 1) / total_,
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

Cell train_cell(SfarRunConfig config, const std::string& work_dir, const engine::ProgressSlot& progress) {
  SFAR_LOG_INFO("protocol: training {} (seed {}) in {}", config.data.list, config.run.seed, work_dir);
  const ReportEpoch report = config.protocol.report;
  const std::string metric_name = selection_metric(config);
  RunTrainingOptions options;
  options.work_dir = work_dir;
  options.progress = progress;
  options.record_epochs = true;
  const TrainingResult run = run_training(config, options);
  Cell cell;
  cell.steps_per_epoch = run.steps_per_epoch;
  const engine::CheckpointDir checkpoints(run.checkpoint_dir, config.train.keep_last);
  cell.checkpoint = checkpoints.path_for_step(run.steps);
  if (run.evals.empty()) {
    if (report == ReportEpoch::kBest) {
      SFAR_LOG_WARN("protocol: {} has no eval.list to choose the best epoch on: the last weights are used", work_dir);
    }
    return cell;
  }
  const EpochChoice choice = choose_epochs(run.evals, metric_name, "eval.list");
  cell.best = choice.best;
  cell.last = choice.last;
  const bool best = report == ReportEpoch::kBest;
  cell.metrics = best ? choice.best.metrics : choice.last.metrics;
  SFAR_LOG_INFO("protocol: best {} {} at epoch {}, last {} (reporting the {})", metric_name,
                choice.best.metrics.at(metric_name), choice.best.epoch + 1,
                choice.last.metrics.count(metric_name) ? choice.last.metrics.at(metric_name) : NAN,
                to_string(report));
  if (best) {
    cell.checkpoint = (fs::path(run.checkpoint_dir) / "best.pt").string();
    if (!fs::is_regular_file(cell.checkpoint)) {
      throw IoError(cell.checkpoint, "the trainer kept no best.pt for the best epoch");
    }
  }
  write_eval_tables(best ? run.best_result : run.last_result, run.class_names, run.work_dir);
  return cell;
}

Cell evaluate_cell(SfarRunConfig config, const std::string& checkpoint, const std::string& work_dir) {
  SFAR_LOG_INFO("protocol: evaluating {} on {} ({}) in {}", checkpoint, config.eval.list, config.data.labels,
                work_dir);
  EvaluateOptions options;
  options.checkpoint = checkpoint;
  options.work_dir = work_dir;
  options.run_dir = true;
  Cell cell;
  cell.metrics = evaluate_checkpoint(config, options).metrics;
  cell.checkpoint = checkpoint;
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

}  // namespace sfar::recipes
