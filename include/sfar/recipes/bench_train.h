// `sfar bench train`: training speed of the model a run config describes (CLIP arch or weights,
// head, loss, AdamW recipe) on synthetic inputs: random CLIP-normalised clips and labels, and a
// random text bank in place of encoded class texts (the text tower is built and held, frozen,
// as in `sfar train`, but never run). Each step is the Trainer's full step as `sfar train` runs
// it, through the same SfarStep (sfar_step.h): forward, loss of loss.type, loss.scope over the
// micro-batches, backward, clipping and the AdamW step over the parameter groups.
//
// Also measured: the matrix-product peak of this machine on the same threads (best of five n x n
// products in the type of train.precision), the analytic FLOPs of one step and the share of that
// peak the step reaches; and the head's share of a step: the head, class logits and loss,
// forward and backward, timed on cached frame embeddings. FLOPs count the vision tower's matrix
// products only, as `sfar info --flops` does (method/model_cost.h): a training step is 3x the
// forward pass (backward ~ 2x), except the patch embedding, 2x.
//
//   nlohmann::json line = bench_train(load_sfar_run_config({"run.yaml"}), {.steps = 5});
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "sfar/core/sfar_config.h"
#include "sfar/engine/trainer.h"
#include "sfar/method/sfar_model.h"
#include "sfar/recipes/sfar_run_config.h"
#include "sfar/recipes/sfar_step.h"

namespace sfar::recipes {

struct BenchTrainOptions {
  std::int64_t steps = 5, warmup = 2;
  std::int64_t batch = 0;        // videos per step; 0: train.micro_batch (or batch_size)
  std::int64_t micro_batch = 0;  // videos per forward pass; 0: the whole batch
  std::int64_t frames = 0;       // 0: data.num_frames
  std::int64_t classes = 32;     // classes of the random text bank
  std::int64_t threads = -1;     // -1: run.threads
  std::int64_t matmul_size = 2048;  // n of the peak product; 0: skipped
  // The architecture reshaped (random weights only); 0: as the config says.
  std::int64_t width = 0, layers = 0, resolution = 0, patch = 0, embed_dim = 0, text_width = 0, text_layers = 0;
  AttentionKernel attention = AttentionKernel::kFused;
};

// A random text bank of `classes` classes (`subtexts` sub-texts each), embedding size `dim`.
method::TextBank random_text_bank(std::int64_t classes, std::int64_t subtexts, std::int64_t dim,
                                  const torch::Device& device);

// The bench's task: the same clips and labels every step (the loader is not what is measured),
// the loss and loss.scope of SfarStep, as SfarTrainTask computes them.
class SyntheticTrainTask : public engine::TrainTask {
 public:
  // clips [B, T, 3, H, W], labels [B], `micro` videos per forward pass (dividing B).
  SyntheticTrainTask(method::SfarModel model, method::TextBank bank, torch::Tensor clips, torch::Tensor labels,
                     const LossConfig& loss, std::int64_t steps, std::int64_t micro);

  std::int64_t steps_per_epoch() override { return steps_; }
  torch::Tensor loss(const engine::StepContext& ctx) override;
  bool whole_step() override { return step_.whole_step(); }
  torch::Tensor step_loss(const engine::StepContext& ctx, const engine::StepPasses& passes) override;
  void finish_backward(const engine::StepContext& ctx, const engine::StepPasses& passes) override;
  // The loss from frame embeddings [B, T, D] of every clip: the head, class logits and loss.
  torch::Tensor head_loss(const torch::Tensor& frames) { return step_.frames_loss(frames, labels_, bank_); }

 private:
  method::TextBank bank_;
  torch::Tensor clips_, labels_;
  std::int64_t steps_, micro_;
  SfarStep step_;
};

// Times o.warmup + o.steps Trainer steps of `config`'s model and returns the bench's JSON line
// (its keys are listed in docs; ArgumentError naming the flag for a bad option).
nlohmann::json bench_train(const SfarRunConfig& config, const BenchTrainOptions& o);

// The same figures as a few lines of text.
std::string bench_train_text(const nlohmann::json& line);

}  // namespace sfar::recipes
