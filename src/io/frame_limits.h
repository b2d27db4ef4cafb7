// Internal: the per-frame pixel limit that bounds what a file's header can make the reader
// allocate (a 288-byte GIF may declare 16000x16000). The limit is checked on the header's
// size before any decoding, and handed to every decoder (AVCodecContext::max_pixels) so that a
// frame growing larger mid-stream is refused by the decoder before it allocates.
#pragma once

extern "C" {
#include <libavformat/avformat.h>
}

#include <cstdint>
#include <string>

namespace sfar::io::libav {

// FormatError naming `path`, the size and the limit when width x height exceeds `max_pixels`.
void check_frame_pixels(const std::string& path, std::int64_t width, std::int64_t height, std::int64_t max_pixels);

// Checks every video stream the demuxer has found so far (cover pictures aside) against the limit.
void check_stream_pixels(const std::string& path, const AVFormatContext& format, std::int64_t max_pixels);

// avformat_find_stream_info with each probing decoder limited to `max_pixels` per frame.
int find_stream_info_bounded(AVFormatContext* format, std::int64_t max_pixels);

}  // namespace sfar::io::libav
