// What `sfar video probe|frames` and `sfar bench decode` do, as library calls that return the
// JSON lines the commands print (one object per line).
//
//   for (const auto& line : write_frame_pngs("a.mp4", parse_frame_indices("0,10,50"), "out")) ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/io/video_reader.h"

namespace sfar::io {

// "0,10,50" -> {0, 10, 50}; ArgumentError naming `option` and the token that is not a
// non-negative integer (an empty list, "1,,2" and "-3" included).
std::vector<std::int64_t> parse_frame_indices(const std::string& text, const std::string& option = "--indices");

// `count` indices spread evenly over `frames` frames, each at the centre of its segment, as a
// TSN-style sampler picks them: frames 60, count 8 -> 3, 11, 18, ... 56. Empty when `frames` < 1.
std::vector<std::int64_t> spread_frame_indices(std::int64_t frames, std::int64_t count);

// A probe as one JSON object: file, codec, width, height, fps, frames, duration, keyframes and
// frame_accurate_seek.
std::string video_info_json(const VideoInfo& info);

// Writes the frames at `indices` (duplicates once each, in increasing order) of `file` as RGB
// PNGs `out`/frame_<index:06d>.png (tmp + rename); one JSON object per frame: index, path, width
// and height. The reader's errors name the file and the index.
std::vector<std::string> write_frame_pngs(const std::string& file, std::vector<std::int64_t> indices,
                                          const std::string& out, int threads);

// Times the random-access read of `indices` (empty: 8 spread indices) against a sequential
// decode of every frame, best of three runs, each on a freshly opened reader (opening is timed
// apart). One JSON object: file, codec, width, height, frames, indices, open_index_ms, seek_ms,
// seeks, seek_frames_decoded, sequential_ms, sequential_frames and speedup.
std::string decode_bench_json(const std::string& file, std::vector<std::int64_t> indices,
                              const VideoReadOptions& options);

}  // namespace sfar::io
