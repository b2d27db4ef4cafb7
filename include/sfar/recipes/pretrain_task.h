// CLIP-style video-text contrastive pre-training of a small CLIP from scratch (`sfar pretrain`):
// a SentencePiece tokenizer trained on the captions, then symmetric InfoNCE between video
// embeddings (pooled per-frame image embeddings) and caption embeddings, with a learned logit
// scale. Pairs of the same group (the list's tag, else identical caption text; see
// caption_list.h) are positives for each other, never negatives. The result loads with
// load_clip and the tokenizer with SentencePieceTokenizer, so `sfar train` fine-tunes from it.
//
//   PretrainConfig config = load_pretrain_config({"pretrain.yaml"});
//   PretrainResult r = run_pretraining(config, {.progress = {&bar}});
//   // r.clip_path = <work_dir>/clip.pt, r.tokenizer_path = <work_dir>/tokenizer.model
#pragma once

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sfar/data/caption_list.h"
#include "sfar/data/video_loader.h"
#include "sfar/engine/progress.h"
#include "sfar/engine/trainer.h"
#include "sfar/models/clip_model.h"
#include "sfar/recipes/pretrain_config.h"

namespace sfar::recipes {

// [B, T, D] per-frame embeddings -> [B, D] video embeddings (see VideoPooling). ArgumentError
// for fewer than 2 frames with mean_delta.
torch::Tensor pool_frames(const torch::Tensor& frames, VideoPooling pooling);

// Symmetric InfoNCE over a batch: logits [B, B] (video i vs caption j), groups [B] int64;
// captions of a video's group are its positives. (video->text + text->video) / 2.
torch::Tensor video_text_loss(const torch::Tensor& logits, const torch::Tensor& groups);

struct RetrievalResult {
  double video_to_text_top1 = 0;  // % of videos whose best caption (of all N) is of their group
  double text_to_video_top1 = 0;  // % of captions whose best video is of their group
  double chance_top1 = 0;         // % a random caption would score: sum_g (n_g / N)^2
};

// video [N, D] and text [N, D] embeddings of N pairs (any scale), groups [N].
RetrievalResult retrieval_top1(const torch::Tensor& video, const torch::Tensor& text, const torch::Tensor& groups);

class PretrainTask : public engine::TrainTask {
 public:
  // `tokens` [N, context_length]: the tokenized caption of each pair of `pairs`.
  PretrainTask(models::ClipModel model, const PretrainConfig& config, const data::CaptionList& pairs,
               torch::Tensor tokens);
  ~PretrainTask() override;

  std::int64_t steps_per_epoch() override;
  torch::Tensor loss(const engine::StepContext& ctx) override;
  // Retrieval over all training pairs (test pipeline) after the last epoch; empty before.
  std::map<std::string, double> evaluate(std::int64_t epoch) override;
  RetrievalResult retrieval();
  const std::optional<RetrievalResult>& last_retrieval() const { return last_retrieval_; }

  // Mean training loss of the first and of the last epoch seen (NaN before any step).
  double first_epoch_loss() const;
  double last_epoch_loss() const;

 private:
  models::ClipModel model_;
  PretrainConfig config_;
  torch::Tensor tokens_, groups_;
  std::shared_ptr<const data::VideoDataset> train_set_, eval_set_;
  std::unique_ptr<data::VideoLoader> loader_;
  std::int64_t loader_epoch_ = -1;
  std::vector<std::vector<double>> epoch_losses_;
  std::optional<RetrievalResult> last_retrieval_;
};

struct PretrainSetup {
  engine::ProgressSlot progress;  // the training's share of a progress bar (none by default)
};

struct PretrainResult {
  std::string work_dir, clip_path, tokenizer_path, metrics_path;
  std::int64_t pairs = 0, groups = 0, vocab_size = 0, parameters = 0, steps = 0;
  double first_epoch_loss = 0, last_epoch_loss = 0, logit_scale = 0;
  RetrievalResult retrieval;
  double seconds = 0;
};

// The whole command: reads the list, trains the tokenizer (<work_dir>/tokenizer.model), builds
// and trains the CLIP, writes <work_dir>/clip.pt, resolved.yaml and metrics.jsonl (the loss
// every pretrain.log_interval steps, retrieval after the last epoch). Errors name the file or key.
PretrainResult run_pretraining(const PretrainConfig& config, const PretrainSetup& setup = {});

}  // namespace sfar::recipes
