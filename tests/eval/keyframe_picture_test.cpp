// The key-frame picture: its size worked out from the layout, the key frames it outlines (the
// fine branch's most weighted), and errors that name what is wrong.
#include "sfar/eval/keyframe_picture.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "sfar/core/error.h"
#include "support/test_data.h"

namespace sfar::eval {
namespace {

// Four 64x64 frames, each one flat grey level (RGB), and SFAR-like weights.
KeyFramePicture four_frames() {
  KeyFramePicture p;
  p.frames = torch::empty({4, 64, 64, 3}, torch::kUInt8);
  for (int t = 0; t < 4; ++t) p.frames[t].fill_(40 + 40 * t);
  p.coarse_weights = torch::tensor({0.25, 0.25, 0.25, 0.25});
  p.fine_weights = torch::tensor({0.10, 0.50, 0.05, 0.35});
  p.frame_subtexts = {"Skim the water.", "Lift the net.", "Skim the water.", "Empty the net."};
  p.truth = "cleaning pool";
  p.predicted = "cleaning pool";
  p.head = "sfar";
  p.key_frames = 2;
  return p;
}

TEST(KeyFramePicture, KeyFramesAreTheMostWeightedInTimeOrder) {
  EXPECT_EQ(select_key_frames(torch::tensor({0.10, 0.50, 0.05, 0.35}), 2), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(select_key_frames(torch::tensor({0.3, 0.3, 0.4}), 2), (std::vector<std::int64_t>{0, 2}));  // tie: earlier
  EXPECT_EQ(select_key_frames(torch::tensor({0.5, 0.5}), 5).size(), 2u);
  EXPECT_TRUE(select_key_frames(torch::Tensor(), 3).empty());
}

TEST(KeyFramePicture, WrittenWithTheLayoutsSizeAndOutlinesTheKeyFrames) {
  test::TempDir dir;
  const auto p = four_frames();
  // Width: 4 x 64 = 256 < 480, so 480. Height: 2 title lines (36) + frames (64) + frame numbers
  // (16) + 2 bar rows (2 x 56) + legend header and 2 key frames (3 x 18) = 282.
  const auto size = keyframe_picture_size(p);
  EXPECT_EQ(size.width, 480);
  EXPECT_EQ(size.height, 282);
  write_keyframe_picture(dir.file("why.png"), p);
  const cv::Mat png = cv::imread(dir.file("why.png"), cv::IMREAD_COLOR);
  ASSERT_FALSE(png.empty());
  EXPECT_EQ(png.cols, 480);
  EXPECT_EQ(png.rows, 282);
  // Frames start below the two title lines; key frames 1 and 3 have an orange (BGR 0,170,255)
  // outline, frames 0 and 2 show their own grey at the same place.
  const int y = 36 + 32;
  const auto at = [&](int x) { return png.at<cv::Vec3b>(y, x); };
  EXPECT_EQ(at(64 * 1 + 1), cv::Vec3b(0, 170, 255));
  EXPECT_EQ(at(64 * 3 + 1), cv::Vec3b(0, 170, 255));
  EXPECT_EQ(at(64 * 0 + 1), cv::Vec3b(40, 40, 40));
  EXPECT_EQ(at(64 * 2 + 4), cv::Vec3b(120, 120, 120));

  // A mean head: no weights, one legend line saying so; frames wider than 480 set the width.
  KeyFramePicture mean = p;
  mean.coarse_weights = mean.fine_weights = torch::Tensor();
  mean.frames = torch::zeros({8, 32, 80, 3}, torch::kUInt8);
  mean.head = "mean";
  EXPECT_EQ(keyframe_picture_size(mean).width, 640);
  EXPECT_EQ(keyframe_picture_size(mean).height, 36 + 32 + 16 + 112 + 18);
  write_keyframe_picture(dir.file("mean.png"), mean);
  EXPECT_EQ(cv::imread(dir.file("mean.png")).rows, keyframe_picture_size(mean).height);
}

TEST(KeyFramePicture, BadShapesNameWhatIsWrong) {
  test::TempDir dir;
  auto p = four_frames();
  p.fine_weights = torch::tensor({0.5, 0.5});
  try {
    write_keyframe_picture(dir.file("bad.png"), p);
    FAIL() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("weights"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4]"), std::string::npos) << e.what();
  }
  p = four_frames();
  p.frame_subtexts.pop_back();
  EXPECT_THROW(write_keyframe_picture(dir.file("bad.png"), p), ArgumentError);
  p = four_frames();
  p.frames = p.frames.to(torch::kFloat32);
  EXPECT_THROW(keyframe_picture_size(p), ArgumentError);
}

}  // namespace
}  // namespace sfar::eval
