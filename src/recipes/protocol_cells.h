// The runs a protocol is made of (private to protocol_kinds.cpp): one training run from
// scratch, or one evaluation of a checkpoint, each in its own work dir, and how its result
// becomes a row of results.json.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sfar/recipes/protocol_epochs.h"
#include "sfar/recipes/protocol_report.h"
#include "sfar/recipes/protocol_runner.h"
#include "sfar/recipes/sfar_run_config.h"
#include "sfar/recipes/sfar_runner.h"

namespace sfar::recipes {

struct Cell {
  std::map<std::string, double> metrics;  // the reported evaluation (empty without eval.list)
  std::string checkpoint;                 // the reported weights (training: best.pt or the last step's)
  std::optional<EpochEval> best, last;    // training runs with an evaluation list
  std::int64_t steps_per_epoch = 0;       // training runs
};

// The protocol's one progress bar: every training run fills an equal share of it, every
// evaluation of a checkpoint a twentieth of that (all of it when the protocol trains nothing).
class CellProgress {
 public:
  CellProgress(engine::ProgressBar* bar, std::int64_t trainings, std::int64_t evaluations);
  // The next training run's share of the bar; `what` names it ("K=4 seed 1").
  engine::ProgressSlot training(const std::string& what);
  // Before and after an evaluation-only run.
  void evaluating(const std::string& what);
  void evaluated();

 private:
  void show(const std::string& what);
  engine::ProgressBar* bar_;
  double total_, evaluation_share_, done_ = 0;
  std::int64_t runs_ = 0, started_ = 0;
};

// Trains `config` from scratch in `work_dir`, evaluating on eval.list after every epoch; the
// cell is the epoch protocol.report names (best by selection_metric, or last), with that epoch's
// weights. Without eval.list there is nothing to choose from: the last weights, no metrics.
Cell train_cell(SfarRunConfig config, const std::string& work_dir, const engine::ProgressSlot& progress);

// Evaluates `checkpoint` on config.eval.list with the classes (and text bank) of config.data.labels.
Cell evaluate_cell(SfarRunConfig config, const std::string& checkpoint, const std::string& work_dir);

// The cell's `name` metric; ConfigError naming `where` when the run produced none.
double metric(const Cell& cell, const std::string& name, const std::string& where);

// The results.json row of `cell`.
ProtocolRun record(const std::string& column, std::int64_t seed, const std::string& dir, const Cell& cell);

}  // namespace sfar::recipes
