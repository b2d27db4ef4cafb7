// Which epoch of a protocol's training run its cell reports. The peers (ViFi-CLIP, BIKE)
// evaluate after every epoch and report the best; `protocol.report: last` reports the final
// epoch instead. Both are kept in results.json so that either can be compared.
//
//   EpochRecorder recorder(task, "top1");
//   Trainer trainer(model, recorder, setup);   // the trainer calls recorder.evaluate()
//   trainer.fit();
//   const EpochChoice c = choose_epochs(recorder.evals(), "top1", "eval.list");
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sfar/engine/trainer.h"
#include "sfar/eval/metrics.h"
#include "sfar/recipes/protocol_config.h"
#include "sfar/recipes/protocol_report.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

// True when `value` beats `best`: higher is better, a NaN never beats anything, and a tie keeps
// the earlier epoch. This is the rule the Trainer uses to keep best.pt, so that the epoch chosen
// here is the one whose weights best.pt holds.
bool improves(double value, const std::optional<double>& best);

struct EpochChoice {
  EpochEval best;  // the first epoch with the highest `metric`
  EpochEval last;  // the final epoch
};

// Throws ConfigError naming `where` when there is no evaluation, or when no epoch has a finite
// `metric` (the run produced no such metric, e.g. top1 of a multi-label set).
EpochChoice choose_epochs(const std::vector<EpochEval>& evals, const std::string& metric, const std::string& where);

// Passes every call on to the SfarTrainTask and keeps each epoch's evaluation, plus the full
// single-label result (per-class counts, confusion matrix) of the best and the last epoch, so
// that the tables a protocol writes match the epoch it reports.
class EpochRecorder : public engine::TrainTask {
 public:
  EpochRecorder(SfarTrainTask& task, std::string metric) : task_(task), metric_(std::move(metric)) {}

  std::int64_t steps_per_epoch() override { return task_.steps_per_epoch(); }
  torch::Tensor loss(const engine::StepContext& ctx) override { return task_.loss(ctx); }
  std::map<std::string, double> evaluate(std::int64_t epoch) override;
  std::map<std::string, std::int64_t> counters() override { return task_.counters(); }
  std::string save_state() override { return task_.save_state(); }
  void load_state(const std::string& state) override { task_.load_state(state); }

  const std::vector<EpochEval>& evals() const { return evals_; }
  // Empty for multi-label sets, whose evaluation has no confusion matrix.
  const std::optional<eval::ClassificationResult>& best_result() const { return best_result_; }
  const std::optional<eval::ClassificationResult>& last_result() const { return task_.last_eval(); }

 private:
  SfarTrainTask& task_;
  std::string metric_;
  std::vector<EpochEval> evals_;
  std::optional<double> best_value_;
  std::optional<eval::ClassificationResult> best_result_;
};

}  // namespace sfar::recipes
