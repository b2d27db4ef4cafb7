#include "sfar/recipes/protocol_epochs.h"

#include <cmath>

#include "sfar/core/error.h"

namespace sfar::recipes {

bool improves(double value, const std::optional<double>& best) {
  if (!std::isfinite(value)) return false;
  return !best || value > *best;
}

EpochChoice choose_epochs(const std::vector<EpochEval>& evals, const std::string& metric, const std::string& where) {
  if (evals.empty()) throw ConfigError(where, "the run evaluated no epoch, so there is no result to report");
  std::optional<double> best_value;
  std::size_t best = 0;
  for (std::size_t i = 0; i < evals.size(); ++i) {
    const auto it = evals[i].metrics.find(metric);
    if (it != evals[i].metrics.end() && improves(it->second, best_value)) {
      best_value = it->second;
      best = i;
    }
  }
  if (!best_value) {
    throw ConfigError(where, "no epoch's evaluation has a finite '" + metric + "' (" +
                                 std::to_string(evals.size()) + " epochs evaluated)");
  }
  return {evals[best], evals.back()};
}

std::map<std::string, double> EpochRecorder::evaluate(std::int64_t epoch) {
  auto metrics = task_.evaluate(epoch);
  if (metrics.empty()) return metrics;  // no evaluation list
  evals_.push_back({epoch, metrics});
  const auto it = metrics.find(metric_);
  if (it != metrics.end() && improves(it->second, best_value_)) {
    best_value_ = it->second;
    best_result_ = task_.last_eval();
  }
  return metrics;
}

}  // namespace sfar::recipes
