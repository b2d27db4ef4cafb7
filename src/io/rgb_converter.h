// Internal: turning the reader's decoded frames into upright RGB. The colour space and range
// are the ones the frame states, the short side is resized while converting (one swscale pass),
// and the stream's display matrix says how far to turn the result.
#pragma once

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
}

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "libav_support.h"
#include "sfar/io/rgb_frame.h"

namespace sfar::io::libav {

// Clockwise degrees (0, 90, 180, 270) that the stream's display matrix asks players to turn its
// frames by (ffmpeg's autorotate reads the same); 0 without one or for other angles.
int display_rotation(const AVStream* st);

// Converts frames of one file; keeps its swscale context while the input shape, pixel format,
// colour space and range stay the same.
class RgbConverter {
 public:
  // `frame` scaled so that its short side is `short_side` (0: as stored), then turned clockwise
  // by `quarter_turns`. With `pixels` false only the output size is worked out (an RgbFrame
  // without data). FormatError naming `path` when swscale cannot read the pixel format.
  RgbFrame convert(const AVFrame* frame, int short_side, int quarter_turns, bool pixels, const std::string& path);

 private:
  std::unique_ptr<SwsContext, SwsFreer> sws_;
  std::tuple<int, int, int, int, int> key_{-1, -1, -1, -1, -1};  // w, h, format, space, range
  std::vector<std::uint8_t> scratch_;  // aligned RGB rows for swscale (scale_to_rgb)
};

}  // namespace sfar::io::libav
