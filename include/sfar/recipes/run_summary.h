// The JSON line `sfar train` and `sfar eval` print for a finished run: what the run wrote and
// the figures a user trains for, as metrics.jsonl holds them (non-finite figures are null).
//
//   print_json_line(training_summary(run_training(config), config));
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sfar/recipes/pretrain_task.h"
#include "sfar/recipes/sfar_runner.h"

namespace sfar::recipes {

// work_dir, steps, the files written, and the last and the best epoch's evaluation (with the
// metric that chose the best) when there was one.
nlohmann::json training_summary(const TrainingResult& result, const SfarRunConfig& config);

// checkpoint, step, the metrics, `views` when given, and the tables written (single-label sets).
nlohmann::json evaluation_summary(const EvaluationResult& result, const std::string& views);

// `sfar pretrain`'s line: the files written, the sizes, the losses and the retrieval figures.
nlohmann::json pretraining_summary(const PretrainResult& result, const PretrainConfig& config);

}  // namespace sfar::recipes
