// SfarTrainTask's loss over the whole global batch (loss.scope: global): the backbone's frame
// embeddings of every micro-batch are cached, gathered over the ranks, and the head, the class
// logits and the loss run once on all of them (gradient_cache.h).
#include "sfar/recipes/loss_targets.h"
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

bool SfarTrainTask::whole_step() {
  return config_.loss.scope == LossScope::kGlobal && (config_.train.accumulation_steps() > 1 || dist_);
}

torch::Tensor SfarTrainTask::step_loss(const engine::StepContext& ctx, const engine::StepPasses& passes) {
  if (config_.feature_cache.views > 0) return cached_step_loss(ctx, passes);
  const std::int64_t accumulation = config_.train.accumulation_steps();
  step_clips_.clear();
  std::vector<torch::Tensor> labels;
  for (std::int64_t i = 0; i < accumulation; ++i) {
    const auto& batch = train_batch(ctx.epoch, ctx.step_in_epoch * accumulation + i);
    step_clips_.push_back(batch.clips.select(1, 0));  // the single training view
    labels.push_back(batch.labels);
  }
  const torch::Device device = ctx.device;
  const auto encode = [&](std::int64_t i) { return run_.model->encode_frames(step_clips_[i].to(device)); };
  const auto frames = grad_cache_.embed(accumulation, encode, passes, device);
  auto all_labels = torch::cat(labels).to(device);
  if (dist_) all_labels = dist_->all_gather_rows(all_labels);
  return passes.autocast([&] {
    return training_loss(run_.model->score(frames, bank_on(device)).logits, all_labels, config_.loss);
  });
}

void SfarTrainTask::finish_backward(const engine::StepContext& ctx, const engine::StepPasses& passes) {
  if (config_.feature_cache.views > 0) return;  // a frozen backbone: the head's gradients are complete
  const torch::Device device = ctx.device;
  grad_cache_.backward([&](std::int64_t i) { return run_.model->encode_frames(step_clips_[i].to(device)); },
                       passes);
  step_clips_.clear();
}

}  // namespace sfar::recipes
