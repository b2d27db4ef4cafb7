#include "sfar/engine/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "sfar/core/config_archive.h"
#include "sfar/core/error.h"

namespace sfar::engine {

LrSchedule::LrSchedule(double peak_lr, double min_lr, std::int64_t warmup_steps,
                       std::int64_t total_steps, std::int64_t steps_per_epoch, bool per_epoch)
    : peak_lr_(peak_lr),
      min_lr_(min_lr),
      warmup_steps_(warmup_steps),
      total_steps_(total_steps),
      steps_per_epoch_(steps_per_epoch),
      per_epoch_(per_epoch) {
  if (!(peak_lr > 0)) throw ArgumentError("lr schedule", "peak lr must be positive",
                                          cfg::format_number(peak_lr));
  if (min_lr < 0 || min_lr > peak_lr) {
    throw ArgumentError("lr schedule", "min lr must be in [0, peak lr]", cfg::format_number(min_lr));
  }
  if (total_steps < 1) throw ArgumentError("lr schedule", "total steps must be at least 1",
                                           std::to_string(total_steps));
  if (warmup_steps < 0 || warmup_steps >= total_steps) {
    throw ArgumentError("lr schedule", "warm-up steps must be in [0, total steps)",
                        std::to_string(warmup_steps));
  }
  if (steps_per_epoch < 1) throw ArgumentError("lr schedule", "steps per epoch must be at least 1",
                                               std::to_string(steps_per_epoch));
}

LrSchedule LrSchedule::from_epochs(double peak_lr, double min_lr, std::int64_t epochs,
                                   double warmup_epochs, std::int64_t steps_per_epoch,
                                   const std::string& unit) {
  if (unit != "step" && unit != "epoch") {
    throw ArgumentError("lr schedule unit", "expected step or epoch", unit);
  }
  if (steps_per_epoch < 1) throw ArgumentError("lr schedule", "steps per epoch must be at least 1",
                                               std::to_string(steps_per_epoch));
  const bool per_epoch = unit == "epoch";
  // Per-epoch schedules warm up over whole epochs; per-step ones over the nearest step.
  const double warm = per_epoch ? std::ceil(warmup_epochs) : warmup_epochs;
  const auto rounded =
      static_cast<std::int64_t>(std::llround(warm * static_cast<double>(steps_per_epoch)));
  // Rounding can stretch a short run's warm-up over all of it (0.5 epochs of one step, 1.5
  // whole epochs of two); train options already require warmup_epochs < epochs, so the
  // warm-up ends one step before the run does instead of refusing the run.
  const std::int64_t total = epochs * steps_per_epoch;
  const std::int64_t warmup_steps = std::min(rounded, total - 1);
  return LrSchedule(peak_lr, min_lr, warmup_steps, total, steps_per_epoch, per_epoch);
}

double LrSchedule::lr_at(std::int64_t step) const {
  if (step < 0) step = 0;
  if (per_epoch_) step = step / steps_per_epoch_ * steps_per_epoch_;
  if (step < warmup_steps_) {
    if (per_epoch_) {
      // Whole-epoch warm-up: epoch e of E trains at peak * (e + 1) / E.
      const std::int64_t epoch = step / steps_per_epoch_;
      const std::int64_t warm_epochs = (warmup_steps_ + steps_per_epoch_ - 1) / steps_per_epoch_;
      return peak_lr_ * static_cast<double>(epoch + 1) / static_cast<double>(warm_epochs);
    }
    return peak_lr_ * static_cast<double>(step + 1) / static_cast<double>(warmup_steps_);
  }
  if (step >= total_steps_) return min_lr_;
  const double progress = static_cast<double>(step - warmup_steps_) /
                          static_cast<double>(total_steps_ - warmup_steps_);
  return min_lr_ + (peak_lr_ - min_lr_) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace sfar::engine
