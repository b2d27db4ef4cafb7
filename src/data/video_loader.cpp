#include "sfar/data/video_loader.h"

#include <random>

#include "sfar/core/error.h"

namespace sfar::data {

VideoLoader::VideoLoader(std::shared_ptr<const VideoDataset> dataset, VideoLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  if (!dataset_) throw ArgumentError("VideoLoader", "no dataset given");
  if (options_.batch_size <= 0) {
    throw ArgumentError("batch_size", "must be positive", std::to_string(options_.batch_size));
  }
  if (options_.prefetch <= 0) throw ArgumentError("prefetch", "must be positive", std::to_string(options_.prefetch));
  if (options_.workers < 0) throw ArgumentError("workers", "must not be negative", std::to_string(options_.workers));
  if (options_.world_size <= 0 || options_.rank < 0 || options_.rank >= options_.world_size) {
    throw ArgumentError("rank", "must lie in [0, world_size = " + std::to_string(options_.world_size) + ")",
                        std::to_string(options_.rank));
  }
}

VideoLoader::~VideoLoader() { stop_workers(); }

std::vector<std::int64_t> VideoLoader::shard_indices(std::uint64_t epoch) const {
  const std::int64_t n = dataset_->size();
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  if (options_.shuffle) {
    // Fisher-Yates with our own index draw, so the order is the same with every C++ library.
    std::mt19937_64 rng(seed_for(options_.seed, epoch, 0x73687566666c65ULL));
    for (std::int64_t i = n - 1; i > 0; --i) {
      const auto j = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(i + 1));
      std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
    }
  }
  std::vector<std::int64_t> shard;
  for (std::int64_t k = options_.rank; k < n; k += options_.world_size) {
    shard.push_back(order[static_cast<std::size_t>(k)]);
  }
  return shard;
}

std::int64_t VideoLoader::batches_per_epoch() const {
  const auto n = static_cast<std::int64_t>(shard_indices(0).size());
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

void VideoLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void VideoLoader::start_epoch(std::uint64_t epoch) {
  stop_workers();
  order_ = shard_indices(epoch);
  const auto n = static_cast<std::int64_t>(order_.size());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    started_ = true;
    epoch_ = epoch;
    num_batches_ = options_.drop_last ? n / options_.batch_size
                                      : (n + options_.batch_size - 1) / options_.batch_size;
    next_claim_ = next_take_ = 0;
    ready_.clear();
  }
  for (std::int64_t w = 0; w < options_.workers; ++w) threads_.emplace_back([this] { work(); });
}

void VideoLoader::work() {
  for (;;) {
    std::int64_t b = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [&] {
        return stop_ || next_claim_ >= num_batches_ || next_claim_ < next_take_ + options_.prefetch;
      });
      if (stop_ || next_claim_ >= num_batches_) return;
      b = next_claim_++;
    }
    Slot slot;
    try {
      slot.batch = build_batch(b);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_[b] = std::move(slot);
    }
    ready_cv_.notify_all();
  }
}

std::optional<VideoBatch> VideoLoader::next() {
  if (!started_) start_epoch(0);
  Slot slot;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (next_take_ >= num_batches_) return std::nullopt;
    const std::int64_t b = next_take_;
    if (threads_.empty()) {
      // No workers: build in the caller's thread.
      ++next_take_;
      next_claim_ = next_take_;
      lock.unlock();
      return build_batch(b);
    }
    ready_cv_.wait(lock, [&] { return ready_.count(b) > 0; });
    slot = std::move(ready_[b]);
    ready_.erase(b);
    ++next_take_;
  }
  work_cv_.notify_all();
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(slot.batch);
}

VideoBatch VideoLoader::build_batch(std::int64_t batch_index) const {
  const auto begin = static_cast<std::size_t>(batch_index * options_.batch_size);
  const std::size_t end = std::min(order_.size(), begin + static_cast<std::size_t>(options_.batch_size));
  VideoBatch batch;
  std::vector<torch::Tensor> clips;
  const auto count = static_cast<std::int64_t>(end - begin);
  batch.labels = options_.num_classes > 0 ? torch::zeros({count, options_.num_classes}, torch::kFloat32)
                                          : torch::empty({count}, torch::kInt64);
  for (std::size_t k = begin; k < end; ++k) {
    VideoSample sample = dataset_->get(order_[k], epoch_);
    const auto row = static_cast<std::int64_t>(k - begin);
    if (options_.num_classes > 0) {
      for (const std::int64_t label : sample.labels) {
        if (label < 0 || label >= options_.num_classes) {
          throw ArgumentError(sample.path, "label outside [0, num_classes)", std::to_string(label));
        }
        batch.labels[row][label] = 1.0f;
      }
    } else {
      if (sample.labels.size() != 1) {
        throw ArgumentError(sample.path, "expected one label per sample (set num_classes for multi-label)",
                            std::to_string(sample.labels.size()) + " labels");
      }
      batch.labels[row] = sample.labels.front();
    }
    if (!clips.empty() && clips.front().sizes() != sample.clip.sizes()) {
      throw ArgumentError(sample.path, "clip shape differs from the batch's first clip " +
                                           std::string(c10::str(clips.front().sizes())) +
                                           " (add a crop to the pipeline)",
                          c10::str(sample.clip.sizes()));
    }
    clips.push_back(std::move(sample.clip));
    batch.indices.push_back(sample.index);
    batch.source_indices.push_back(sample.source_index);
    batch.paths.push_back(std::move(sample.path));
  }
  batch.clips = torch::stack(clips);
  return batch;
}

}  // namespace sfar::data
