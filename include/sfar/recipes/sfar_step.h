// The loss side of one SFAR training step, shared by every task that trains the SFAR model:
// `sfar train`'s SfarTrainTask (clips from the loader, or cached frame embeddings) and `sfar
// bench train`'s synthetic task. The loss (recipes::training_loss, loss.type) and the decision
// of loss.scope are made here once, so the bench times the step that training runs.
//
//   SfarStep step(model, config.loss, config.train.accumulation_steps(), dist);
//   if (!step.whole_step()) return step.clips_loss(clips, labels, bank);   // per micro-batch
//   auto loss = step.step_loss(micro_clips, labels, bank, passes, device); // the whole batch
//   ... backward ...; step.finish_backward(passes);
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "sfar/engine/distributed.h"
#include "sfar/engine/gradient_cache.h"
#include "sfar/engine/trainer.h"
#include "sfar/method/sfar_model.h"
#include "sfar/recipes/sfar_run_config.h"

namespace sfar::recipes {

// Whether loss.scope asks for one loss over more videos than one micro-batch holds: scope
// global with several micro-batches per step or several ranks. (micro_batch scope, or one
// micro-batch on one process: the micro-batch's own loss is already that loss.)
bool whole_batch_loss(const LossConfig& loss, std::int64_t accumulation_steps, bool distributed);

class SfarStep {
 public:
  // `dist`: null for one process. `accumulation_steps`: micro-batches per optimizer step.
  SfarStep(method::SfarModel model, LossConfig loss, std::int64_t accumulation_steps,
           engine::DistributedContext* dist);

  bool whole_step() const;
  // The loss of clips [b, T, 3, H, W] and labels [b] (or multi-hot [b, C]), on the model's device.
  torch::Tensor clips_loss(const torch::Tensor& clips, const torch::Tensor& labels, const method::TextBank& bank);
  // The loss from frame embeddings [b, T, D] on: the head, the class logits and the loss.
  torch::Tensor frames_loss(const torch::Tensor& frames, const torch::Tensor& labels,
                            const method::TextBank& bank);
  // loss.scope global: the loss over every micro-batch of `clips` (each [b, T, 3, H, W], moved
  // to `device` when encoded) and every rank, through the gradient cache; `labels` are this
  // rank's, concatenated in micro-batch order. Keeps the clips for finish_backward.
  torch::Tensor step_loss(std::vector<torch::Tensor> clips, const torch::Tensor& labels, const method::TextBank& bank,
                          const engine::StepPasses& passes, const torch::Device& device);
  // After the loss's backward: the backbone's second passes; then forgets the clips.
  void finish_backward(const engine::StepPasses& passes);

 private:
  engine::GradientCache::Encode encode();

  method::SfarModel model_;
  LossConfig loss_;
  std::int64_t accumulation_;
  engine::DistributedContext* dist_;
  engine::GradientCache cache_;
  std::vector<torch::Tensor> clips_;
  torch::Device device_ = torch::kCPU;
};

}  // namespace sfar::recipes
