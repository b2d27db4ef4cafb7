// One SFAR run and one evaluation, from a run config, for every caller: `sfar train` (ranks,
// resume, its progress bar), `sfar eval`, and the protocol runner's training and evaluation
// runs. The sequence (threads, seed, device, run directory, model, task, trainer, fit,
// evaluation tables, plots) is written here once; callers differ only by the options.
//
//   TrainingResult r = run_training(config, {.work_dir = "runs/x"});
//   EvaluationResult e = evaluate_checkpoint(config, {.checkpoint = "runs/x/checkpoints/best.pt"});
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sfar/engine/distributed_env.h"
#include "sfar/engine/progress.h"
#include "sfar/eval/metrics.h"
#include "sfar/recipes/protocol_report.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

// The metric that picks best.pt and a protocol's best epoch: mAP for multi-label sets
// (data.multi_label), else top1.
std::string selection_metric(const SfarRunConfig& config);

struct RunTrainingOptions {
  std::string work_dir;                         // empty: config.run.work_dir
  std::string resume;                           // empty: from scratch; "auto" or a checkpoint (Trainer::resume)
  engine::ProgressSlot progress;                        // the run's share of a progress bar (none by default)
  // A rank of a torchrun/srun launch (read_distributed_env): it joins the others, reads its
  // shard with train.batch_size / world_size, and rank 0 alone writes the run directory.
  // Null: one process that forms no group.
  const engine::DistributedEnv* distributed = nullptr;
  // Keep every epoch's evaluation and the full results of the best and the last epoch
  // (EpochRecorder), for a protocol's best/last choice.
  bool record_epochs = false;
};

struct TrainingResult {
  bool main = true;                     // rank 0: wrote the run directory (the paths below)
  std::string work_dir, device;
  std::string metrics, tensorboard, checkpoint_dir;
  std::vector<std::string> plots;       // the curves drawn (none without gnuplot)
  std::int64_t steps = 0, skipped_steps = 0, bad_files = 0;
  std::int64_t steps_per_epoch = 0, train_videos = 0;
  double last_loss = 0;
  int world_size = 1;
  std::string dist_backend = "none";
  std::vector<std::string> class_names;
  // record_epochs: every epoch's evaluation (empty without eval.list), and the full results
  // of the best epoch (by selection_metric) and the last; empty for multi-label sets.
  std::vector<EpochEval> evals;
  std::optional<eval::ClassificationResult> best_result, last_result;
  // Rank 0, from metrics.jsonl (so a resumed run counts its earlier epochs too): the last
  // epoch's evaluation and the best by selection_metric, the epoch whose weights best.pt holds.
  // Empty without eval.list; best is empty when no epoch has a finite figure.
  std::optional<EpochEval> last_eval, best_eval;
};

// Trains `config` in its work directory: resolved.yaml, log, metrics.jsonl, TensorBoard events,
// checkpoints (best.pt by selection_metric), the text bank cache and the training curves.
TrainingResult run_training(SfarRunConfig config, const RunTrainingOptions& options = {});

// `<run.work_dir>/checkpoints/best.pt`: where `sfar train` keeps the run's best weights.
std::string run_best_checkpoint(const SfarRunConfig& config);

// Which weights `sfar eval`, `infer` and `export-features` score, from their --checkpoint:
//   a path  that checkpoint;
//   "none"  model.weights as loaded;
//   empty   the run's best.pt when it exists; else model.weights when `head_ready`
//           (SfarRun::head_ready: an export's head, or a head without weights); else an
//           ArgumentError naming --checkpoint and the folder searched: a freshly initialised head
//           is never scored in silence.
struct CheckpointChoice {
  std::string path;  // the checkpoint to load; empty: model.weights as loaded
  std::string note;  // one line saying which weights were chosen, when --checkpoint did not name them
};
CheckpointChoice choose_checkpoint(const SfarRunConfig& config, const std::string& given, bool head_ready);

struct EvaluateOptions {
  std::string checkpoint;  // a training checkpoint; empty: model.weights as loaded (see choose)
  std::string views;       // test views "CxV" (apply_test_views); empty: the config's
  std::string work_dir;    // where the tables go; empty: <config.run.work_dir>/eval
  // A run directory in work_dir (resolved.yaml, log, the evaluation in metrics.jsonl, the
  // text bank cache), as a protocol's evaluation-only runs keep.
  bool run_dir = false;
  // `checkpoint` is --checkpoint as given: the weights are choose_checkpoint's, and `note`
  // receives its line (before the evaluation starts).
  bool choose = false;
  std::function<void(const std::string&)> note;
  engine::ProgressSlot progress;  // the evaluation's share of a progress bar (none by default)
};

struct EvaluationResult {
  std::string checkpoint;                          // the checkpoint loaded; empty: model.weights as loaded
  std::map<std::string, double> metrics;
  std::int64_t step = 0;                           // the checkpoint's global step; 0 without one
  std::string per_class_accuracy, confusion_matrix;  // the tables written; empty for multi-label sets
};

// Evaluates on config.eval.list (ConfigError when empty) with an SfarEvaluator: no optimizer,
// and data.list is never opened. Writes per_class_accuracy.csv and confusion_matrix.csv for
// single-label sets into options.work_dir, or else into <run.work_dir>/eval, so that a training
// run's own tables are never overwritten.
EvaluationResult evaluate_checkpoint(SfarRunConfig config, const EvaluateOptions& options = {});

struct EvalTables {
  std::string per_class_accuracy, confusion_matrix;
};
// Writes `result`'s per-class accuracy and confusion matrix into `dir`; nothing (empty paths)
// for a multi-label set's empty result.
EvalTables write_eval_tables(const std::optional<eval::ClassificationResult>& result,
                             const std::vector<std::string>& class_names, const std::string& dir);

}  // namespace sfar::recipes
