#include "packet_checks.h"

#include <algorithm>
#include <cstdint>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"

namespace sfar::io::libav {

void CorruptPackets::see(const AVPacket& packet, std::int64_t index, const std::string& path) {
  constexpr std::int64_t kJoinWindow = 2;
  const std::int64_t ts = packet.dts != AV_NOPTS_VALUE ? packet.dts : packet.pts;
  if (flagged_ >= 0) {
    const bool restart = (packet.flags & AV_PKT_FLAG_KEY) && ts != AV_NOPTS_VALUE &&
                         flagged_ts_ != AV_NOPTS_VALUE && ts <= flagged_ts_;
    if (restart) {
      SFAR_LOG_DEBUG("{}: packet {} ends a joined clip; packet {} starts the next", path, flagged_, index);
      flagged_ = -1;
    } else if (index - flagged_ >= kJoinWindow) {
      finish(path);
    }
  }
  if ((packet.flags & AV_PKT_FLAG_CORRUPT) && flagged_ < 0) flagged_ = index, flagged_ts_ = ts;
}

void CorruptPackets::finish(const std::string& path) const {
  if (flagged_ >= 0) throw FormatError(path, "truncated or corrupt video packet", std::to_string(flagged_));
}

void FrameSpan::see(const AVPacket& packet) {
  const std::int64_t ts = packet.pts != AV_NOPTS_VALUE ? packet.pts : packet.dts;
  if (ts == AV_NOPTS_VALUE) return;
  const std::int64_t length = std::max<std::int64_t>(packet.duration, 0);
  start_ = start_ == AV_NOPTS_VALUE ? ts : std::min(start_, ts);
  if (ts <= INT64_MAX - length) end_ = std::max(end_, ts + length);
}

double FrameSpan::seconds(AVRational time_base) const {
  if (start_ == AV_NOPTS_VALUE || end_ == AV_NOPTS_VALUE) return -1.0;
  return static_cast<double>(end_ - start_) * av_q2d(time_base);
}

}  // namespace sfar::io::libav
