#include "sfar/recipes/sfar_step.h"

#include "sfar/recipes/loss_targets.h"

namespace sfar::recipes {

bool whole_batch_loss(const LossConfig& loss, std::int64_t accumulation_steps, bool distributed) {
  return loss.scope == LossScope::kGlobal && (accumulation_steps > 1 || distributed);
}

SfarStep::SfarStep(method::SfarModel model, LossConfig loss, std::int64_t accumulation_steps,
                   engine::DistributedContext* dist)
    : model_(std::move(model)), loss_(std::move(loss)), accumulation_(accumulation_steps), dist_(dist), cache_(dist) {}

bool SfarStep::whole_step() const { return whole_batch_loss(loss_, accumulation_, dist_ != nullptr); }

torch::Tensor SfarStep::clips_loss(const torch::Tensor& clips, const torch::Tensor& labels,
                                   const method::TextBank& bank) {
  return frames_loss(model_->encode_frames(clips), labels, bank);
}

torch::Tensor SfarStep::frames_loss(const torch::Tensor& frames, const torch::Tensor& labels,
                                    const method::TextBank& bank) {
  return training_loss(model_->score(frames, bank).logits, labels, loss_);
}

torch::Tensor SfarStep::step_loss(std::vector<torch::Tensor> clips, const torch::Tensor& labels,
                                  const method::TextBank& bank, const engine::StepPasses& passes,
                                  const torch::Device& device) {
  clips_ = std::move(clips);
  device_ = device;
  const auto frames = cache_.embed(static_cast<std::int64_t>(clips_.size()), encode(), passes, device);
  auto all_labels = labels.to(device);
  if (dist_) all_labels = dist_->all_gather_rows(all_labels);
  return passes.autocast([&] { return frames_loss(frames, all_labels, bank); });
}

void SfarStep::finish_backward(const engine::StepPasses& passes) {
  cache_.backward(encode(), passes);
  clips_.clear();
}

engine::GradientCache::Encode SfarStep::encode() {
  return [this](std::int64_t i) { return model_->encode_frames(clips_[static_cast<std::size_t>(i)].to(device_)); };
}

}  // namespace sfar::recipes
