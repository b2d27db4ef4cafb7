#include "sfar/recipes/run_scaffold.h"

#include "sfar/core/torch_compat.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/recipes/sfar_runner.h"

namespace sfar::recipes {

engine::RunDirOptions run_dir_options(const RunConfig& run, const std::string& work_dir, const std::string& yaml,
                                      const std::string& device) {
  engine::RunDirOptions options;
  options.work_dir = work_dir;
  options.config_text = yaml;
  options.device = device;
  options.libtorch_version = compat::torch_version();
  options.threads = run.threads;
  options.log_level = run.log_level;
  options.log_to_file = true;
  return options;
}

engine::TrainerSetup trainer_setup(const engine::TrainOptions& options, const RunConfig& run, const std::string& device,
                                   const std::string& yaml, engine::RunDir* dir, engine::ProgressSlot progress) {
  engine::TrainerSetup setup;
  setup.options = options;
  setup.device = device;
  setup.config_text = yaml;
  setup.seed = static_cast<std::uint64_t>(run.seed);
  setup.run = dir;
  setup.progress = std::move(progress);
  return setup;
}

ScoredModel load_scored_model(const SfarRunConfig& config, const std::string& device,
                              const ScoredModelOptions& options) {
  ScoredModel scored;
  scored.run = build_sfar_run(config, device, options.bank_dir);
  scored.checkpoint = options.checkpoint;
  if (options.choose) {
    const CheckpointChoice choice = choose_checkpoint(config, options.checkpoint, scored.run.head_ready);
    if (!choice.note.empty() && options.note) options.note(choice.note);
    scored.checkpoint = choice.path;
  }
  if (!scored.checkpoint.empty()) scored.step = engine::load_model_weights(*scored.run.model, scored.checkpoint);
  scored.device = torch::Device(device);
  scored.run.model->to(scored.device);
  scored.run.model->eval();
  scored.bank = scored.run.bank.to(scored.device);
  return scored;
}

}  // namespace sfar::recipes
