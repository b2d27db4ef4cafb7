// One decoded picture as plain bytes, so that readers of videos and images stay free of
// LibTorch, FFmpeg and OpenCV types; the data pipeline turns it into a tensor.
#pragma once

#include <cstdint>
#include <vector>

namespace sfar::io {

// RGB24, rows top to bottom, HWC: pixel (y, x) channel c is data[(y * width + x) * 3 + c].
struct RgbFrame {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> data;
};

}  // namespace sfar::io
