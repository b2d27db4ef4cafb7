// Batches from a VideoDataset, built by worker threads ahead of the consumer. Batches come
// out in order and each sample's random choices depend only on (seed, epoch, index), so a run
// is the same whatever the worker count. At most `prefetch` batches exist at once (ready or
// being built), which bounds memory whatever the dataset size.
//
//   VideoLoader loader(dataset, {.batch_size = 8, .workers = 4, .rank = rank, .world_size = world});
//   loader.start_epoch(epoch);
//   while (auto batch = loader.next()) train_step(batch->clips, batch->labels);  // [B, V, T, 3, H, W]
#pragma once

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sfar/data/video_dataset.h"

namespace sfar::data {

struct VideoLoaderOptions {
  std::int64_t batch_size = 8;
  std::int64_t workers = 2;
  std::int64_t prefetch = 4;      // batches in memory at most (ready or in progress); >= 1
  bool shuffle = true;            // order drawn from (seed, epoch)
  bool drop_last = false;         // drop this rank's last, incomplete batch
  std::uint64_t seed = 0;
  std::int64_t rank = 0;          // this process's shard: positions rank, rank + world_size, ...
  std::int64_t world_size = 1;
  std::int64_t num_classes = 0;   // > 0: multi-hot labels [B, num_classes]; 0: labels [B]
};

struct VideoBatch {
  torch::Tensor clips;   // [B, V, T, 3, H, W] float
  torch::Tensor labels;  // [B] int64, or [B, num_classes] float multi-hot
  std::vector<std::int64_t> indices;         // dataset indices asked for
  std::vector<std::int64_t> source_indices;  // records read (differ after a bad-file replacement)
  std::vector<std::string> paths;
};

class VideoLoader {
 public:
  // ArgumentError for a non-positive batch size / prefetch, negative workers or a rank
  // outside [0, world_size).
  VideoLoader(std::shared_ptr<const VideoDataset> dataset, VideoLoaderOptions options);
  // Stops and joins the workers; batches not taken are dropped.
  ~VideoLoader();
  VideoLoader(const VideoLoader&) = delete;
  VideoLoader& operator=(const VideoLoader&) = delete;

  // Starts (or restarts) `epoch`; an unfinished epoch is abandoned.
  void start_epoch(std::uint64_t epoch);
  // The next batch of the epoch (epoch 0 starts on first use); nullopt when the epoch is over.
  // An error a worker hit (a bad file under `raise`) is rethrown here, naming the file.
  std::optional<VideoBatch> next();

  // This rank's sample order for `epoch`: its shard of the (shuffled) dataset.
  std::vector<std::int64_t> shard_indices(std::uint64_t epoch) const;
  std::int64_t batches_per_epoch() const;
  const VideoDataset& dataset() const { return *dataset_; }

 private:
  struct Slot {
    std::optional<VideoBatch> batch;
    std::exception_ptr error;
  };

  void stop_workers();
  void work();
  VideoBatch build_batch(std::int64_t batch_index) const;

  std::shared_ptr<const VideoDataset> dataset_;
  VideoLoaderOptions options_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  bool started_ = false, stop_ = false;
  std::uint64_t epoch_ = 0;
  std::vector<std::int64_t> order_;
  std::int64_t num_batches_ = 0, next_claim_ = 0, next_take_ = 0;
  std::map<std::int64_t, Slot> ready_;
};

}  // namespace sfar::data
