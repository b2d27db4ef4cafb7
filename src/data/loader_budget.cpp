#include "sfar/data/loader_budget.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "sfar/core/error.h"

namespace sfar::data {
namespace {

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

// Views per clip and the output side of the pipeline's last crop (1 and 0 without a crop).
std::pair<std::int64_t, std::int64_t> crop_of(const std::vector<TransformSpec>* pipeline) {
  std::int64_t views = 1, side = 0;
  if (!pipeline) return {views, side};
  for (const auto& spec : *pipeline) {
    const std::int64_t crops = entry_of(clip_transforms(), spec.type).crop_views;
    if (crops == 0) continue;
    views *= crops;
    side = spec.size;
  }
  return {views, side};
}

void check_threads(std::int64_t threads, const std::string& key) {
  const std::int64_t cap = max_loader_threads();
  if (threads > cap) {
    throw ConfigError(key, "more than " + std::to_string(cap) + " threads (8 per core on this machine of " +
                               std::to_string(cap / 8) + " cores) would only thrash it",
                      std::to_string(threads));
  }
}

}  // namespace

std::int64_t max_loader_threads() { return 8 * static_cast<std::int64_t>(std::max(1u, std::thread::hardware_concurrency())); }

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

double loader_bytes_lower_bound(const ClipSourceConfig& source, const LoaderDemand& demand) {
  const auto [crop_views, crop_side] = crop_of(demand.pipeline);
  const double frames = static_cast<double>(demand.clips) * static_cast<double>(source.num_frames);
  const double side = static_cast<double>(source.short_side);  // 0: native size, unknown here
  const double decoded = frames * 3 * side * side * (1 + 4);   // uint8 frames and their float clip
  const double out_side = crop_side > 0 ? static_cast<double>(crop_side) : side;
  const double batch = static_cast<double>(demand.batch_size) * frames * static_cast<double>(crop_views) * 3 *
                       out_side * out_side * 4;
  return static_cast<double>(std::max<std::int64_t>(1, demand.workers)) * decoded + batch;
}

void check_loader_budget(const ClipSourceConfig& source, const LoaderDemand& demand, std::uint64_t memory_bytes) {
  check_threads(demand.workers, demand.workers_key);
  check_threads(source.decoder_threads, demand.section + ".decoder_threads");
  if (memory_bytes == 0) return;
  const double need = loader_bytes_lower_bound(source, demand);
  if (need <= static_cast<double>(memory_bytes)) return;
  ClipSourceConfig one_frame = source;
  one_frame.num_frames = 1;
  const bool side_alone = loader_bytes_lower_bound(one_frame, demand) > static_cast<double>(memory_bytes);
  const std::string key = side_alone ? "short_side" : "num_frames";
  throw ConfigError(demand.section + "." + key,
                    "the loader would hold at least " + gib(need) + " at once (" +
                        std::to_string(std::max<std::int64_t>(1, demand.workers)) + " worker(s) decoding " +
                        std::to_string(demand.clips) + " clip(s) of " + std::to_string(source.num_frames) +
                        " frames at short side " + std::to_string(source.short_side) + ", and a batch of " +
                        std::to_string(demand.batch_size) + " such videos as float); this machine has " +
                        gib(static_cast<double>(memory_bytes)),
                    std::to_string(side_alone ? source.short_side : source.num_frames));
}

}  // namespace sfar::data
