#include "packet_palette.h"

#include <algorithm>
#include <cstring>

#include "sfar/core/error.h"

namespace sfar::io::libav {

void PacketPalettes::note(const AVPacket& packet, std::int64_t position) {
  std::size_t size = 0;
  const std::uint8_t* data = av_packet_get_side_data(&packet, AV_PKT_DATA_PALETTE, &size);
  // Decoders take a palette only of exactly AVPALETTE_SIZE bytes (256 colours, 4 bytes each).
  if (data == nullptr || size != AVPALETTE_SIZE) return;
  Change change;
  change.position = position;
  std::memcpy(change.colours.data(), data, AVPALETTE_SIZE);
  if (!changes_.empty() && changes_.back().colours == change.colours) return;
  if (!changes_.empty() && changes_.back().position == position) {
    changes_.back() = change;
  } else {
    changes_.push_back(change);
  }
}

void PacketPalettes::finish(const std::vector<VideoPacketRecord>& packets) {
  dts_.clear();
  if (changes_.empty()) return;
  for (const VideoPacketRecord& p : packets) {
    if (p.dts == kNoTimestamp || (!dts_.empty() && p.dts <= dts_.back())) {
      dts_.clear();  // decode timestamps missing or not increasing: they locate nothing
      return;
    }
    dts_.push_back(p.dts);
  }
}

bool PacketPalettes::needs_sequential() const {
  const bool one_from_start = changes_.size() == 1 && changes_.front().position == 0;
  return !changes_.empty() && !one_from_start && dts_.empty();
}

std::int64_t PacketPalettes::position_of(const AVPacket& packet, std::int64_t counted) const {
  if (counted >= 0) return counted;
  if (dts_.empty() || packet.dts == AV_NOPTS_VALUE) return -1;
  // The last packet whose dts is at or before this one's.
  const auto it = std::upper_bound(dts_.begin(), dts_.end(), packet.dts);
  return static_cast<std::int64_t>(it - dts_.begin()) - 1;
}

void PacketPalettes::attach(AVPacket& packet, std::int64_t position, const std::string& path) const {
  if (changes_.empty()) return;
  std::size_t size = 0;
  if (av_packet_get_side_data(&packet, AV_PKT_DATA_PALETTE, &size) != nullptr) return;
  const bool one_from_start = changes_.size() == 1 && changes_.front().position == 0;
  const std::int64_t at = one_from_start ? 0 : position_of(packet, position);
  if (at < 0) return;
  // The last change at or before `at`.
  const auto it = std::upper_bound(changes_.begin(), changes_.end(), at,
                                   [](std::int64_t p, const Change& c) { return p < c.position; });
  if (it == changes_.begin()) return;
  const Change& change = *(it - 1);
  std::uint8_t* data = av_packet_new_side_data(&packet, AV_PKT_DATA_PALETTE, AVPALETTE_SIZE);
  if (data == nullptr) throw IoError(path, "out of memory attaching the palette to a packet");
  std::memcpy(data, change.colours.data(), AVPALETTE_SIZE);
}

}  // namespace sfar::io::libav
