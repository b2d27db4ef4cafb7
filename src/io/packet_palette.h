// Internal: the palettes of a palettized stream (raw pal8 in AVI or MOV, QuickTime SMC, ...),
// kept so that every packet the decoder gets carries the palette in effect.
//
// The demuxer hands a palette over once, as AV_PKT_DATA_PALETTE side data of the first packet
// (and of a packet where it changes); the decoder keeps the last one it saw. The reader's index
// pass reads every packet before anything is decoded, and a seek lands after the first packet,
// so without this the decoder never sees a palette and every frame comes out black.
//
//   PacketPalettes palettes;
//   while (read(packet)) palettes.note(*packet, records.size()), records.push_back(...);
//   palettes.finish(records);
//   ... palettes.attach(*packet, position); avcodec_send_packet(codec, packet);
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sfar/io/video_frame_index.h"

namespace sfar::io::libav {

class PacketPalettes {
 public:
  // Records the palette `packet` carries, if any, as taking effect at decode position
  // `position` (the packet's place among the stream's packets, in decode order).
  void note(const AVPacket& packet, std::int64_t position);
  // Called once after the last note() with the stream's packets in decode order: their decode
  // timestamps locate a packet after a seek.
  void finish(const std::vector<VideoPacketRecord>& packets);

  bool empty() const { return changes_.empty(); }
  // True when a packet's palette can be found only by counting packets from the start: the
  // palette changes, and decode timestamps do not say where a packet is.
  bool needs_sequential() const;

  // Gives `packet` the palette in effect at its place unless it carries one. `position` is its
  // decode position when the caller counted from the start, else -1 (found from its dts).
  // IoError naming `path` when the side data cannot be allocated.
  void attach(AVPacket& packet, std::int64_t position, const std::string& path) const;

 private:
  struct Change {
    std::int64_t position = 0;
    std::array<std::uint8_t, AVPALETTE_SIZE> colours{};
  };
  std::int64_t position_of(const AVPacket& packet, std::int64_t counted) const;

  std::vector<Change> changes_;     // by position, increasing
  std::vector<std::int64_t> dts_;   // decode timestamps by position; empty when unusable
};

}  // namespace sfar::io::libav
