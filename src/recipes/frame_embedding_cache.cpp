#include "sfar/recipes/frame_embedding_cache.h"

#include <map>
#include <random>
#include <string>
#include <tuple>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"

namespace sfar::recipes {

FrameEmbeddingCache::FrameEmbeddingCache(method::SfarModelImpl& model,
                                         std::shared_ptr<const data::VideoDataset> videos,
                                         data::VideoLoaderOptions loader, const torch::Device& device,
                                         const engine::ProgressSlot& progress)
    : videos_(std::move(videos)) {
  if (!videos_) throw ArgumentError("frame embedding cache", "no dataset given");
  loader.shuffle = false;
  loader.drop_last = false;
  loader.rank = 0;
  loader.world_size = 1;
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();  // the encoder as evaluation runs it (no dropout, whatever the CLIP variant)
  data::VideoLoader reader(videos_, loader);
  reader.start_epoch(0);
  std::vector<torch::Tensor> embeddings, labels;
  engine::CountProgress shown(progress, videos_->size(), "videos");
  std::int64_t done = 0;
  while (auto batch = reader.next()) {
    const auto& c = batch->clips;  // [B, V, T, 3, H, W]
    const auto B = c.size(0), V = c.size(1), T = c.size(2);
    const auto frames = model.encode_frames(c.reshape({B * V, T, c.size(3), c.size(4), c.size(5)}).to(device));
    embeddings.push_back(frames.to(torch::kCPU, torch::kFloat32).view({B, V, T, frames.size(-1)}));
    labels.push_back(batch->labels.cpu());
    shown.update(done += B);
  }
  model.train(was_training);
  embeddings_ = torch::cat(embeddings);
  labels_ = torch::cat(labels);
  if (embeddings_.size(0) != videos_->size()) {
    throw ArgumentError("frame embedding cache", "the loader returned a different number of videos",
                        std::to_string(embeddings_.size(0)) + " of " + std::to_string(videos_->size()));
  }
  SFAR_LOG_INFO("feature cache: {} videos x {} views x {} frames x {} dims ({:.1f} MB)", size(), views(),
                embeddings_.size(2), embeddings_.size(3),
                static_cast<double>(embeddings_.numel() * 4) / (1024.0 * 1024.0));
}

torch::Tensor FrameEmbeddingCache::gather(const torch::Tensor& rows, const torch::Tensor& views) const {
  // Flattened [N * V, T, D] so that one index_select reads (row, view) pairs.
  const auto flat = embeddings_.flatten(0, 1);
  return flat.index_select(0, rows * this->views() + views);
}

UniqueRecords unique_records(const std::vector<data::VideoRecord>& records) {
  UniqueRecords out;
  std::map<std::tuple<std::string, std::int64_t, std::int64_t>, std::int64_t> seen;
  out.row_of.reserve(records.size());
  for (const auto& r : records) {
    const auto key = std::make_tuple(r.path, r.start_frame, r.end_frame);
    auto [it, inserted] = seen.emplace(key, static_cast<std::int64_t>(out.records.size()));
    if (inserted) out.records.push_back(r);
    out.row_of.push_back(it->second);
  }
  return out;
}

CachedEpochOrder cached_epoch_order(std::int64_t size, std::int64_t views, std::uint64_t seed, std::int64_t epoch) {
  if (size < 1 || views < 1) {
    throw ArgumentError("cached epoch order", "needs at least one video and one view",
                        std::to_string(size) + " videos, " + std::to_string(views) + " views");
  }
  // Seeded per (seed, epoch) with a fixed engine and a hand-rolled draw, so that the order does
  // not depend on the standard library's distributions.
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(epoch), 0x5fa2cacdu};
  std::mt19937_64 rng(seq);
  std::vector<std::int64_t> order(static_cast<std::size_t>(size)), view(static_cast<std::size_t>(size));
  for (std::int64_t i = 0; i < size; ++i) order[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = size - 1; i > 0; --i) {  // Fisher-Yates
    const auto j = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(i + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  for (auto& v : view) v = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(views));
  return {torch::tensor(order, torch::kInt64), torch::tensor(view, torch::kInt64)};
}

}  // namespace sfar::recipes
