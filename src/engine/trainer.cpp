#include "sfar/engine/trainer.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/engine/checkpoint.h"
#include "sfar/engine/distributed.h"
#include "sfar/engine/gradient_reducer.h"
#include "sfar/engine/optimizer_builder.h"
#include "sfar/engine/progress.h"
#include "sfar/engine/run_dir.h"

namespace sfar::engine {

struct Trainer::Interval {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::int64_t steps = 0, finite_steps = 0, skipped = 0;
  double loss_sum = 0;
  std::unique_ptr<StepProgress> bar;
};

namespace {

std::int64_t checked_steps_per_epoch(TrainTask& task) {
  const std::int64_t n = task.steps_per_epoch();
  if (n < 1) throw ArgumentError("train task", "steps per epoch must be at least 1", std::to_string(n));
  return n;
}

}  // namespace

Trainer::Trainer(std::shared_ptr<torch::nn::Module> model, TrainTask& task, TrainerSetup setup)
    : model_(std::move(model)),
      task_(task),
      setup_(std::move(setup)),
      device_((validate_train_options(setup_.options, setup_.device), setup_.device)),
      steps_per_epoch_(checked_steps_per_epoch(task)),
      schedule_(LrSchedule::from_epochs(setup_.options.lr, setup_.options.min_lr,
                                        setup_.options.epochs, setup_.options.warmup_epochs,
                                        steps_per_epoch_, setup_.options.schedule_unit)),
      scaler_(precision_entry(setup_.options.precision).loss_scaling),
      rng_(setup_.seed),
      interval_(std::make_unique<Interval>()) {
  const TrainOptions& o = setup_.options;
  model_->to(device_);
  const auto groups = group_parameters(*model_, grouping_options(o));
  optimizer_ = build_adamw(groups, {o.lr, o.weight_decay, o.betas[0], o.betas[1], o.eps});
  for (const auto& g : groups) {
    lr_ratios_.push_back(g.lr_ratio);
    params_.insert(params_.end(), g.params.begin(), g.params.end());
    SFAR_LOG_DEBUG("parameter group {}: {} tensors, lr x{}, decay {}", g.label, g.params.size(),
                   g.lr_ratio, g.decay);
  }
  if (setup_.distributed && setup_.distributed->active()) {
    broadcast_module(*setup_.distributed, *model_);  // every rank starts from rank 0's weights
    reducer_ = std::make_unique<GradientReducer>(*setup_.distributed, params_, setup_.distributed->bucket_bytes());
  }
  if (o.ema > 0) ema_ = std::make_unique<ModelEma>(*model_, o.ema);
}

Trainer::~Trainer() = default;

bool Trainer::train_step() {
  const TrainOptions& o = setup_.options;
  const std::int64_t accumulation = o.accumulation_steps();
  const double lr = schedule_.lr_at(global_step_);
  set_group_lrs(*optimizer_, lr_ratios_, lr);
  optimizer_->zero_grad();
  model_->train();

  StepContext ctx;
  ctx.epoch = global_step_ / steps_per_epoch_;
  ctx.step_in_epoch = global_step_ % steps_per_epoch_;
  ctx.global_step = global_step_;
  ctx.micro_batch = o.micro_batch_size();
  ctx.device = device_;
  ctx.rng = &rng_;
  double loss_sum = 0, bad_value = 0;
  bool finite = task_.whole_step() ? whole_step_passes(ctx, loss_sum, bad_value)
                                   : micro_batch_passes(ctx, loss_sum, bad_value);

  if (reducer_) {
    // A non-finite loss on any rank skips the step on all of them.
    reducer_->finish();
    const auto sums = setup_.distributed->all_reduce_sum({loss_sum, finite ? 0.0 : 1.0});
    loss_sum = sums[0] / setup_.distributed->world_size();
    if (finite && sums[1] > 0) {
      finite = false;
      bad_value = NAN;
    }
  }

  ++interval_->steps;
  if (!finite) {
    optimizer_->zero_grad();
    ++nonfinite_in_a_row_;
    ++skipped_steps_;
    ++interval_->skipped;
    interval_->bar ? interval_->bar->clear() : void();
    SFAR_LOG_WARN("step {}: loss is {}, step skipped ({} in a row)", global_step_, bad_value,
                  nonfinite_in_a_row_);
    if (nonfinite_in_a_row_ >= o.max_nonfinite_in_a_row) {
      throw Error::with_value(
          "training step " + std::to_string(global_step_),
          "the loss was non-finite in " + std::to_string(nonfinite_in_a_row_) +
              " optimizer steps in a row (train.max_nonfinite_in_a_row); lower train.lr, "
              "check the data, or train in bf16 instead of fp16",
          std::to_string(bad_value));
    }
    ++global_step_;
    return false;
  }
  nonfinite_in_a_row_ = 0;
  last_loss_ = loss_sum / static_cast<double>(accumulation);
  interval_->loss_sum += last_loss_;
  ++interval_->finite_steps;

  const bool grads_finite = scaler_.unscale(params_);
  if (grads_finite) {
    if (o.grad_clip > 0) {
      last_grad_norm_ = optimizer_->clip_grad_norm_(o.grad_clip);
    }
    optimizer_->step();
    if (ema_) ema_->update(*model_);
  } else {
    ++skipped_steps_;
    ++interval_->skipped;
    SFAR_LOG_DEBUG("step {}: fp16 gradients overflowed at scale {}, step skipped", global_step_,
                   scaler_.scale_value());
  }
  scaler_.update();
  ++global_step_;
  if (global_step_ % o.log_interval == 0) log_interval();
  if (interval_->bar) interval_->bar->update(global_step_, last_loss_, lr);
  return grads_finite;
}

torch::ScalarType compute_dtype(Precision precision) {
  switch (precision) {  // every enumerator: -Wswitch names a new one left out
    case Precision::kFp32: return torch::kFloat32;
    case Precision::kBf16: return torch::kBFloat16;
    case Precision::kFp16: return torch::kHalf;
  }
  throw std::logic_error("a precision without a compute type");
}

torch::Tensor TrainTask::step_loss(const StepContext&, const StepPasses&) {
  throw ArgumentError("train task", "whole_step() is true but step_loss is not implemented");
}

torch::Tensor Trainer::autocast_forward(const std::function<torch::Tensor()>& forward) {
  std::optional<compat::AutocastGuard> autocast;
  const Precision precision = setup_.options.precision;
  if (precision_entry(precision).autocast) autocast.emplace(device_.type(), compute_dtype(precision));
  return forward();
}

namespace {

void check_scalar_loss(const torch::Tensor& loss) {
  if (!loss.defined() || loss.numel() != 1) {
    throw ArgumentError("train task", "loss must be a scalar tensor",
                        loss.defined() ? c10::str(loss.sizes()) : "undefined");
  }
}

}  // namespace

bool Trainer::micro_batch_passes(StepContext& ctx, double& loss_sum, double& bad_value) {
  const std::int64_t accumulation = setup_.options.accumulation_steps();
  for (std::int64_t i = 0; i < accumulation; ++i) {
    ctx.micro_index = i;
    const torch::Tensor loss = autocast_forward([&] { return task_.loss(ctx); });
    check_scalar_loss(loss);
    const double value = loss.item<double>();
    if (!std::isfinite(value)) {
      bad_value = value;
      return false;
    }
    loss_sum += value;
    if (reducer_) reducer_->prepare_backward(i == accumulation - 1);
    scaler_.scale(loss.to(torch::kFloat32) / static_cast<double>(accumulation)).backward();
  }
  return true;
}

// The task's loss is already the mean over the whole step: it is back-propagated once, and
// counted as `accumulation` micro-batches of that value so that the logged mean is the same.
bool Trainer::whole_step_passes(StepContext& ctx, double& loss_sum, double& bad_value) {
  ctx.micro_index = 0;
  StepPasses passes;
  passes.autocast = [this](const std::function<torch::Tensor()>& f) { return autocast_forward(f); };
  passes.before_backward = [this](bool last) {
    if (reducer_) reducer_->prepare_backward(last);
  };
  const torch::Tensor loss = task_.step_loss(ctx, passes);
  check_scalar_loss(loss);
  const double value = loss.item<double>();
  if (!std::isfinite(value)) {
    bad_value = value;
    return false;
  }
  loss_sum = value * static_cast<double>(setup_.options.accumulation_steps());
  passes.before_backward(false);  // the task's own backward passes follow; the last of them reduces
  scaler_.scale(loss.to(torch::kFloat32)).backward();
  task_.finish_backward(ctx, passes);
  return true;
}

void Trainer::log_interval() {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - interval_->start).count();
  TrainMetrics m;
  m.step = global_step_;
  m.epoch = (global_step_ - 1) / steps_per_epoch_;
  m.loss = interval_->finite_steps > 0 ? interval_->loss_sum / interval_->finite_steps : NAN;
  m.lr = schedule_.lr_at(global_step_ - 1);
  const int ranks = setup_.distributed ? setup_.distributed->world_size() : 1;
  m.samples_per_s = seconds > 0 ? interval_->steps * setup_.options.batch_size * ranks / seconds : 0;
  m.grad_norm = last_grad_norm_;
  m.skipped_steps = interval_->skipped;
  m.loss_scale = scaler_.enabled() ? scaler_.scale_value() : 0;
  m.counters = task_.counters();
  if (interval_->bar) interval_->bar->clear();
  SFAR_LOG_INFO("epoch {} step {}/{} loss {:.4f} lr {:.3e} {:.1f} samples/s{}", m.epoch + 1,
                m.step, total_steps(), m.loss, m.lr, m.samples_per_s,
                m.skipped_steps ? ", " + std::to_string(m.skipped_steps) + " skipped" : "");
  if (setup_.run) setup_.run->log_train(m);
  interval_->start = now;
  interval_->steps = interval_->finite_steps = interval_->skipped = 0;
  interval_->loss_sum = 0;
}

void Trainer::fit(std::optional<std::int64_t> stop_at_step) {
  const std::int64_t end = stop_at_step ? std::min(*stop_at_step, total_steps()) : total_steps();
  interval_->bar = std::make_unique<StepProgress>(setup_.progress, total_steps(), global_step_);
  interval_->start = std::chrono::steady_clock::now();
  while (global_step_ < end) {
    train_step();
    if (global_step_ % steps_per_epoch_ == 0) end_epoch(global_step_ / steps_per_epoch_ - 1);
  }
  interval_->bar->finish();
  interval_->bar.reset();
}

void Trainer::end_epoch(std::int64_t epoch) {
  std::map<std::string, double> metrics;
  {
    // Evaluate with the averaged weights when EMA is on, then put the live ones back.
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> live;
    if (ema_) {
      for (const auto& item : model_state(*model_)) live.push_back(item.value().clone());
      ema_->copy_to(*model_);
    }
    model_->eval();
    metrics = task_.evaluate(epoch);
    model_->train();
    if (ema_) {
      std::size_t i = 0;
      for (auto& item : model_state(*model_)) item.value().copy_(live[i++]);
    }
  }
  bool improved = false;
  if (!metrics.empty()) {
    if (interval_->bar) interval_->bar->clear();
    std::string text;
    for (const auto& [k, v] : metrics) text += " " + k + " " + std::to_string(v);
    SFAR_LOG_INFO("epoch {} eval:{}", epoch + 1, text);
    if (setup_.run) setup_.run->log_eval(epoch, global_step_, metrics);
    const auto it = metrics.find(setup_.best_metric);
    if (it != metrics.end() && std::isfinite(it->second)) {
      improved = !best_metric_value_ || (setup_.higher_is_better ? it->second > *best_metric_value_
                                                                 : it->second < *best_metric_value_);
      if (improved) {
        best_metric_value_ = it->second;
        best_step_ = global_step_;
      }
    }
  }
  if (reducer_) check_parameters_in_sync(*setup_.distributed, *model_);
  if (setup_.checkpoint_dir.empty() || (setup_.distributed && !setup_.distributed->is_main())) return;
  CheckpointDir dir(setup_.checkpoint_dir, setup_.options.keep_last);
  const std::string bytes = checkpoint_bytes();
  const std::string path = dir.save(bytes, global_step_);
  SFAR_LOG_INFO("saved checkpoint {}", path);
  if (improved) {
    SFAR_LOG_INFO("new best {} {}: saved {}", setup_.best_metric, *best_metric_value_,
                  dir.save_best(bytes));
  }
}

void Trainer::reset_interval() {
  interval_->start = std::chrono::steady_clock::now();
  interval_->steps = interval_->finite_steps = interval_->skipped = 0;
  interval_->loss_sum = 0;
}

}  // namespace sfar::engine
