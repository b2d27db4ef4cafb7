// Internal: what the FFmpeg reader and writer share. Error codes as text, FFmpeg's log routed to
// sfar's logger, and deleters for the libav* objects both hold in std::unique_ptr.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/io/rgb_frame.h"

namespace sfar::io::libav {

// av_strerror's text for an AVERROR code.
std::string error_text(int code);

// The library never prints: from the first call on, FFmpeg's errors go to sfar's logger at debug
// level (x264's settings and the decoders' warnings are dropped). Safe to call from any thread.
void route_logs();

// Runs `sws` on `frame` into an RGB24 picture of out_width x out_height and returns it packed
// (rows of width * 3 bytes, as RgbFrame promises). swscale's SIMD writers store whole vector
// blocks, so they write past the end of a row whose byte count is not a multiple of their
// block; a packed buffer sized width * height * 3 overflows on its last row (426 px: 1278
// bytes a row). The conversion therefore goes into `scratch`, rows of a 64-byte-aligned
// stride with 64 spare bytes at the end (as av_image_alloc would lay it out), and the rows are
// copied out. `scratch` is reused between calls.
RgbFrame scale_to_rgb(SwsContext* sws, const AVFrame* frame, int out_width, int out_height,
                      std::vector<std::uint8_t>& scratch);

struct CodecFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct SwsFreer {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};

}  // namespace sfar::io::libav
