// Internal: what the reader's index pass judges from the packets it reads, without decoding.
//
//   CorruptPackets corrupt;  FrameSpan span;
//   for (i, packet in the stream's packets) corrupt.see(*packet, i, path), span.see(*packet);
//   corrupt.finish(path);  double seconds = span.seconds(stream->time_base);
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstdint>
#include <string>

namespace sfar::io::libav {

// Packets the demuxer flags as corrupt (AV_PKT_FLAG_CORRUPT) are refused, unless the flag
// marks a join of two clips (`cat a.ts b.ts`). MPEG-TS flags the packet being assembled at a
// continuity break, and its parser hands the flag on to the frame before; at a join one of
// the next two packets is a key frame whose timestamps start over. Lost data followed by
// anything else, or a flag at the end, is a FormatError naming the file and the packet.
class CorruptPackets {
 public:
  void see(const AVPacket& packet, std::int64_t index, const std::string& path);
  void finish(const std::string& path) const;

 private:
  std::int64_t flagged_ = -1;
  std::int64_t flagged_ts_ = AV_NOPTS_VALUE;
};

// The span of the frames present: from the earliest presentation timestamp (decode timestamp
// where there is none) to the end of the latest frame (its timestamp plus its duration when
// known).
class FrameSpan {
 public:
  void see(const AVPacket& packet);
  // Seconds; -1 when no packet had a timestamp.
  double seconds(AVRational time_base) const;

 private:
  std::int64_t start_ = AV_NOPTS_VALUE;
  std::int64_t end_ = AV_NOPTS_VALUE;
};

}  // namespace sfar::io::libav
