// Few-shot training lists drawn from a full training list: K videos per class, chosen with a
// seed so that the same (list, K, seed) always gives the same videos on every platform, and
// written as a "<path> <label>" list that a later run can read back to repeat it exactly.
//
//   auto shots = draw_few_shot(records, class_names, 4, /*seed=*/0, "train.txt");
//   const data::VideoListFormat format = write_video_list(run_dir + "/train_few_shot_4.txt", shots);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/data/video_list.h"

namespace sfar::recipes {

// K videos of every class of `class_names` (labels index it; multi-label records count for their
// first label). Within a class the videos are a seeded Fisher-Yates sample (std::mt19937_64,
// whose output the C++ standard fixes); the result is ordered by class, then by position in
// `records`. Throws ConfigError naming `list_name`, the class and its count when a class has
// fewer than K videos, and ArgumentError when K < 1.
std::vector<data::VideoRecord> draw_few_shot(const std::vector<data::VideoRecord>& records,
                                             const std::vector<std::string>& class_names, std::int64_t shots,
                                             std::uint64_t seed, const std::string& list_name);

// `records` cycled in order until there are `length` of them (the first length % size videos
// appear once more than the others, as when BIKE and ViFi-CLIP repeat a few-shot list to the
// full training list's length); a list at least `length` long is returned unchanged.
// ArgumentError for an empty list.
std::vector<data::VideoRecord> repeat_to_length(const std::vector<data::VideoRecord>& records, std::int64_t length);

// Writes "<path> <label>" lines (labels joined by ',' for multi-label records), or
// "<dir> <num_frames> <label>" for frame folders, atomically; returns the data.format that reads
// it back (path_label or raw_frames). Trimmed clips (start/end frames) are an ArgumentError.
data::VideoListFormat write_video_list(const std::string& path, const std::vector<data::VideoRecord>& records);

}  // namespace sfar::recipes
