// Parsing `--indices 0,10,50` for the video commands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/core/error.h"

namespace sfar::cli {

// "0,10,50" -> {0, 10, 50}; ArgumentError naming the token that is not a non-negative integer.
inline std::vector<std::int64_t> parse_frame_indices(const std::string& text) {
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
      throw ArgumentError("--indices", "expected comma-separated frame indices", token);
    }
    indices.push_back(value);
    begin = end + 1;
  }
  return indices;
}

}  // namespace sfar::cli
