// Where each frame of a video stream lives, computed once from the demuxed packets (no
// decoding). Frame index = position in presentation order, so that frame i is the i-th
// frame a full sequential decode outputs. The index maps a wanted frame to the key frame
// decoding has to start from, and groups wanted frames into decode segments: one seek per
// segment, and no seek when the wanted frames are close enough to decode through.
//
//   VideoFrameIndex index(packets);            // packets in decode order
//   for (const auto& s : index.plan({3, 250, 251}, 8)) seek_to(s.start_key); decode(s.frames);
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace sfar::io {

inline constexpr std::int64_t kNoTimestamp = std::numeric_limits<std::int64_t>::min();

struct VideoPacketRecord {
  std::int64_t pts = kNoTimestamp;  // presentation timestamp, stream time base
  std::int64_t dts = kNoTimestamp;  // decode timestamp
  bool key = false;
};

struct DecodeSegment {
  // Frame index of the key frame to seek to; -1: decode from the start of the stream.
  std::int64_t start_key = -1;
  std::vector<std::int64_t> frames;  // wanted frames, sorted, unique
};

class VideoFrameIndex {
 public:
  VideoFrameIndex() = default;
  // `packets` in decode order, one per frame. `reorders`: the codec may output frames in an
  // order other than decode order (B-frames). Timestamps identify frames only when every
  // packet has a distinct pts, or when nothing reorders and dts is known.
  VideoFrameIndex(const std::vector<VideoPacketRecord>& packets, bool reorders);

  std::int64_t frame_count() const { return frame_count_; }
  // True when frames can be identified by timestamp, so seeking is frame-accurate.
  bool by_timestamp() const { return by_timestamp_; }
  // True when packets lack pts and their dts serves instead: the reader copies dts into pts.
  bool timestamps_from_dts() const { return from_dts_; }
  // Presentation timestamp of frame i (by_timestamp() only).
  std::int64_t timestamp_of(std::int64_t frame) const { return timestamps_[frame]; }
  // Frame whose timestamp is `ts`, or -1.
  std::int64_t frame_of(std::int64_t ts) const;
  // Key frames, as frame indices, sorted.
  const std::vector<std::int64_t>& keyframes() const { return keyframes_; }
  // Decode timestamp to seek to for key frame `frame` (its dts, or pts when dts is unknown).
  std::int64_t seek_timestamp(std::int64_t key_frame) const;
  // The last key frame at or before `frame`, or -1 when none is.
  std::int64_t key_at_or_before(std::int64_t frame) const;

  // Splits sorted, unique wanted frames into segments. A new segment (a seek) starts only when
  // it skips more than `min_skip` frames that decoding on would go through. Without timestamps
  // there is one segment from the start.
  std::vector<DecodeSegment> plan(const std::vector<std::int64_t>& wanted,
                                  std::int64_t min_skip) const;

 private:
  std::int64_t frame_count_ = 0;
  bool by_timestamp_ = false;
  bool from_dts_ = false;
  std::vector<std::int64_t> timestamps_;     // by frame index, increasing
  std::vector<std::int64_t> key_seek_ts_;    // parallel to keyframes_
  std::vector<std::int64_t> keyframes_;
};

}  // namespace sfar::io
