// evaluate_checkpoint (sfar_runner.h): weights into a freshly built model, one SfarEvaluator;
// and choose_checkpoint, the rule of which weights a command scores.
#include <filesystem>
#include <optional>

#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/recipes/sfar_evaluator.h"
#include "sfar/recipes/run_scaffold.h"
#include "sfar/recipes/sfar_runner.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

namespace fs = std::filesystem;

std::string run_best_checkpoint(const SfarRunConfig& config) {
  return (fs::path(config.run.work_dir) / "checkpoints" / "best.pt").string();
}

CheckpointChoice choose_checkpoint(const SfarRunConfig& config, const std::string& given, bool head_ready) {
  if (given == "none") return {"", "--checkpoint none: scoring model.weights as loaded (" + config.model.weights + ")"};
  if (!given.empty()) return {given, ""};
  const std::string best = run_best_checkpoint(config);
  if (fs::is_regular_file(best)) return {best, "no --checkpoint: scoring the run's best.pt, " + best};
  if (head_ready) {
    return {"", "no --checkpoint and no " + best + ": scoring model.weights as loaded (" + config.model.weights + ")"};
  }
  throw ArgumentError("--checkpoint",
                      "not given, and run.work_dir has no best.pt (looked for " + best + "): the " +
                          method::to_string(config.head.type) +
                          " head would be scored untrained. Train first (sfar train), name a checkpoint, or give "
                          "--checkpoint none to score model.weights as loaded");
}

EvaluationResult evaluate_checkpoint(SfarRunConfig config, const EvaluateOptions& options) {
  if (!options.views.empty()) apply_test_views(config, options.views);
  if (config.eval.list.empty()) throw ConfigError("eval.list", "no evaluation list to evaluate on");
  // Never the training run's own folder: its tables and resolved.yaml stay as training left them.
  const std::string work_dir =
      options.work_dir.empty() ? (fs::path(config.run.work_dir) / "eval").string() : options.work_dir;
  const std::string device = engine::apply_runtime(config.run);
  std::optional<engine::RunDir> dir;
  if (options.run_dir) {
    dir.emplace(run_dir_options(config.run, work_dir, sfar_run_config_to_yaml(config), device));
  }
  ScoredModel scored =
      load_scored_model(config, device, {options.checkpoint, options.choose, options.note, dir ? dir->file("cache") : ""});
  EvaluationResult result;
  result.checkpoint = scored.checkpoint;
  result.step = scored.step;
  SfarEvaluator evaluator(scored.run, config);
  result.metrics = evaluator.evaluate(options.progress);
  if (dir) dir->log_eval(0, 0, result.metrics);
  fs::create_directories(work_dir);
  const EvalTables tables = write_eval_tables(evaluator.last_result(), scored.run.class_names, work_dir);
  result.per_class_accuracy = tables.per_class_accuracy;
  result.confusion_matrix = tables.confusion_matrix;
  return result;
}

}  // namespace sfar::recipes
