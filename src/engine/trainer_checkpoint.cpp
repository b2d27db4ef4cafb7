// The Trainer's checkpoints: what train_step and fit depend on (weights, AdamW moments, loss
// scale, EMA, every random generator, the task's state), written and read back exactly.
#include <filesystem>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/distributed.h"
#include "sfar/engine/run_dir.h"
#include "sfar/engine/trainer.h"

namespace sfar::engine {

namespace {

torch::Generator cuda_generator(int index) {
  return at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, index));
}

}  // namespace

std::string Trainer::checkpoint_bytes() {
  torch::serialize::OutputArchive a;
  a.write(checkpoint_key::kFormat, c10::IValue(std::string(kCheckpointFormat)));
  a.write(checkpoint_key::kGlobalStep, c10::IValue(global_step_));
  a.write(checkpoint_key::kEpoch, c10::IValue(global_step_ / steps_per_epoch_));
  a.write(checkpoint_key::kStepsPerEpoch, c10::IValue(steps_per_epoch_));
  a.write(checkpoint_key::kNonfiniteInARow, c10::IValue(nonfinite_in_a_row_));
  a.write(checkpoint_key::kSkippedSteps, c10::IValue(skipped_steps_));
  a.write(checkpoint_key::kConfig, c10::IValue(setup_.config_text));
  a.write(checkpoint_key::kConfigHash, c10::IValue(config_hash(setup_.config_text)));
  a.write(checkpoint_key::kHasBest, c10::IValue(best_metric_value_.has_value()));
  a.write(checkpoint_key::kBestMetric, c10::IValue(best_metric_value_.value_or(0.0)));
  a.write(checkpoint_key::kBestStep, c10::IValue(best_step_));

  torch::serialize::OutputArchive model_archive, optimizer_archive, scaler_archive;
  write_named_tensors(model_archive, model_state(*model_));
  a.write(checkpoint_key::kModel, model_archive);
  write_adamw_state(optimizer_archive, *optimizer_);
  a.write(checkpoint_key::kOptimizerState, optimizer_archive);
  scaler_.save(scaler_archive);
  a.write(checkpoint_key::kScaler, scaler_archive);
  if (ema_) {
    torch::serialize::OutputArchive ema_archive;
    ema_->save(ema_archive);
    a.write(checkpoint_key::kEma, ema_archive);
  }
  a.write(checkpoint_key::kRngCpu, at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
  const int cuda_devices = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  a.write(checkpoint_key::kCudaDevices, c10::IValue(static_cast<std::int64_t>(cuda_devices)));
  for (int i = 0; i < cuda_devices; ++i) {
    a.write(std::string(checkpoint_key::kRngCudaPrefix) + std::to_string(i), cuda_generator(i).get_state(), /*is_buffer=*/true);
  }
  std::ostringstream loop_rng;
  loop_rng << rng_;
  a.write(checkpoint_key::kRngLoop, c10::IValue(loop_rng.str()));
  a.write(checkpoint_key::kTaskState, c10::IValue(task_.save_state()));
  return archive_bytes(a);
}

void Trainer::save_checkpoint(const std::string& path) { write_file_atomic(path, checkpoint_bytes()); }

void Trainer::load_checkpoint(const std::string& path) {
  auto a = load_checkpoint_archive(path);
  auto read = [&](const char* key) {
    c10::IValue v;
    if (!a.try_read(key, v)) throw FormatError(path + ": " + key, "missing from the checkpoint");
    return v;
  };
  if (read(checkpoint_key::kStepsPerEpoch).toInt() != steps_per_epoch_) {
    SFAR_LOG_WARN("{}: saved with {} steps per epoch, now {}; the schedule position is kept",
                  path, read(checkpoint_key::kStepsPerEpoch).toInt(), steps_per_epoch_);
  }
  if (read(checkpoint_key::kConfigHash).toStringRef() != config_hash(setup_.config_text)) {
    SFAR_LOG_WARN("{}: the config differs from the one this checkpoint was trained with", path);
  }
  // Model: check every name and shape before changing anything.
  torch::serialize::InputArchive model_archive;
  a.read(checkpoint_key::kModel, model_archive);
  const auto saved = read_named_tensors(model_archive);
  auto current = model_state(*model_);
  for (const auto& item : current) {
    const torch::Tensor* t = saved.find(item.key());
    if (!t) throw ModelError(path + ": " + item.key(), "missing from the checkpoint");
    if (t->sizes() != item.value().sizes()) {
      throw ModelError(path + ": " + item.key(), "shape differs from the model's " +
                       c10::str(item.value().sizes()), c10::str(t->sizes()));
    }
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& item : current) item.value().copy_(*saved.find(item.key()));
  }
  torch::serialize::InputArchive optimizer_archive, scaler_archive;
  if (a.try_read(checkpoint_key::kOptimizerState, optimizer_archive)) {  // moments land on each parameter's device
    read_adamw_state(optimizer_archive, *optimizer_, path + ": optimizer_state");
  } else {  // written before optimizer_state, by LibTorch's own Optimizer::save, which loads on the CPU
    a.read(checkpoint_key::kOptimizerLegacy, optimizer_archive);
    optimizer_->load(optimizer_archive);
    if (!device_.is_cpu()) {
      for (auto& entry : optimizer_->state()) {
        auto& s = static_cast<torch::optim::AdamWParamState&>(*entry.second);
        s.exp_avg(s.exp_avg().to(device_));
        s.exp_avg_sq(s.exp_avg_sq().to(device_));
        if (s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(s.max_exp_avg_sq().to(device_));
      }
    }
  }
  a.read(checkpoint_key::kScaler, scaler_archive);
  scaler_.load(scaler_archive);
  if (ema_) {
    torch::serialize::InputArchive ema_archive;
    if (a.try_read(checkpoint_key::kEma, ema_archive)) {
      ema_->load(ema_archive);
    } else {
      SFAR_LOG_WARN("{}: no EMA weights saved; the EMA restarts from the loaded weights", path);
      ema_ = std::make_unique<ModelEma>(*model_, setup_.options.ema);
    }
  }
  torch::Tensor cpu_state;
  a.read(checkpoint_key::kRngCpu, cpu_state, /*is_buffer=*/true);
  at::Generator cpu_generator = at::detail::getDefaultCPUGenerator();  // shares the default
  {
    std::lock_guard<std::mutex> lock(cpu_generator.mutex());
    cpu_generator.set_state(cpu_state);
  }
  const std::int64_t saved_cuda = read(checkpoint_key::kCudaDevices).toInt();
  const int cuda_devices = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  for (int i = 0; i < cuda_devices && i < saved_cuda; ++i) {
    torch::Tensor state;
    a.read(std::string(checkpoint_key::kRngCudaPrefix) + std::to_string(i), state, /*is_buffer=*/true);
    at::Generator gen = cuda_generator(i);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
  std::istringstream loop_rng(read(checkpoint_key::kRngLoop).toStringRef());
  loop_rng >> rng_;
  if (!loop_rng) throw FormatError(path + ": rng_loop", "not a std::mt19937_64 state");
  c10::IValue task_state;
  if (a.try_read(checkpoint_key::kTaskState, task_state)) {
    if (!task_state.isString()) throw FormatError(path + ": task_state", "not a string");
    try {
      task_.load_state(task_state.toStringRef());
    } catch (const FormatError& e) {
      throw FormatError(path + ": " + e.where(), e.message());
    }
  }

  global_step_ = read(checkpoint_key::kGlobalStep).toInt();
  nonfinite_in_a_row_ = read(checkpoint_key::kNonfiniteInARow).toInt();
  skipped_steps_ = read(checkpoint_key::kSkippedSteps).toInt();
  best_metric_value_.reset();
  if (read(checkpoint_key::kHasBest).toBool()) best_metric_value_ = read(checkpoint_key::kBestMetric).toDouble();
  c10::IValue best_step;
  best_step_ = a.try_read(checkpoint_key::kBestStep, best_step) && best_step.isInt() ? best_step.toInt() : -1;
  reset_interval();
}

std::optional<std::string> Trainer::resume(const std::string& spec) {
  if (spec != "auto") {
    load_checkpoint(spec);
    SFAR_LOG_INFO("resumed from {} at step {}", spec, global_step_);
    repair_after_resume(spec);
    return spec;
  }
  if (setup_.checkpoint_dir.empty()) {
    throw ArgumentError("resume", "auto needs a checkpoint directory", spec);
  }
  const CheckpointDir dir(setup_.checkpoint_dir, setup_.options.keep_last);
  for (const auto& p : dir.remove_partial_writes()) {
    SFAR_LOG_WARN("deleted {}: a checkpoint write that never finished", p);
  }
  std::vector<std::string> skipped;
  const auto path = dir.newest_valid(&skipped);
  for (const auto& s : skipped) SFAR_LOG_WARN("skipping unreadable checkpoint {}", s);
  if (!path) {
    SFAR_LOG_INFO("no checkpoint in {}: starting from step 0", setup_.checkpoint_dir);
    repair_after_resume(std::nullopt);
    return std::nullopt;
  }
  load_checkpoint(*path);
  SFAR_LOG_INFO("resumed from {} at step {}", *path, global_step_);
  repair_after_resume(*path);
  return path;
}

void Trainer::repair_after_resume(const std::optional<std::string>& loaded) {
  if (setup_.distributed && !setup_.distributed->is_main()) return;  // rank 0 owns the run's files
  if (setup_.run) {
    const MetricsRepair r = setup_.run->truncate_metrics(global_step_);
    if (r.dropped > 0 || r.torn) {
      SFAR_LOG_WARN("{}: dropped {} records after step {} (this run redoes those steps){}", r.path, r.dropped,
                    global_step_, r.torn ? " and a torn last line" : "");
    }
  }
  if (loaded && !setup_.checkpoint_dir.empty()) repair_best(*loaded);
}

void Trainer::repair_best(const std::string& loaded) {
  if (!best_metric_value_ || best_step_ < 0) return;  // no best yet, or a checkpoint from before best_step
  const CheckpointDir dir(setup_.checkpoint_dir, setup_.options.keep_last);
  const std::string source = best_step_ == global_step_ ? loaded : dir.path_for_step(best_step_);
  const std::string what = setup_.best_metric + " " + std::to_string(*best_metric_value_) + " at step " +
                           std::to_string(best_step_);
  if (std::filesystem::exists(source)) {
    if (dir.sync_best(source)) SFAR_LOG_WARN("{} did not hold the best epoch ({}): copied {} there", dir.best_path(), what, source);
    return;
  }
  std::int64_t held = -1;  // the step best.pt holds
  try {
    auto best = load_checkpoint_archive(dir.best_path());
    c10::IValue step;
    if (best.try_read(checkpoint_key::kGlobalStep, step) && step.isInt()) held = step.toInt();
  } catch (const Error&) {
  }
  if (held != best_step_) {
    SFAR_LOG_WARN("{} does not hold the best epoch ({}), and no checkpoint of that step is left to copy; it is "
                  "rewritten when an epoch beats {}", dir.best_path(), what, *best_metric_value_);
  }
}

}  // namespace sfar::engine
