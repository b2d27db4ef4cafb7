// The one sequence every kind of run goes through, written here once; training (run_training),
// evaluation (evaluate_checkpoint), inference and feature export (video_inference.h),
// pre-training (run_pretraining), `train --dry-run` (dry_run.h) and `bench train`
// (bench_train.h) differ only by the task and the options they pass:
//
//   1. runtime      engine::apply_runtime(config.run): threads, seed, device
//   2. run dir      engine::RunDir(run_dir_options(config.run, work_dir, yaml, device)), rank 0 only
//   3. model        build_sfar_run (training), load_scored_model (a checkpoint scored)
//   4. task         SfarTrainTask, PretrainTask, SyntheticTrainTask; or an SfarEvaluator
//   5. Trainer      engine::Trainer(model, task, trainer_setup(config.train, ...)).fit()
//   6. outputs      tables, curves, the result the command prints
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

#include "sfar/core/sfar_config.h"
#include "sfar/engine/progress.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/trainer.h"
#include "sfar/recipes/sfar_run_config.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

// Step 2: a run directory in `work_dir` holding `yaml` as resolved.yaml, its log at run.log_level.
engine::RunDirOptions run_dir_options(const RunConfig& run, const std::string& work_dir, const std::string& yaml,
                                      const std::string& device);

// Step 5: the Trainer's setup for `options` on `device`, seeded by run.seed; `dir` (may be
// null) receives the metrics, `yaml` goes into checkpoints.
engine::TrainerSetup trainer_setup(const engine::TrainOptions& options, const RunConfig& run, const std::string& device,
                                   const std::string& yaml, engine::RunDir* dir, engine::ProgressSlot progress = {});

// Step 3 of a scored run: the model with the weights a command scores, on its device, in eval
// mode, its text bank there too.
struct ScoredModel {
  SfarRun run;
  method::TextBank bank;           // run.bank on `device`
  torch::Device device = torch::kCPU;
  std::string checkpoint;          // the checkpoint loaded; empty: model.weights as loaded
  std::int64_t step = 0;           // its global step; 0 without one
};

struct ScoredModelOptions {
  std::string checkpoint;   // as given (--checkpoint); see `choose`
  // choose_checkpoint decides from `checkpoint` (the run's best.pt, or model.weights when the
  // head is ready) and `note` receives its line; false: `checkpoint` is loaded as it is (empty:
  // model.weights as loaded).
  bool choose = false;
  std::function<void(const std::string&)> note;
  std::string bank_dir;     // where the text bank is cached; empty: not cached
};

// `device` is apply_runtime's (step 1).
ScoredModel load_scored_model(const SfarRunConfig& config, const std::string& device,
                              const ScoredModelOptions& options);

}  // namespace sfar::recipes
