// Learning-rate schedule: linear warm-up from 0 to the peak, then a half cosine down to a
// floor. Positions are optimizer steps; with unit "epoch" the rate changes only at epoch
// boundaries, with unit "step" it changes every step (fractional epochs).
//
//   LrSchedule s = LrSchedule::from_epochs(8e-6, 0, /*epochs=*/30, /*warmup=*/5, /*steps=*/100, "step");
//   double lr = s.lr_at(step);  // the rate for the update made at `step` (0-based)
#pragma once

#include <cstdint>
#include <string>

namespace sfar::engine {

class LrSchedule {
 public:
  // warmup_steps < total_steps unless both are 0 (a constant-free cosine from the first step).
  LrSchedule(double peak_lr, double min_lr, std::int64_t warmup_steps, std::int64_t total_steps,
             std::int64_t steps_per_epoch = 1, bool per_epoch = false);

  // Builds the schedule of a run of `epochs` epochs of `steps_per_epoch` optimizer steps;
  // `unit` is "step" or "epoch". Throws ArgumentError on bad values.
  static LrSchedule from_epochs(double peak_lr, double min_lr, std::int64_t epochs,
                                double warmup_epochs, std::int64_t steps_per_epoch,
                                const std::string& unit);

  // Rate for the update at 0-based optimizer step `step`:
  //   warm-up (s < W):  peak * (s + 1) / W          (the last warm-up step reaches the peak)
  //   cosine (s >= W):  min + (peak - min) * (1 + cos(pi * (s - W) / (T - W))) / 2
  // With per-epoch resolution, s is first rounded down to the start of its epoch. Steps past
  // the end stay at min_lr.
  double lr_at(std::int64_t step) const;

  std::int64_t warmup_steps() const { return warmup_steps_; }
  std::int64_t total_steps() const { return total_steps_; }

 private:
  double peak_lr_, min_lr_;
  std::int64_t warmup_steps_, total_steps_, steps_per_epoch_;
  bool per_epoch_;
};

}  // namespace sfar::engine
