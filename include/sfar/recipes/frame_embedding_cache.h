// Frame embeddings of a frozen image encoder, computed once per video, so that a head trains
// for many epochs at the cost of the head alone (config section `feature_cache:`; the backbone
// must be frozen, model.freeze_backbone). Researchers use it for fast ablations of heads; the
// quick start uses it to train both heads to convergence on two CPU cores.
//
//   FrameEmbeddingCache cache(*run.model, unique_videos, loader_options, device);  // one pass
//   auto frames = cache.gather(rows, views);  // [B, T, D] -> model->score(frames, bank)
//
// A video listed several times (a K-shot list repeated to the full list's length) is embedded
// once: `rows_for` maps dataset indices to cache rows.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "sfar/data/video_dataset.h"
#include "sfar/data/video_loader.h"
#include "sfar/engine/progress.h"
#include "sfar/method/sfar_model.h"

namespace sfar::recipes {

class FrameEmbeddingCache {
 public:
  // Embeds every video of `videos` (read in test mode: each sample holds V clips, the views)
  // with `model`'s image encoder on `device`, without gradients, in batches of
  // `loader.batch_size` (shuffle and sharding are ignored: every video, in order). Keeps the
  // embeddings on the CPU in float32 and the labels as the loader gives them.
  // `progress` counts the videos embedded.
  FrameEmbeddingCache(method::SfarModelImpl& model, std::shared_ptr<const data::VideoDataset> videos,
                      data::VideoLoaderOptions loader, const torch::Device& device,
                      const engine::ProgressSlot& progress = {});

  std::int64_t size() const { return embeddings_.size(0); }
  std::int64_t views() const { return embeddings_.size(1); }
  const torch::Tensor& embeddings() const { return embeddings_; }  // [N, V, T, D]
  const torch::Tensor& labels() const { return labels_; }          // [N] or [N, C] multi-hot
  const data::VideoDataset& videos() const { return *videos_; }

  // Rows [B] and one view per row [B] -> frame embeddings [B, T, D] (a copy).
  torch::Tensor gather(const torch::Tensor& rows, const torch::Tensor& views) const;

 private:
  std::shared_ptr<const data::VideoDataset> videos_;
  torch::Tensor embeddings_, labels_;
};

// The records of `records` with repeats removed (same path and frame range), in first-seen
// order, and for each record its position among them.
struct UniqueRecords {
  std::vector<data::VideoRecord> records;
  std::vector<std::int64_t> row_of;
};
UniqueRecords unique_records(const std::vector<data::VideoRecord>& records);

// One epoch's order over a cached training list of `size` entries: a permutation drawn from
// (seed, epoch) and, for each position, the view to read (uniform over `views`). The same
// seed and epoch give the same draw, so a resumed run continues the same sequence.
struct CachedEpochOrder {
  torch::Tensor order;  // [size] int64, a permutation of 0..size-1
  torch::Tensor views;  // [size] int64 in [0, views)
};
CachedEpochOrder cached_epoch_order(std::int64_t size, std::int64_t views, std::uint64_t seed, std::int64_t epoch);

}  // namespace sfar::recipes
