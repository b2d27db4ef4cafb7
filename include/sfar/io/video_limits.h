// Bounds on what a video file may make the reader allocate; a header of its own so that the
// configuration can name the defaults without the FFmpeg reader (builds without video).
#pragma once

#include <cstdint>

namespace sfar::io {

// 8192 x 8192: the frames of 8K video (7680x4320 UHD, 8192x4320 DCI) and of 8K 360-degree and
// stereo VR video (8192x4096, 8192x8192) all fit. One frame at the limit is 96 MiB as decoded
// YUV 4:2:0 and 192 MiB as RGB, so a hostile header costs at most about that.
inline constexpr std::int64_t kDefaultMaxFramePixels = 8192LL * 8192LL;

}  // namespace sfar::io
