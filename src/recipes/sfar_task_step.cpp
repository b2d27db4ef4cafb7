// SfarTrainTask's loss over the whole global batch (loss.scope: global): the backbone's frame
// embeddings of every micro-batch are cached, gathered over the ranks, and the head, the class
// logits and the loss run once on all of them (SfarStep, gradient_cache.h).
#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

bool SfarTrainTask::whole_step() { return step_.whole_step(); }

torch::Tensor SfarTrainTask::step_loss(const engine::StepContext& ctx, const engine::StepPasses& passes) {
  if (config_.feature_cache.views > 0) return cached_step_loss(ctx, passes);
  const std::int64_t accumulation = config_.train.accumulation_steps();
  std::vector<torch::Tensor> clips, labels;
  for (std::int64_t i = 0; i < accumulation; ++i) {
    const auto& batch = train_batch(ctx.epoch, ctx.step_in_epoch * accumulation + i);
    clips.push_back(batch.clips.select(1, 0));  // the single training view
    labels.push_back(batch.labels);
  }
  return step_.step_loss(std::move(clips), torch::cat(labels), bank_on(ctx.device), passes, ctx.device);
}

void SfarTrainTask::finish_backward(const engine::StepContext&, const engine::StepPasses& passes) {
  if (config_.feature_cache.views > 0) return;  // a frozen backbone: the head's gradients are complete
  step_.finish_backward(passes);
}

}  // namespace sfar::recipes
