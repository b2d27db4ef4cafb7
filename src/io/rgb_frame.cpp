#include "sfar/io/rgb_frame.h"

#include <string>

#include "sfar/core/error.h"

namespace sfar::io {

RgbFrame rotate_clockwise(const RgbFrame& frame, int quarter_turns) {
  const int turns = ((quarter_turns % 4) + 4) % 4;
  const int w = frame.width, h = frame.height;
  if (w < 0 || h < 0 || frame.data.size() != static_cast<std::size_t>(w) * h * 3) {
    throw ArgumentError("rotate_clockwise", "frame buffer does not hold width x height x 3 bytes",
                        std::to_string(w) + "x" + std::to_string(h) + ", " + std::to_string(frame.data.size()));
  }
  if (turns == 0) return frame;
  RgbFrame out;
  out.width = turns == 2 ? w : h;
  out.height = turns == 2 ? h : w;
  out.data.resize(frame.data.size());
  // For each output pixel (y, x), the input pixel it shows.
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sy = 0, sx = 0;
      if (turns == 1) sy = h - 1 - x, sx = y;          // clockwise
      else if (turns == 2) sy = h - 1 - y, sx = w - 1 - x;
      else sy = x, sx = w - 1 - y;                      // counter-clockwise
      const std::uint8_t* src = &frame.data[(static_cast<std::size_t>(sy) * w + sx) * 3];
      std::uint8_t* dst = &out.data[(static_cast<std::size_t>(y) * out.width + x) * 3];
      dst[0] = src[0], dst[1] = src[1], dst[2] = src[2];
    }
  }
  return out;
}

}  // namespace sfar::io
