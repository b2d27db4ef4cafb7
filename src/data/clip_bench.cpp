#include "sfar/data/clip_bench.h"

#include <nlohmann/json.hpp>

#include <chrono>

#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/data/video_dataset.h"
#include "sfar/data/video_loader.h"
#include "sfar/io/video_reader.h"

namespace sfar::data {
namespace {

std::shared_ptr<const VideoDataset> make_dataset(const ClipBenchOptions& options,
                                                 const std::vector<VideoRecord>& records) {
  return make_video_dataset(clip_bench_task(options), records, SampleMode::kTest, 0);
}

}  // namespace

DataConfig clip_bench_task(const ClipBenchOptions& options) {
  if (options.workers < 1 || options.rounds < 1 || options.repeat < 1) {
    throw ArgumentError("sfar bench clips", "--workers, --rounds and --repeat must be at least 1");
  }
  DataConfig config;
  config.list = options.list;
  config.root = options.root;
  config.sampler = SamplerKind::kSegment;
  config.num_frames = options.frames;
  config.short_side = options.short_side;
  config.decoder_threads = 1;
  TransformSpec crop = transform_spec(TransformType::kCenterCrop);
  crop.size = options.crop;
  config.test_pipeline = {crop, transform_spec(TransformType::kNormalize)};
  return config;
}

std::vector<std::pair<std::string, torch::Tensor>> clip_bench_clips(const ClipBenchOptions& options) {
  const auto dataset = make_dataset(options, load_records(clip_bench_task(options), {}));
  std::vector<std::pair<std::string, torch::Tensor>> clips;
  for (std::int64_t i = 0; i < dataset->size(); ++i) {
    clips.emplace_back("clip_" + std::to_string(i), dataset->load(i, 0).clip[0].contiguous());
  }
  return clips;
}

std::string run_clip_bench(const ClipBenchOptions& options) {
  const DataConfig task = clip_bench_task(options);
  const auto records = load_records(task, {});
  const auto dataset = make_dataset(options, records);
  nlohmann::json clips = nlohmann::json::array();
  const auto sampler = make_sampler(task);
  for (std::int64_t i = 0; i < dataset->size(); ++i) {
    const auto info = io::probe_video(dataset->resolve(i));
    clips.push_back({{"path", info.path},
                     {"codec", info.codec},
                     {"width", info.width},
                     {"height", info.height},
                     {"frames", info.frames},
                     {"indices", sampler->sample(info.frames, SampleMode::kTest, 0).front()}});
  }
  std::vector<VideoRecord> repeated;
  for (std::int64_t r = 0; r < options.repeat; ++r) repeated.insert(repeated.end(), records.begin(), records.end());
  const auto timed = make_dataset(options, repeated);
  std::vector<double> clips_per_s;
  for (std::int64_t round = 0; round < options.rounds; ++round) {
    VideoLoader loader(timed, {.batch_size = 1, .workers = options.workers, .prefetch = 2 * options.workers,
                               .shuffle = false});
    const auto start = std::chrono::steady_clock::now();
    std::int64_t n = 0;
    loader.start_epoch(0);
    while (auto batch = loader.next()) n += batch->clips.size(0);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    clips_per_s.push_back(static_cast<double>(n) / s);
  }
  return nlohmann::json{{"command", "bench clips"},
                        {"loader", "sfar"},
                        {"workers", options.workers},
                        {"clips_per_round", static_cast<std::int64_t>(repeated.size())},
                        {"clips_per_s", clips_per_s},
                        {"peak_rss_mb", peak_rss_mb()},
                        {"clips", clips}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sfar::data
