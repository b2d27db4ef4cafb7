#include <gtest/gtest.h>

#include "sfar/io/video_frame_index.h"

namespace sfar::io {
namespace {

// Decode order I0 P3 B1 B2 | I4 P7 B5 B6 with pts = 10 * presentation position.
std::vector<VideoPacketRecord> b_frame_packets() {
  const int order[] = {0, 3, 1, 2, 4, 7, 5, 6};
  std::vector<VideoPacketRecord> packets;
  for (int i = 0; i < 8; ++i) packets.push_back({order[i] * 10, i * 10 - 20, order[i] % 4 == 0});
  return packets;
}

TEST(VideoFrameIndex, MapsTimestampsToPresentationOrder) {
  const VideoFrameIndex index(b_frame_packets(), true);
  ASSERT_TRUE(index.by_timestamp());
  EXPECT_EQ(index.frame_count(), 8);
  EXPECT_EQ(index.frame_of(30), 3);
  EXPECT_EQ(index.frame_of(35), -1);
  EXPECT_EQ(index.timestamp_of(5), 50);
  EXPECT_EQ(index.keyframes(), (std::vector<std::int64_t>{0, 4}));
  EXPECT_EQ(index.seek_timestamp(4), 20);  // the key packet's dts
  EXPECT_EQ(index.key_at_or_before(3), 0);
  EXPECT_EQ(index.key_at_or_before(6), 4);
}

TEST(VideoFrameIndex, PlansSeeksOnlyWhenTheySkipFrames) {
  const VideoFrameIndex index(b_frame_packets(), true);
  auto segments = index.plan({1, 2, 6}, 0);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].start_key, 0);
  EXPECT_EQ(segments[0].frames, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(segments[1].start_key, 4);  // skips frame 3
  segments = index.plan({1, 2, 6}, 1);
  ASSERT_EQ(segments.size(), 1u);  // skipping one frame is not worth a seek
  segments = index.plan({2, 5}, 0);
  ASSERT_EQ(segments.size(), 2u);
}

TEST(VideoFrameIndex, WithoutTimestampsDecodesFromTheStart) {
  auto packets = b_frame_packets();
  for (auto& p : packets) p.pts = kNoTimestamp;
  const VideoFrameIndex reordering(packets, true);
  EXPECT_FALSE(reordering.by_timestamp());
  EXPECT_EQ(reordering.keyframes(), (std::vector<std::int64_t>{0, 4}));
  const auto segments = reordering.plan({6, 7}, 0);
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].start_key, -1);
  // Nothing reorders: dts identifies frames.
  const VideoFrameIndex plain(packets, false);
  EXPECT_TRUE(plain.by_timestamp());
  EXPECT_TRUE(plain.timestamps_from_dts());
}

TEST(VideoFrameIndex, DuplicateTimestampsAreNotTrusted) {
  auto packets = b_frame_packets();
  packets[2].pts = packets[1].pts;
  EXPECT_FALSE(VideoFrameIndex(packets, true).by_timestamp());
}

}  // namespace
}  // namespace sfar::io
