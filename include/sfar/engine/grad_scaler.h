// Dynamic loss scaling for fp16 training, built on ATen's AMP ops: the loss is multiplied by
// a scale before backward; gradients are unscaled and checked for inf/NaN
// (_amp_foreach_non_finite_check_and_unscale_); a step with non-finite gradients is skipped
// and the scale halves, and after `growth_interval` clean steps it doubles (_amp_update_scale_).
// LibTorch 2.x has CPU kernels for both ops, so the unit tests on a CPU run the very calls a
// GPU run makes.
//
//   GradScaler scaler(true);
//   scaler.scale(loss).backward();
//   if (scaler.unscale(params)) optimizer.step();
//   scaler.update();
#pragma once

#include <torch/torch.h>

#include <vector>

namespace sfar::engine {

struct GradScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  std::int64_t growth_interval = 2000;
};

class GradScaler {
 public:
  explicit GradScaler(bool enabled, GradScalerOptions options = {});

  bool enabled() const { return enabled_; }
  // loss * scale (the loss unchanged when disabled).
  torch::Tensor scale(const torch::Tensor& loss);
  // Divides the gradients of `params` by the scale in place; true when all are finite.
  // Disabled: true, gradients untouched.
  bool unscale(const std::vector<torch::Tensor>& params);
  // Adjusts the scale from the last unscale's finding.
  void update();

  double scale_value() const;
  std::int64_t growth_tracker_value() const;

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  void ensure_state(const torch::Device& device);

  bool enabled_;
  GradScalerOptions options_;
  torch::Tensor scale_;           // [1] float32, on the training device
  torch::Tensor growth_tracker_;  // [1] int32
  torch::Tensor found_inf_;       // [1] float32, from the last unscale
};

}  // namespace sfar::engine
