// The key-frame picture of one classified video: which class it is and which the model said,
// the frames the model saw, the coarse and fine branches' weights over them for the predicted
// class, and each key frame (the fine branch's most weighted frames) named with the sub-text
// that chose it (the sub-text the frame matched best). Heads without key-frame weights (mean,
// temporal) get a line saying so. Drawn with OpenCV, written as a PNG.
//
//   KeyFramePicture p{frames, coarse, fine, subtexts, "cleaning pool", "cleaning pool", "sfar"};
//   write_keyframe_picture("why.png", p);   // keyframe_picture_size(p) pixels
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sfar::eval {

struct KeyFramePicture {
  torch::Tensor frames;                     // [T, H, W, 3] uint8 RGB: the frames as the model saw them
  torch::Tensor coarse_weights;             // [T] for the predicted class, or undefined
  torch::Tensor fine_weights;               // [T] for the predicted class, or undefined
  std::vector<std::string> frame_subtexts;  // [T]: the sub-text each frame matched best (fine branch)
  std::string truth;                        // the true class; empty when unknown
  std::string predicted;
  std::string head;                         // head.type, named when there are no weights
  std::int64_t key_frames = 3;              // how many frames to name (at most T)
};

struct PictureSize {
  int width = 0, height = 0;
};

// The fine branch's `count` most weighted frames of `weights` [T], in time order; none when
// `weights` is undefined. Ties go to the earlier frame.
std::vector<std::int64_t> select_key_frames(const torch::Tensor& weights, std::int64_t count);

// The picture's size: the frames in a row (at least 480 pixels wide), two title lines, a row
// of frame numbers, two rows of weight bars and a legend line per key frame (one line without).
PictureSize keyframe_picture_size(const KeyFramePicture& picture);

// Draws the picture and writes it as a PNG, atomically. Throws ArgumentError for frames that are
// not [T, H, W, 3] uint8, weights that are not [T] or sub-texts that are not one per frame, and
// IoError when the file cannot be written.
void write_keyframe_picture(const std::string& path, const KeyFramePicture& picture);

}  // namespace sfar::eval
