// SfarTrainTask's feature-cache path (feature_cache.views > 0): the loss and the evaluation
// read frame embeddings computed once by the frozen backbone instead of decoding every epoch.
#include <algorithm>

#include "sfar/recipes/sfar_task.h"

namespace sfar::recipes {

void SfarTrainTask::build_feature_caches(const torch::Device& device) {
  if (train_cache_) return;
  const auto seed = static_cast<std::uint64_t>(config_.run.seed);
  // The evaluator's loader options: the cache reads every video itself, whatever the shard.
  const auto options = eval_loader_options(config_, static_cast<std::int64_t>(run_.class_names.size()), dist_);
  // The training videos in `views` test-mode clips each, every listed video once.
  auto unique = unique_records(train_set_->records());
  data::DataConfig views = config_.data;
  views.clips = config_.feature_cache.views;
  auto videos = data::make_video_dataset(views, std::move(unique.records), data::SampleMode::kTest, seed);
  engine::ProgressSlot building = progress_;
  const std::string what = progress_.what.empty() ? "" : progress_.what + "  ";
  building.what = what + "feature cache";
  train_cache_ = std::make_unique<FrameEmbeddingCache>(*run_.model, std::move(videos), options, device, building);
  train_rows_ = torch::tensor(unique.row_of, torch::kInt64);
  building.what = what + "eval";
  if (evaluator_) evaluator_->build_cache(device, building);
}

std::pair<torch::Tensor, torch::Tensor> SfarTrainTask::cached_rows(std::int64_t epoch, std::int64_t start,
                                                                    std::int64_t count, const torch::Device& device) {
  build_feature_caches(device);
  if (order_epoch_ != epoch) {
    order_ = cached_epoch_order(train_rows_.size(0), train_cache_->views(),
                                static_cast<std::uint64_t>(config_.run.seed), epoch);
    order_epoch_ = epoch;
  }
  const auto positions = order_.order.narrow(0, start, count);
  const auto rows = train_rows_.index_select(0, positions);
  auto frames = train_cache_->gather(rows, order_.views.index_select(0, positions)).to(device);
  return {std::move(frames), train_cache_->labels().index_select(0, rows).to(device)};
}

// Ranks take consecutive per-rank batches of each global step of the epoch's order, as the
// loader's shards do; incomplete global batches are dropped (steps_per_epoch).
std::int64_t SfarTrainTask::rank_batch_start(const engine::StepContext& ctx) const {
  const std::int64_t world = dist_ ? dist_->world_size() : 1, rank = dist_ ? dist_->rank() : 0;
  return (ctx.step_in_epoch * world + rank) * config_.train.batch_size;
}

torch::Tensor SfarTrainTask::cached_loss(const engine::StepContext& ctx) {
  const std::int64_t micro = config_.train.micro_batch_size();
  const std::int64_t start = rank_batch_start(ctx) + ctx.micro_index * micro;
  const auto [frames, labels] = cached_rows(ctx.epoch, start, micro, ctx.device);
  return step_.frames_loss(frames, labels, bank_on(ctx.device));
}

// loss.scope global: this rank's whole batch, gathered over the ranks, in one loss. The
// backbone is frozen, so nothing is back-propagated past the cached embeddings.
torch::Tensor SfarTrainTask::cached_step_loss(const engine::StepContext& ctx, const engine::StepPasses& passes) {
  auto [frames, labels] = cached_rows(ctx.epoch, rank_batch_start(ctx), config_.train.batch_size, ctx.device);
  if (dist_) {
    frames = dist_->all_gather_rows(frames);
    labels = dist_->all_gather_rows(labels);
  }
  return passes.autocast([&] {
    return step_.frames_loss(frames, labels, bank_on(ctx.device));
  });
}

}  // namespace sfar::recipes
