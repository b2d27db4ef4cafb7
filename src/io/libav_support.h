// Internal: what the FFmpeg reader and writer share. Error codes as text, FFmpeg's log routed to
// sfar's logger, and deleters for the libav* objects both hold in std::unique_ptr.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include <string>

namespace sfar::io::libav {

// av_strerror's text for an AVERROR code.
std::string error_text(int code);

// The library never prints: from the first call on, FFmpeg's errors go to sfar's logger at debug
// level (x264's settings and the decoders' warnings are dropped). Safe to call from any thread.
void route_logs();

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
