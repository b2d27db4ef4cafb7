#include "sfar/engine/grad_scaler.h"

#include "sfar/core/error.h"

namespace sfar::engine {
GradScaler::GradScaler(bool enabled, GradScalerOptions options)
    : enabled_(enabled), options_(options) {
  if (!(options.init_scale > 0) || !(options.growth_factor > 1) || !(options.backoff_factor > 0) ||
      !(options.backoff_factor < 1) || options.growth_interval < 1) {
    throw ArgumentError("grad scaler", "needs init_scale > 0, growth > 1, 0 < backoff < 1, interval >= 1");
  }
}

void GradScaler::ensure_state(const torch::Device& device) {
  if (scale_.defined() && scale_.device() == device) return;
  if (scale_.defined()) {  // loaded on another device
    scale_ = scale_.to(device);
    growth_tracker_ = growth_tracker_.to(device);
    return;
  }
  scale_ = torch::full({1}, options_.init_scale, torch::dtype(torch::kFloat32).device(device));
  growth_tracker_ = torch::zeros({1}, torch::dtype(torch::kInt32).device(device));
}

torch::Tensor GradScaler::scale(const torch::Tensor& loss) {
  if (!enabled_) return loss;
  ensure_state(loss.device());
  return loss * scale_.to(loss.scalar_type());
}

bool GradScaler::unscale(const std::vector<torch::Tensor>& params) {
  if (!enabled_) return true;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return true;
  ensure_state(grads.front().device());
  found_inf_ = torch::zeros({1}, torch::dtype(torch::kFloat32).device(scale_.device()));
  const torch::Tensor inv_scale = scale_.to(torch::kFloat64).reciprocal().to(torch::kFloat32);
  at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf_, inv_scale);
  return found_inf_.item<float>() == 0.0f;
}

void GradScaler::update() {
  if (!enabled_ || !found_inf_.defined()) return;
  at::_amp_update_scale_(scale_, growth_tracker_, found_inf_, options_.growth_factor,
                         options_.backoff_factor, options_.growth_interval);
  found_inf_ = torch::Tensor();
}

double GradScaler::scale_value() const {
  return scale_.defined() ? scale_.item<double>() : (enabled_ ? options_.init_scale : 1.0);
}

std::int64_t GradScaler::growth_tracker_value() const {
  return growth_tracker_.defined() ? growth_tracker_.item<std::int64_t>() : 0;
}

void GradScaler::save(torch::serialize::OutputArchive& archive) const {
  archive.write("enabled", c10::IValue(enabled_));
  if (scale_.defined()) {
    archive.write("scale", scale_.cpu(), /*is_buffer=*/true);
    archive.write("growth_tracker", growth_tracker_.cpu(), /*is_buffer=*/true);
  }
}

void GradScaler::load(torch::serialize::InputArchive& archive) {
  torch::Tensor scale, tracker;
  if (archive.try_read("scale", scale, /*is_buffer=*/true) &&
      archive.try_read("growth_tracker", tracker, /*is_buffer=*/true)) {
    const torch::Device device = scale_.defined() ? scale_.device() : torch::Device(torch::kCPU);
    scale_ = scale.to(device).clone();
    growth_tracker_ = tracker.to(device).clone();
  } else {
    scale_ = torch::Tensor();
    growth_tracker_ = torch::Tensor();
  }
  found_inf_ = torch::Tensor();
}

}  // namespace sfar::engine
