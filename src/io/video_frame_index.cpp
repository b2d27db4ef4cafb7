#include "sfar/io/video_frame_index.h"

#include <algorithm>
#include <unordered_set>

namespace sfar::io {
namespace {

// Every packet has a timestamp of the kind asked for, and no two share one.
bool distinct_timestamps(const std::vector<VideoPacketRecord>& packets, bool use_dts) {
  std::unordered_set<std::int64_t> seen;
  for (const auto& p : packets) {
    const std::int64_t ts = use_dts ? p.dts : p.pts;
    if (ts == kNoTimestamp || !seen.insert(ts).second) return false;
  }
  return true;
}

}  // namespace

VideoFrameIndex::VideoFrameIndex(const std::vector<VideoPacketRecord>& packets, bool reorders)
    : frame_count_(static_cast<std::int64_t>(packets.size())) {
  if (distinct_timestamps(packets, false)) {
    by_timestamp_ = true;
  } else if (!reorders && distinct_timestamps(packets, true)) {
    by_timestamp_ = true;
    from_dts_ = true;
  }
  if (!by_timestamp_) {
    // Without timestamps a key frame's presentation position is unknown; for closed groups of
    // pictures it equals its decode position, which is what is reported. Reading never seeks.
    for (std::int64_t i = 0; i < frame_count_; ++i) {
      if (packets[i].key) keyframes_.push_back(i);
    }
    return;
  }
  timestamps_.reserve(packets.size());
  for (const auto& p : packets) timestamps_.push_back(from_dts_ ? p.dts : p.pts);
  std::sort(timestamps_.begin(), timestamps_.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> keys;  // (frame, seek timestamp)
  for (const auto& p : packets) {
    if (!p.key) continue;
    const std::int64_t ts = from_dts_ ? p.dts : p.pts;
    keys.emplace_back(frame_of(ts), p.dts != kNoTimestamp ? p.dts : p.pts);
  }
  std::sort(keys.begin(), keys.end());
  for (const auto& [frame, seek_ts] : keys) {
    keyframes_.push_back(frame);
    key_seek_ts_.push_back(seek_ts);
  }
}

std::int64_t VideoFrameIndex::frame_of(std::int64_t ts) const {
  const auto it = std::lower_bound(timestamps_.begin(), timestamps_.end(), ts);
  if (it == timestamps_.end() || *it != ts) return -1;
  return it - timestamps_.begin();
}

std::int64_t VideoFrameIndex::seek_timestamp(std::int64_t key_frame) const {
  const auto it = std::lower_bound(keyframes_.begin(), keyframes_.end(), key_frame);
  if (it == keyframes_.end() || *it != key_frame) return kNoTimestamp;
  return key_seek_ts_[it - keyframes_.begin()];
}

std::int64_t VideoFrameIndex::key_at_or_before(std::int64_t frame) const {
  const auto it = std::upper_bound(keyframes_.begin(), keyframes_.end(), frame);
  return it == keyframes_.begin() ? -1 : *(it - 1);
}

std::vector<DecodeSegment> VideoFrameIndex::plan(const std::vector<std::int64_t>& wanted,
                                                 std::int64_t min_skip) const {
  std::vector<DecodeSegment> segments;
  for (const std::int64_t frame : wanted) {
    if (!by_timestamp_) {
      if (segments.empty()) segments.push_back({-1, {}});
      segments.back().frames.push_back(frame);
      continue;
    }
    const std::int64_t key = key_at_or_before(frame);
    if (!segments.empty()) {
      // Decoding on from the last wanted frame goes through (last, frame]; a seek starts at
      // `key` instead, skipping key - last - 1 frames.
      const std::int64_t last = segments.back().frames.back();
      if (key - last - 1 <= min_skip) {
        segments.back().frames.push_back(frame);
        continue;
      }
    }
    segments.push_back({key, {frame}});
  }
  return segments;
}

}  // namespace sfar::io
