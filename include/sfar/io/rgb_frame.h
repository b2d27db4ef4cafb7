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

// `frame` turned clockwise by `quarter_turns` x 90 degrees (any integer; negative turns
// counter-clockwise). [H, W, 3] -> [W, H, 3] for odd turns. ArgumentError when `data` does not
// hold width * height * 3 bytes.
RgbFrame rotate_clockwise(const RgbFrame& frame, int quarter_turns);

}  // namespace sfar::io
