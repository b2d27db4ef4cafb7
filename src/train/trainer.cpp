#include "sfar/train/trainer.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"
#include "sfar/core/logging.h"
#include "sfar/core/torch_compat.h"
#include "sfar/train/checkpoint.h"
#include "sfar/train/distributed.h"
#include "sfar/train/gradient_reducer.h"
#include "sfar/train/optimizer_builder.h"
#include "sfar/train/progress.h"
#include "sfar/train/run_dir.h"

namespace sfar::train {

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

torch::Generator cuda_generator(int index) {
  return at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, index));
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
      scaler_(setup_.options.precision == "fp16"),
      rng_(setup_.seed),
      interval_(std::make_unique<Interval>()) {
  const TrainOptions& o = setup_.options;
  model_->to(device_);
  GroupingOptions grouping;
  grouping.backbone_prefixes = o.backbone_prefixes;
  grouping.backbone_lr_ratio = o.backbone_lr_ratio;
  const auto groups = group_parameters(*model_, grouping);
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
  bool finite = true;
  for (std::int64_t i = 0; i < accumulation && finite; ++i) {
    ctx.micro_index = i;
    torch::Tensor loss;
    {
      std::optional<compat::AutocastGuard> autocast;
      if (o.precision != "fp32") {
        autocast.emplace(device_.type(), o.precision == "bf16" ? torch::kBFloat16 : torch::kHalf);
      }
      loss = task_.loss(ctx);
    }
    if (!loss.defined() || loss.numel() != 1) {
      throw ArgumentError("train task", "loss must be a scalar tensor",
                          loss.defined() ? c10::str(loss.sizes()) : "undefined");
    }
    const double value = loss.item<double>();
    if (!std::isfinite(value)) {
      finite = false;
      bad_value = value;
      break;
    }
    loss_sum += value;
    if (reducer_) reducer_->prepare_backward(i == accumulation - 1);
    scaler_.scale(loss.to(torch::kFloat32) / static_cast<double>(accumulation)).backward();
  }

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
      if (improved) best_metric_value_ = it->second;
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

std::string Trainer::checkpoint_bytes() {
  torch::serialize::OutputArchive a;
  a.write("format", c10::IValue(std::string(kCheckpointFormat)));
  a.write("global_step", c10::IValue(global_step_));
  a.write("epoch", c10::IValue(global_step_ / steps_per_epoch_));
  a.write("steps_per_epoch", c10::IValue(steps_per_epoch_));
  a.write("nonfinite_in_a_row", c10::IValue(nonfinite_in_a_row_));
  a.write("skipped_steps", c10::IValue(skipped_steps_));
  a.write("config", c10::IValue(setup_.config_text));
  a.write("config_hash", c10::IValue(config_hash(setup_.config_text)));
  a.write("has_best", c10::IValue(best_metric_value_.has_value()));
  a.write("best_metric", c10::IValue(best_metric_value_.value_or(0.0)));

  torch::serialize::OutputArchive model_archive, optimizer_archive, scaler_archive;
  write_named_tensors(model_archive, model_state(*model_));
  a.write("model", model_archive);
  write_adamw_state(optimizer_archive, *optimizer_);
  a.write("optimizer_state", optimizer_archive);
  scaler_.save(scaler_archive);
  a.write("scaler", scaler_archive);
  if (ema_) {
    torch::serialize::OutputArchive ema_archive;
    ema_->save(ema_archive);
    a.write("ema", ema_archive);
  }
  a.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
  const int cuda_devices = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  a.write("cuda_devices", c10::IValue(static_cast<std::int64_t>(cuda_devices)));
  for (int i = 0; i < cuda_devices; ++i) {
    a.write("rng_cuda_" + std::to_string(i), cuda_generator(i).get_state(), /*is_buffer=*/true);
  }
  std::ostringstream loop_rng;
  loop_rng << rng_;
  a.write("rng_loop", c10::IValue(loop_rng.str()));
  a.write("task_state", c10::IValue(task_.save_state()));
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
  if (read("steps_per_epoch").toInt() != steps_per_epoch_) {
    SFAR_LOG_WARN("{}: saved with {} steps per epoch, now {}; the schedule position is kept",
                  path, read("steps_per_epoch").toInt(), steps_per_epoch_);
  }
  if (read("config_hash").toStringRef() != config_hash(setup_.config_text)) {
    SFAR_LOG_WARN("{}: the config differs from the one this checkpoint was trained with", path);
  }
  // Model: check every name and shape before changing anything.
  torch::serialize::InputArchive model_archive;
  a.read("model", model_archive);
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
  if (a.try_read("optimizer_state", optimizer_archive)) {  // moments land on each parameter's device
    read_adamw_state(optimizer_archive, *optimizer_, path + ": optimizer_state");
  } else {  // written before optimizer_state, by LibTorch's own Optimizer::save, which loads on the CPU
    a.read("optimizer", optimizer_archive);
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
  a.read("scaler", scaler_archive);
  scaler_.load(scaler_archive);
  if (ema_) {
    torch::serialize::InputArchive ema_archive;
    if (a.try_read("ema", ema_archive)) {
      ema_->load(ema_archive);
    } else {
      SFAR_LOG_WARN("{}: no EMA weights saved; the EMA restarts from the loaded weights", path);
      ema_ = std::make_unique<ModelEma>(*model_, setup_.options.ema);
    }
  }
  torch::Tensor cpu_state;
  a.read("rng_cpu", cpu_state, /*is_buffer=*/true);
  at::Generator cpu_generator = at::detail::getDefaultCPUGenerator();  // shares the default
  {
    std::lock_guard<std::mutex> lock(cpu_generator.mutex());
    cpu_generator.set_state(cpu_state);
  }
  const std::int64_t saved_cuda = read("cuda_devices").toInt();
  const int cuda_devices = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  for (int i = 0; i < cuda_devices && i < saved_cuda; ++i) {
    torch::Tensor state;
    a.read("rng_cuda_" + std::to_string(i), state, /*is_buffer=*/true);
    at::Generator gen = cuda_generator(i);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
  std::istringstream loop_rng(read("rng_loop").toStringRef());
  loop_rng >> rng_;
  if (!loop_rng) throw FormatError(path + ": rng_loop", "not a std::mt19937_64 state");
  c10::IValue task_state;
  if (a.try_read("task_state", task_state)) {
    if (!task_state.isString()) throw FormatError(path + ": task_state", "not a string");
    try {
      task_.load_state(task_state.toStringRef());
    } catch (const FormatError& e) {
      throw FormatError(path + ": " + e.where(), e.message());
    }
  }

  global_step_ = read("global_step").toInt();
  nonfinite_in_a_row_ = read("nonfinite_in_a_row").toInt();
  skipped_steps_ = read("skipped_steps").toInt();
  best_metric_value_.reset();
  if (read("has_best").toBool()) best_metric_value_ = read("best_metric").toDouble();
  interval_->start = std::chrono::steady_clock::now();
  interval_->steps = interval_->finite_steps = interval_->skipped = 0;
  interval_->loss_sum = 0;
}

std::optional<std::string> Trainer::resume(const std::string& spec) {
  if (spec != "auto") {
    load_checkpoint(spec);
    SFAR_LOG_INFO("resumed from {} at step {}", spec, global_step_);
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
    return std::nullopt;
  }
  load_checkpoint(*path);
  SFAR_LOG_INFO("resumed from {} at step {}", *path, global_step_);
  return path;
}

}  // namespace sfar::train
