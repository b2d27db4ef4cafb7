// evaluate_checkpoint (sfar_runner.h): weights into a freshly built model, one SfarEvaluator.
#include <optional>

#include "sfar/core/error.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/runtime_setup.h"
#include "sfar/recipes/sfar_evaluator.h"
#include "sfar/recipes/sfar_runner.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

EvaluationResult evaluate_checkpoint(SfarRunConfig config, const EvaluateOptions& options) {
  if (!options.views.empty()) apply_test_views(config, options.views);
  if (!options.work_dir.empty()) config.run.work_dir = options.work_dir;
  if (config.eval.list.empty()) throw ConfigError("eval.list", "no evaluation list to evaluate on");
  const std::string device = engine::apply_runtime(config.run);
  std::optional<engine::RunDir> dir;
  if (options.run_dir) {
    dir.emplace(engine::RunDirOptions{config.run.work_dir, sfar_run_config_to_yaml(config), device,
                                      compat::torch_version(), config.run.threads, config.run.log_level, true});
  }
  SfarRun run = build_sfar_run(config, device, dir ? dir->file("cache") : "");
  EvaluationResult result;
  if (!options.checkpoint.empty()) result.step = engine::load_model_weights(*run.model, options.checkpoint);
  run.model->to(torch::Device(device));
  run.model->eval();
  SfarEvaluator evaluator(run, config);
  result.metrics = evaluator.evaluate();
  if (dir) dir->log_eval(0, 0, result.metrics);
  const EvalTables tables = write_eval_tables(evaluator.last_result(), run.class_names, config.run.work_dir);
  result.per_class_accuracy = tables.per_class_accuracy;
  result.confusion_matrix = tables.confusion_matrix;
  return result;
}

}  // namespace sfar::recipes
