#include <gtest/gtest.h>

#include <set>

#include "sfar/core/error.h"
#include "sfar/data/frame_sampler.h"

namespace sfar::data {
namespace {

TEST(SegmentSampler, TestModeTakesSegmentCentres) {
  const SegmentSampler tsn({8, 1});
  // 300 frames in 8 segments of 37.5: centres at 18.75 + 37.5 s.
  const auto clips = tsn.sample(300, SampleMode::kTest, 0);
  ASSERT_EQ(clips.size(), 1u);
  EXPECT_EQ(clips[0], (Clip{18, 56, 93, 131, 168, 206, 243, 281}));
}

TEST(SegmentSampler, TrainModeTakesOneFramePerSegmentDeterministically) {
  const SegmentSampler tsn({8, 1});
  std::set<Clip> distinct;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto clip = tsn.sample(300, SampleMode::kTrain, seed)[0];
    ASSERT_EQ(clip.size(), 8u);
    for (int s = 0; s < 8; ++s) {
      EXPECT_GE(clip[s], static_cast<std::int64_t>(s * 37.5));
      EXPECT_LT(clip[s], static_cast<std::int64_t>((s + 1) * 37.5) + 1);
    }
    EXPECT_EQ(clip, tsn.sample(300, SampleMode::kTrain, seed)[0]);
    distinct.insert(clip);
  }
  EXPECT_GT(distinct.size(), 40u);  // random, not fixed
}

TEST(SegmentSampler, ShortVideosRepeatFramesAndMultiViewShifts) {
  const SegmentSampler tsn({8, 2});
  const auto clips = tsn.sample(3, SampleMode::kTest, 0);
  ASSERT_EQ(clips.size(), 2u);
  for (const auto& clip : clips) {
    for (auto f : clip) EXPECT_LT(f, 3);
  }
  const auto train = SegmentSampler({8, 1}).sample(3, SampleMode::kTrain, 9)[0];
  for (auto f : train) EXPECT_LT(f, 3);
  const auto views = tsn.sample(160, SampleMode::kTest, 0);
  EXPECT_EQ(views[0][0], 5);   // 20 * 0.25
  EXPECT_EQ(views[1][0], 15);  // 20 * 0.75
}

TEST(DenseSampler, ClipsAreStridedAndEvenlySpacedAtTest) {
  const DenseSampler dense({4, 2, 3});
  const auto clips = dense.sample(100, SampleMode::kTest, 0);
  ASSERT_EQ(clips.size(), 3u);
  EXPECT_EQ(clips[0], (Clip{0, 2, 4, 6}));
  EXPECT_EQ(clips[2], (Clip{93, 95, 97, 99}));
  const auto train = DenseSampler({4, 2, 1}).sample(100, SampleMode::kTrain, 3)[0];
  EXPECT_EQ(train[3] - train[0], 6);
  const auto short_clip = DenseSampler({4, 4, 1}).sample(5, SampleMode::kTest, 0)[0];
  EXPECT_EQ(short_clip, (Clip{0, 4, 4, 4}));
}

TEST(UniformSampler, SpreadsOverTheVideo) {
  EXPECT_EQ(UniformSampler(4).sample(8, SampleMode::kTrain, 1)[0], (Clip{1, 3, 5, 7}));
}

TEST(FrameSampler, SeedsDependOnEveryPartAndBadArgumentsThrow) {
  EXPECT_NE(seed_for(0, 0, 1), seed_for(0, 0, 2));
  EXPECT_NE(seed_for(0, 1, 1), seed_for(0, 0, 1));
  EXPECT_NE(seed_for(1, 0, 1), seed_for(0, 0, 1));
  EXPECT_EQ(seed_for(3, 4, 5), seed_for(3, 4, 5));
  EXPECT_THROW(SegmentSampler({0, 1}), ArgumentError);
  EXPECT_THROW(SegmentSampler({8, 1}).sample(0, SampleMode::kTest, 0), ArgumentError);
  EXPECT_THROW(make_frame_sampler("random", 8, 1, 1), ArgumentError);
  EXPECT_EQ(make_frame_sampler("dense", 8, 4, 2)->describe(), "dense(clip_length=8, stride=4, num_clips=2)");
}

}  // namespace
}  // namespace sfar::data
