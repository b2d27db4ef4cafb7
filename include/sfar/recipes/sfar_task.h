// SFAR training and evaluation on a video dataset: builds the model, its text bank and the
// data loaders from an SfarRunConfig, and supplies the Trainer with the loss of each
// micro-batch and an evaluation (top-1, top-5, mean class accuracy, in percent).
//
//   SfarRun run = build_sfar_run(config, device, bank_dir);  // CLIP, tokenizer, descriptions, text bank
//   SfarTrainTask task(run, config);
//   Trainer trainer(run.model.ptr(), task, setup);
//   trainer.fit();
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sfar/data/video_loader.h"
#include "sfar/engine/distributed.h"
#include "sfar/engine/progress.h"
#include "sfar/engine/trainer.h"
#include "sfar/eval/metrics.h"
#include "sfar/method/sfar_model.h"
#include "sfar/recipes/frame_embedding_cache.h"
#include "sfar/recipes/sfar_evaluator.h"
#include "sfar/recipes/sfar_run_config.h"
#include "sfar/recipes/sfar_step.h"

namespace sfar::recipes {

struct SfarRun {
  std::vector<std::string> class_names;
  method::SfarModel model{nullptr};
  method::TextBank bank;      // on the CPU
  bool bank_from_cache = false;
  std::string device;         // the device build_sfar_run was given (apply_runtime's)
  // The head is as it will be scored without a checkpoint: its weights came with model.weights
  // (an `sfar export`), or it has none of its own (mean). False: a freshly initialised head.
  bool head_ready = false;
};

// Loads the class names (data.labels is required), the CLIP weights (model.weights; empty:
// random initialisation seeded by run.seed, logged; an `sfar export` also sets the head's
// weights, which must fit head.type), the tokenizer and the descriptions, and
// the text bank (cached under `bank_dir`; empty: not cached). Throws ConfigError/IoError/
// ModelError naming the file or key. `device` is the resolved run.device (apply_runtime).
SfarRun build_sfar_run(const SfarRunConfig& config, const std::string& device, const std::string& bank_dir);

class SfarTrainTask : public engine::TrainTask {
 public:
  // The training loader is built from config.data (train pipeline), an SfarEvaluator of
  // config.eval.list when set. The batch read per forward pass is
  // train.micro_batch (or train.batch_size); incomplete global batches are dropped.
  // With an active `distributed`, config.train is one rank's (per_rank_train_options): each
  // rank reads its shard of every epoch, and evaluation is sharded and gathered exactly.
  SfarTrainTask(SfarRun& run, const SfarRunConfig& config, engine::DistributedContext* distributed = nullptr);
  ~SfarTrainTask() override;

  std::int64_t steps_per_epoch() override;
  torch::Tensor loss(const engine::StepContext& ctx) override;
  // loss.scope global, with micro-batches or ranks (SfarStep::whole_step): the loss over the
  // whole global batch, by a gradient cache over the micro-batches and an all-gather over the
  // ranks (sfar_task_step.cpp).
  bool whole_step() override;
  torch::Tensor step_loss(const engine::StepContext& ctx, const engine::StepPasses& passes) override;
  void finish_backward(const engine::StepContext& ctx, const engine::StepPasses& passes) override;
  std::map<std::string, double> evaluate(std::int64_t epoch) override;
  // {"bad_files": distinct unreadable training files so far, "eval_bad_files": same for the
  // evaluation list when there is one}.
  std::map<std::string, std::int64_t> counters() override;
  // The bad files of both lists (path, first reason, failures) as JSON, so that a resumed run
  // neither counts nor reports them again.
  std::string save_state() override;
  void load_state(const std::string& state) override;

  // One training batch's loss without the Trainer (for --dry-run): clips of batch 0 of epoch 0.
  torch::Tensor first_batch_loss(const torch::Device& device);
  std::int64_t train_size() const;
  std::int64_t eval_size() const;
  // The full result (per-class counts, confusion matrix) of the last evaluate(); empty before,
  // without eval.list, and for multi-label sets (data.multi_label: their evaluate() reports mAP).
  const std::optional<eval::ClassificationResult>& last_eval() const;
  // The run's progress bar: the evaluation after each epoch and the feature caches show their
  // count in its detail (the bar's fraction stays the trainer's steps).
  void set_progress(engine::ProgressSlot slot) {
    progress_ = std::move(slot);
    progress_.detail_only = true;
  }

 private:
  torch::Tensor batch_loss(const data::VideoBatch& batch, const torch::Device& device);
  // feature_cache.views > 0: the caches are built on first use (the model is on its device by
  // then), and the loss and evaluation read them instead of the loaders.
  void build_feature_caches(const torch::Device& device);
  torch::Tensor cached_loss(const engine::StepContext& ctx);
  // This rank's first position of step ctx.step_in_epoch in the epoch's order (ranks take
  // consecutive per-rank batches of each global step, as the loader's shards do).
  std::int64_t rank_batch_start(const engine::StepContext& ctx) const;
  torch::Tensor cached_step_loss(const engine::StepContext& ctx, const engine::StepPasses& passes);
  // Frame embeddings [count, T, D] and labels of positions [start, start + count) of the
  // epoch's cached order, on `device`.
  std::pair<torch::Tensor, torch::Tensor> cached_rows(std::int64_t epoch, std::int64_t start, std::int64_t count,
                                                      const torch::Device& device);
  const method::TextBank& bank_on(const torch::Device& device);  // the text bank, moved once
  const data::VideoBatch& train_batch(std::int64_t epoch, std::int64_t index);

  SfarRun& run_;
  SfarRunConfig config_;
  engine::DistributedContext* dist_ = nullptr;
  std::shared_ptr<const data::VideoDataset> train_set_;
  std::unique_ptr<SfarEvaluator> evaluator_;  // with eval.list
  std::unique_ptr<data::VideoLoader> train_loader_;
  std::int64_t loader_epoch_ = -1, next_index_ = 0;
  std::optional<data::VideoBatch> current_;
  torch::Device bank_device_ = torch::kCPU;
  method::TextBank device_bank_;
  std::unique_ptr<FrameEmbeddingCache> train_cache_;
  torch::Tensor train_rows_;  // training list position -> cache row
  CachedEpochOrder order_;
  std::int64_t order_epoch_ = -1;
  SfarStep step_;  // the loss and loss.scope, as every SFAR task computes them
  engine::ProgressSlot progress_;
};

// Test views "CxV" (`sfar eval --views`): C clips per video (data.clips) and V crops per clip,
// V = 1 (the test pipeline as configured) or 3 (its center_crop becomes a three_crop of the
// same size). Throws ArgumentError naming `where` and the value.
void apply_test_views(SfarRunConfig& config, const std::string& views, const std::string& where = "--views");

// top-1/top-5 (k capped at the class count) and mean per-class accuracy, in percent, of
// scores [N, C] against labels [N]; classes absent from `labels` are left out of the mean.
// The summary of eval::classify.
std::map<std::string, double> classification_metrics(const torch::Tensor& scores, const torch::Tensor& labels);

}  // namespace sfar::recipes
