#include "sfar/recipes/few_shot_split.h"

#include <algorithm>
#include <random>

#include "sfar/core/atomic_file.h"
#include "sfar/core/error.h"

namespace sfar::recipes {

std::vector<data::VideoRecord> draw_few_shot(const std::vector<data::VideoRecord>& records,
                                             const std::vector<std::string>& class_names, std::int64_t shots,
                                             std::uint64_t seed, const std::string& list_name) {
  if (shots < 1) throw ArgumentError("few-shot K", "must be at least 1", std::to_string(shots));
  std::vector<std::vector<std::size_t>> by_class(class_names.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& labels = records[i].labels;
    if (labels.empty()) continue;
    const auto label = labels.front();
    if (label < 0 || label >= static_cast<std::int64_t>(by_class.size())) {
      throw FormatError(records[i].origin, "label outside the " + std::to_string(class_names.size()) + " classes",
                        std::to_string(label));
    }
    by_class[static_cast<std::size_t>(label)].push_back(i);
  }
  std::mt19937_64 rng(seed);
  std::vector<data::VideoRecord> out;
  out.reserve(class_names.size() * static_cast<std::size_t>(shots));
  for (std::size_t c = 0; c < by_class.size(); ++c) {
    auto& pool = by_class[c];
    if (static_cast<std::int64_t>(pool.size()) < shots) {
      throw ConfigError(list_name, "class " + std::to_string(c) + " '" + class_names[c] + "' has only " +
                        std::to_string(pool.size()) + " videos, fewer than K", std::to_string(shots));
    }
    // Partial Fisher-Yates with plain modulo: std::shuffle and uniform_int_distribution are
    // implementation-defined, the raw mt19937_64 stream is not.
    for (std::size_t i = 0; i < static_cast<std::size_t>(shots); ++i) {
      const std::size_t j = i + static_cast<std::size_t>(rng() % (pool.size() - i));
      std::swap(pool[i], pool[j]);
    }
    std::vector<std::size_t> chosen(pool.begin(), pool.begin() + shots);
    std::sort(chosen.begin(), chosen.end());
    for (const auto i : chosen) out.push_back(records[i]);
  }
  return out;
}

std::vector<data::VideoRecord> repeat_to_length(const std::vector<data::VideoRecord>& records, std::int64_t length) {
  if (records.empty()) throw ArgumentError("repeat_to_length", "cannot repeat an empty list");
  if (length <= static_cast<std::int64_t>(records.size())) return records;
  std::vector<data::VideoRecord> out;
  out.reserve(static_cast<std::size_t>(length));
  for (std::int64_t i = 0; i < length; ++i) out.push_back(records[static_cast<std::size_t>(i) % records.size()]);
  return out;
}

data::VideoListFormat write_video_list(const std::string& path, const std::vector<data::VideoRecord>& records) {
  const bool frames = !records.empty() && records.front().num_frames >= 0;
  std::string text;
  for (const auto& r : records) {
    if (r.start_frame != 0 || r.end_frame != -1) {
      throw ArgumentError(r.origin, "a trimmed clip cannot be written as a '<path> <label>' line", r.path);
    }
    if ((r.num_frames >= 0) != frames) {
      throw ArgumentError(r.origin, "frame folders and videos mixed in one list", r.path);
    }
    text += r.path;
    if (frames) text += ' ' + std::to_string(r.num_frames);
    for (std::size_t i = 0; i < r.labels.size(); ++i) {
      text += (i == 0 ? ' ' : ',');
      text += std::to_string(r.labels[i]);
    }
    text += '\n';
  }
  write_file_atomic(path, text);
  return frames ? data::VideoListFormat::kRawFrames : data::VideoListFormat::kPathLabel;
}

}  // namespace sfar::recipes
