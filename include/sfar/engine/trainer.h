// The training loop, independent of any model: a TrainTask supplies the loss of each
// micro-batch, the Trainer does gradient accumulation to the global batch, mixed precision
// (bf16 autocast; fp16 autocast + dynamic loss scaling), clipping, AdamW with parameter
// groups, the warm-up + cosine schedule, EMA, non-finite-loss handling, checkpoints and
// metrics. For exact resumption the task must derive its data from the StepContext
// (epoch, step, micro index) and draw any randomness from ctx.rng or LibTorch's default
// generator, both of which checkpoints restore.
//
//   Trainer trainer(model, task, {.options = opt, .device = "cuda", .run = &run_dir});
//   trainer.resume("auto");
//   trainer.fit();
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "sfar/engine/fused_adamw.h"
#include "sfar/engine/grad_scaler.h"
#include "sfar/engine/lr_schedule.h"
#include "sfar/engine/model_ema.h"
#include "sfar/engine/progress.h"
#include "sfar/engine/train_options.h"

namespace sfar::engine {

class RunDir;
class DistributedContext;
class GradientReducer;

struct StepContext {
  std::int64_t epoch = 0;          // 0-based
  std::int64_t step_in_epoch = 0;  // 0-based optimizer step within the epoch
  std::int64_t global_step = 0;    // 0-based optimizer step
  std::int64_t micro_index = 0;    // 0 .. accumulation_steps - 1
  std::int64_t micro_batch = 0;    // samples in this micro-batch
  torch::Device device = torch::kCPU;
  std::mt19937_64* rng = nullptr;  // the loop's generator, saved in checkpoints
};

// What a whole-step task (TrainTask::whole_step) gets from the Trainer for its passes.
struct StepPasses {
  // Runs `forward` under the run's autocast (train.precision) and returns its result.
  std::function<torch::Tensor(const std::function<torch::Tensor()>&)> autocast;
  // Call before every backward pass the task runs itself; `last` for the step's last one (the
  // gradient all-reduce of a multi-process run happens there).
  std::function<void(bool last)> before_backward;
};

class TrainTask {
 public:
  virtual ~TrainTask() = default;
  virtual std::int64_t steps_per_epoch() = 0;
  // Mean loss (a scalar) over the micro-batch `ctx` names; runs under autocast when enabled.
  virtual torch::Tensor loss(const StepContext& ctx) = 0;
  // A loss that couples the micro-batches of a step (a contrastive loss over the global batch,
  // computed with a gradient cache) takes over the step: when whole_step() is true, the Trainer
  // calls step_loss once per optimizer step instead of loss() per micro-batch, back-propagates
  // it (scaled for fp16), then calls finish_backward for the task's remaining backward passes.
  virtual bool whole_step() { return false; }
  // The mean loss over all samples of the step (every micro-batch, every rank), a scalar with
  // a graph, the same on every rank. ctx.micro_index is 0; the task reads all micro-batches.
  virtual torch::Tensor step_loss(const StepContext& ctx, const StepPasses& passes);
  // After the backward pass of step_loss's result (not called when it was non-finite).
  virtual void finish_backward(const StepContext& ctx, const StepPasses& passes) {}
  // Metrics after epoch `epoch` (0-based), e.g. {"top1": 0.71}; empty: no evaluation.
  virtual std::map<std::string, double> evaluate(std::int64_t epoch) { return {}; }
  // Running totals logged with every metrics.jsonl train line, e.g. {"bad_files": 3}.
  virtual std::map<std::string, std::int64_t> counters() { return {}; }
  // The task's own state that a resumed run continues from (e.g. the bad files seen so far),
  // as text saved in checkpoints; load_state gets what save_state returned (a FormatError it
  // throws is reported with the checkpoint's path). Checkpoints without it (older ones) call
  // nothing.
  virtual std::string save_state() { return {}; }
  virtual void load_state(const std::string& state) {}
};

// The type a step's matrix products run in at `precision`: float32, or the autocast type.
torch::ScalarType compute_dtype(Precision precision);

struct TrainerSetup {
  TrainOptions options;
  std::string device = "cpu";
  std::string config_text;          // stored in checkpoints with its hash
  std::string checkpoint_dir;       // empty: no automatic checkpoints
  std::string best_metric = "top1"; // evaluation metric that picks best.pt
  bool higher_is_better = true;
  std::uint64_t seed = 0;           // seeds the loop's std::mt19937_64
  RunDir* run = nullptr;            // metrics.jsonl sink (optional)
  ProgressSlot progress;            // the run's share of a progress bar (none by default)
  // Several processes (distributed.h): rank 0's initial weights, gradients averaged over ranks,
  // options.batch_size per rank (per_rank_train_options); only rank 0 writes checkpoints.
  DistributedContext* distributed = nullptr;
};

class Trainer {
 public:
  // Moves `model` to the device and builds the optimizer over its trainable parameters.
  Trainer(std::shared_ptr<torch::nn::Module> model, TrainTask& task, TrainerSetup setup);
  ~Trainer();

  // Trains until `stop_at_step` optimizer steps are done (default: the whole run), evaluating
  // and checkpointing at the end of every epoch.
  void fit(std::optional<std::int64_t> stop_at_step = std::nullopt);

  // One optimizer step (accumulating all micro-batches). Returns false when it was skipped
  // for a non-finite loss or fp16 gradient overflow. Throws after max_nonfinite_in_a_row.
  bool train_step();

  void save_checkpoint(const std::string& path);
  // Restores everything train_step and fit depend on. Throws FormatError/ModelError.
  void load_checkpoint(const std::string& path);
  // "auto": the newest valid checkpoint in checkpoint_dir (none: start fresh); otherwise a
  // path. Returns the path loaded, or nullopt. Then repairs what a kill can leave behind:
  // metrics.jsonl loses the records after the resumed step and a torn last line, and best.pt
  // becomes the best step's checkpoint when it is not (it was killed before best.pt was written).
  std::optional<std::string> resume(const std::string& spec);

  std::int64_t global_step() const { return global_step_; }
  std::int64_t total_steps() const { return schedule_.total_steps(); }
  std::int64_t skipped_steps() const { return skipped_steps_; }
  double last_loss() const { return last_loss_; }
  const LrSchedule& schedule() const { return schedule_; }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  const std::vector<double>& lr_ratios() const { return lr_ratios_; }
  const ModelEma* ema() const { return ema_.get(); }
  const GradScaler& scaler() const { return scaler_; }

 private:
  void end_epoch(std::int64_t epoch);
  void repair_after_resume(const std::optional<std::string>& loaded);
  void repair_best(const std::string& loaded);
  // The forward and backward passes of one step; false (and `bad_value`) for a non-finite loss.
  bool micro_batch_passes(StepContext& ctx, double& loss_sum, double& bad_value);
  bool whole_step_passes(StepContext& ctx, double& loss_sum, double& bad_value);
  torch::Tensor autocast_forward(const std::function<torch::Tensor()>& forward);
  void log_interval();
  void reset_interval();  // a new logging interval starts now
  std::string checkpoint_bytes();

  std::shared_ptr<torch::nn::Module> model_;
  TrainTask& task_;
  TrainerSetup setup_;
  torch::Device device_;
  std::int64_t steps_per_epoch_;
  LrSchedule schedule_;
  std::unique_ptr<FusedAdamW> optimizer_;
  std::vector<double> lr_ratios_;
  std::vector<torch::Tensor> params_;
  std::unique_ptr<ModelEma> ema_;
  GradScaler scaler_;
  std::unique_ptr<GradientReducer> reducer_;  // multi-process runs only
  std::mt19937_64 rng_;

  std::int64_t global_step_ = 0;
  std::int64_t nonfinite_in_a_row_ = 0;
  std::int64_t skipped_steps_ = 0;
  double last_loss_ = 0;
  double last_grad_norm_ = 0;
  std::optional<double> best_metric_value_;
  std::int64_t best_step_ = -1;  // the global step best.pt holds; -1: none, or unknown (older checkpoint)

  // Per logging interval.
  struct Interval;
  std::unique_ptr<Interval> interval_;
};

}  // namespace sfar::engine
