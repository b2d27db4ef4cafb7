#include "sfar/io/video_inspection.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "sfar/core/error.h"
#include "sfar/io/image_file.h"

namespace sfar::io {
namespace {

// Paths are not always UTF-8: their bytes become U+FFFD rather than an exception.
std::string line_of(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::vector<std::int64_t> parse_frame_indices(const std::string& text, const std::string& option) {
  std::vector<std::int64_t> indices;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string token = text.substr(begin, end - begin);
    std::size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (token.empty() || used != token.size() || value < 0) {
      throw ArgumentError(option, "expected comma-separated frame indices", token);
    }
    indices.push_back(value);
    begin = end + 1;
  }
  return indices;
}

std::vector<std::int64_t> spread_frame_indices(std::int64_t frames, std::int64_t count) {
  std::vector<std::int64_t> indices;
  if (frames < 1) return indices;
  for (std::int64_t k = 0; k < count; ++k) {
    indices.push_back(std::min<std::int64_t>(frames - 1, (2 * k + 1) * frames / (2 * count)));
  }
  return indices;
}

std::string video_info_json(const VideoInfo& info) {
  return line_of(nlohmann::json{{"file", info.path},
                        {"codec", info.codec},
                        {"width", info.width},
                        {"height", info.height},
                        {"fps", info.fps},
                        {"frames", info.frames},
                        {"duration", info.duration},
                        {"keyframes", info.keyframes},
                        {"frame_accurate_seek", info.frame_accurate_seek}});
}

std::vector<std::string> write_frame_pngs(const std::string& file, std::vector<std::int64_t> indices,
                                          const std::string& out, int threads) {
  const std::set<std::int64_t> unique(indices.begin(), indices.end());
  indices.assign(unique.begin(), unique.end());
  VideoReader reader(file, VideoReadOptions().threads(threads));
  const std::vector<RgbFrame> frames = reader.read_frames(indices);
  std::vector<std::string> lines;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    char name[32];
    std::snprintf(name, sizeof(name), "frame_%06lld.png", static_cast<long long>(indices[k]));
    const std::string path = out + "/" + name;
    write_png_atomic(path, frames[k]);
    lines.push_back(line_of(
        {{"index", indices[k]}, {"path", path}, {"width", frames[k].width}, {"height", frames[k].height}}));
  }
  return lines;
}

std::string decode_bench_json(const std::string& file, std::vector<std::int64_t> indices,
                              const VideoReadOptions& options) {
  auto start = std::chrono::steady_clock::now();
  VideoReader reader(file, options);
  const double open_ms = ms_since(start);
  const std::int64_t n = reader.info().frames;
  if (indices.empty()) indices = spread_frame_indices(n, 8);
  if (indices.empty()) throw FormatError(file, "no frames to time");
  // Best of three, so that one-time process start-up costs and a busy machine distort less.
  double seek_ms = 1e300, sequential_ms = 1e300;
  VideoReadStats seek_stats;
  std::int64_t frames = 0;
  for (int run = 0; run < 3; ++run) {
    VideoReader random_access(file, options);
    start = std::chrono::steady_clock::now();
    random_access.read_frames(indices);
    seek_ms = std::min(seek_ms, ms_since(start));
    seek_stats = random_access.last_stats();

    VideoReader sequential(file, options);
    frames = 0;
    start = std::chrono::steady_clock::now();
    sequential.read_all([&](std::int64_t, RgbFrame&&) { ++frames; });
    sequential_ms = std::min(sequential_ms, ms_since(start));
  }
  return line_of(nlohmann::json{{"file", file},
                        {"codec", reader.info().codec},
                        {"width", reader.info().width},
                        {"height", reader.info().height},
                        {"frames", n},
                        {"indices", indices},
                        {"open_index_ms", open_ms},
                        {"seek_ms", seek_ms},
                        {"seeks", seek_stats.seeks},
                        {"seek_frames_decoded", seek_stats.frames_decoded},
                        {"sequential_ms", sequential_ms},
                        {"sequential_frames", frames},
                        {"speedup", seek_ms > 0 ? sequential_ms / seek_ms : 0.0}});
}

}  // namespace sfar::io
