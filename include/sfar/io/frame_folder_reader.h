// Videos stored as folders of pre-extracted frames (`img_00001.jpg`, ...), read with OpenCV.
// The name pattern is configurable: `{}`, `{:05d}` (fmt style) or `%05d` (printf style) stands
// for the frame number; numbering starts at 0 or 1 (found on open unless set).
//
//   sfar::io::FrameFolderReader folder("rawframes/v_001", {.pattern = "img_{:05d}.jpg"});
//   auto frames = folder.read_frames({0, 4, 8});   // frame index 0 = the first file
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sfar/io/rgb_frame.h"

namespace sfar::io {

struct FrameFolderOptions {
  std::string pattern = "img_{:05d}.jpg";
  int first_number = -1;  // number of the first frame's file: 0, 1, ...; -1 finds 0 or 1
  int short_side = 0;     // resize so that the short side has n pixels; 0 keeps native size
};

class FrameFolderReader {
 public:
  // Counts the frames (consecutive numbers from the first). IoError when the folder or its
  // first frame is missing; ArgumentError for a pattern without a number field.
  explicit FrameFolderReader(std::string folder, FrameFolderOptions options = {});

  std::int64_t frame_count() const { return frames_; }
  // Path of frame `index` (0-based, whatever the file numbering).
  std::string frame_path(std::int64_t index) const;
  // Frames at `indices`, in the order asked; ArgumentError names the folder and index.
  std::vector<RgbFrame> read_frames(const std::vector<std::int64_t>& indices) const;

 private:
  std::string folder_;
  FrameFolderOptions options_;
  std::string prefix_, suffix_;
  int width_ = 0;
  char fill_ = ' ';
  int first_ = 0;
  std::int64_t frames_ = 0;
};

}  // namespace sfar::io
