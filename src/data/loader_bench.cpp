#include "sfar/data/loader_bench.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "sfar/core/error.h"
#include "sfar/core/runtime.h"
#include "sfar/data/video_dataset.h"
#include "sfar/data/video_loader.h"
#include "sfar/io/video_reader.h"

namespace sfar::data {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TransformSpec spec(TransformType type, std::int64_t size = 224) {
  TransformSpec s;
  s.type = type;
  s.size = size;
  return s;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

LoaderBenchResult run_loader_bench(const std::vector<VideoRecord>& records, const LoaderBenchOptions& options) {
  DataConfig config;  // TSN segments, short side while decoding, the usual training transforms
  config.root = options.root;
  config.sampler = SamplerKind::kSegment;
  config.num_frames = options.num_frames;
  config.short_side = options.short_side;
  config.decoder_threads = options.decoder_threads;
  config.train_pipeline = {spec(TransformType::kRandomResizedCrop, options.crop), spec(TransformType::kFlip),
                           spec(TransformType::kNormalize)};
  const auto sampler = make_sampler(config);
  const auto dataset = make_video_dataset(config, records, SampleMode::kTrain, options.seed);

  VideoLoaderOptions loader_options;
  loader_options.batch_size = options.batch_size;
  loader_options.workers = options.workers;
  loader_options.prefetch = options.prefetch;
  loader_options.seed = options.seed;
  VideoLoader loader(dataset, loader_options);  // small sets give a short last batch per epoch

  // The loader, over as many epochs as the batch count needs; (index, epoch) kept for the references.
  LoaderBenchResult r;
  std::vector<std::pair<std::int64_t, std::uint64_t>> served;
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t epoch = 0;
  loader.start_epoch(epoch);
  for (std::int64_t b = 0; b < options.batches;) {
    auto batch = loader.next();
    if (!batch) {
      loader.start_epoch(++epoch);
      continue;
    }
    for (const std::int64_t i : batch->source_indices) served.emplace_back(i, epoch);
    ++b;
  }
  r.seconds = seconds_since(start);
  const DatasetTimings timings = dataset->timings();
  r.clips = static_cast<std::int64_t>(served.size());
  r.clips_per_s = static_cast<double>(r.clips) / r.seconds;
  r.ms_per_clip = 1e3 * r.seconds * static_cast<double>(std::max<std::int64_t>(1, options.workers)) /
                  static_cast<double>(r.clips);
  r.decode_ms_per_clip = 1e3 * timings.decode_s / static_cast<double>(std::max<std::int64_t>(1, timings.clips));
  r.transform_ms_per_clip = 1e3 * timings.transform_s / static_cast<double>(std::max<std::int64_t>(1, timings.clips));
  r.bad_files = dataset->bad_files().distinct_count();
  r.peak_rss_mb = sfar::peak_rss_mb();

  // The references, on the same samples and frames.
  const std::int64_t count = options.reference_clips > 0 ? std::min(options.reference_clips, r.clips) : r.clips;
  std::vector<TransformSpec> baseline_specs = {spec(TransformType::kResizeShort, options.short_side)};
  baseline_specs.insert(baseline_specs.end(), config.train_pipeline.begin(), config.train_pipeline.end());
  const ClipTransform baseline_pipeline = make_clip_pipeline(baseline_specs);
  // Interleaved per clip with the loader's own per-sample path, so that a busy machine
  // slows all three alike.
  double baseline_s = 0.0, limit_s = 0.0, sample_s = 0.0;
  const DatasetTimings before = dataset->timings();
  for (std::int64_t k = 0; k < count; ++k) {
    const auto [index, sample_epoch] = served[static_cast<std::size_t>(k)];
    const std::string path = dataset->resolve(index);
    const std::uint64_t seed = seed_for(options.seed, sample_epoch, static_cast<std::uint64_t>(index));

    auto t0 = std::chrono::steady_clock::now();
    dataset->load(index, sample_epoch);
    sample_s += seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    io::VideoReader limit_reader(path, io::VideoReadOptions().threads(1).convert(false));
    const Clip clip = sampler->sample(limit_reader.info().frames, SampleMode::kTrain, seed).front();
    limit_reader.read_frames(clip);
    limit_s += seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    io::VideoReader reader(path, io::VideoReadOptions().threads(1));
    std::map<std::int64_t, io::RgbFrame> kept;
    reader.read_all([&](std::int64_t i, io::RgbFrame&& frame) {
      if (std::find(clip.begin(), clip.end(), i) != clip.end()) kept[i] = std::move(frame);
    });
    const io::RgbFrame& first = kept.at(clip.front());
    auto frames = torch::empty({static_cast<std::int64_t>(clip.size()), first.height, first.width, 3}, torch::kUInt8);
    for (std::size_t t = 0; t < clip.size(); ++t) {
      std::memcpy(frames[static_cast<std::int64_t>(t)].data_ptr(), kept.at(clip[t]).data.data(), first.data.size());
    }
    ClipSample sample{frames_to_clip(frames), {0}};
    std::mt19937_64 rng(seed);
    baseline_pipeline(sample, rng);
    baseline_s += seconds_since(t0);
  }
  r.reference_clips = count;
  r.baseline_ms_per_clip = 1e3 * baseline_s / static_cast<double>(count);
  r.limit_ms_per_clip = 1e3 * limit_s / static_cast<double>(count);
  r.sample_ms_per_clip = 1e3 * sample_s / static_cast<double>(count);
  r.speedup_vs_baseline = r.baseline_ms_per_clip / r.sample_ms_per_clip;
  r.ratio_to_limit = r.sample_ms_per_clip / r.limit_ms_per_clip;
  const double interleaved_decode_ms = 1e3 * (dataset->timings().decode_s - before.decode_s) / static_cast<double>(count);
  r.decode_ratio_to_limit = interleaved_decode_ms / r.limit_ms_per_clip;
  return r;
}

std::vector<VideoRecord> reencode_with_key_frames(const std::vector<VideoRecord>& records, const std::string& root,
                                                  const std::string& dir, std::int64_t interval) {
  std::map<std::string, std::string> done;
  std::vector<VideoRecord> out = records;
  const std::string g = std::to_string(interval);
  for (VideoRecord& record : out) {
    const std::filesystem::path relative(record.path);
    const std::string source =
        relative.is_absolute() || root.empty() ? relative.string() : (std::filesystem::path(root) / relative).string();
    auto it = done.find(source);
    if (it == done.end()) {
      const std::string target =
          (std::filesystem::path(dir) / ("video_" + std::to_string(done.size()) + ".mp4")).string();
      const std::string command = "ffmpeg -hide_banner -loglevel error -y -i " + shell_quote(source) +
                                  " -an -c:v libx264 -pix_fmt yuv420p -g " + g + " -keyint_min " + g +
                                  " -sc_threshold 0 " + shell_quote(target) + " < /dev/null > /dev/null 2>&1";
      if (std::system(command.c_str()) != 0) {
        throw IoError(source, "ffmpeg could not re-encode it with a key frame every " + g + " frames");
      }
      it = done.emplace(source, std::filesystem::absolute(target).string()).first;
    }
    record.path = it->second;
  }
  return out;
}

LoaderBenchResult run_rekeyed_loader_bench(const std::vector<VideoRecord>& records, LoaderBenchOptions options,
                                           std::int64_t interval) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sfar_bench_data_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  try {
    const auto copies = reencode_with_key_frames(records, options.root, dir.string(), interval);
    options.root.clear();  // the copies' paths are absolute
    const auto result = run_loader_bench(copies, options);
    std::filesystem::remove_all(dir);
    return result;
  } catch (...) {
    std::filesystem::remove_all(dir);
    throw;
  }
}

std::string loader_bench_json(const std::string& set, const LoaderBenchResult& r, double target_speedup,
                              std::int64_t workers, double step_rate) {
  nlohmann::json line = {{"set", set},
                         {"clips", r.clips},
                         {"seconds", r.seconds},
                         {"clips_per_s", r.clips_per_s},
                         {"ms_per_clip", r.ms_per_clip},
                         {"decode_ms_per_clip", r.decode_ms_per_clip},
                         {"transform_ms_per_clip", r.transform_ms_per_clip},
                         {"bad_files", r.bad_files},
                         {"peak_rss_mb", r.peak_rss_mb},
                         {"reference_clips", r.reference_clips},
                         {"baseline_ms_per_clip", r.baseline_ms_per_clip},
                         {"limit_ms_per_clip", r.limit_ms_per_clip},
                         {"sample_ms_per_clip", r.sample_ms_per_clip},
                         {"speedup_vs_baseline", r.speedup_vs_baseline},
                         {"ratio_to_limit", r.ratio_to_limit},
                         {"decode_ratio_to_limit", r.decode_ratio_to_limit},
                         {"target_speedup", target_speedup}};
  const double per_core = r.clips_per_s / static_cast<double>(std::max<std::int64_t>(workers, 1));
  line["clips_per_s_per_core"] = per_core;
  if (step_rate > 0.0) {
    line["step_rate"] = step_rate;
    line["cores_needed"] = per_core > 0.0 ? static_cast<std::int64_t>(std::ceil(step_rate / per_core)) : -1;
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sfar::data
