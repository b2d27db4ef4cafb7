// A clip stored as decoded frames: a `.safetensors` file whose tensor `frames` is uint8
// [N, H, W, 3] (RGB, rows top to bottom). The dataset reads it wherever a list names a file
// ending in `.safetensors`, with every other step of the loader unchanged; it is what a binary
// without FFmpeg reads (io/media_libraries.h, docs/gpu.md). scripts/gpu_run_data.py writes them.
//
//   sfar::io::TensorClip clip("clips/c0_000.safetensors");
//   auto frames = clip.read_frames({0, 4, 8});
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sfar/io/rgb_frame.h"

namespace sfar::io {

// True when `path` ends in ".safetensors": how the dataset tells a tensor clip from a video.
bool is_tensor_clip_path(const std::string& path);

class TensorClip {
 public:
  // Opens and validates; IoError when unreadable, FormatError naming the file when there is no
  // `frames` tensor, or it is not uint8 [N >= 1, H >= 1, W >= 1, 3].
  explicit TensorClip(const std::string& path);
  ~TensorClip();

  std::int64_t frame_count() const { return frames_; }
  int width() const { return width_; }
  int height() const { return height_; }
  // Frames at `indices`, in the order asked; ArgumentError naming the file and the index
  // outside [0, frame_count()).
  std::vector<RgbFrame> read_frames(const std::vector<std::int64_t>& indices) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::int64_t frames_ = 0;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace sfar::io
