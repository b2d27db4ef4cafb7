// Reading and writing single images (JPEG, PNG, ... through OpenCV) as RgbFrame.
//
//   sfar::io::RgbFrame img = sfar::io::read_image("img_00001.jpg");
//   sfar::io::write_png_atomic("out/frame_000010.png", img);
#pragma once

#include <string>

#include "sfar/io/rgb_frame.h"

namespace sfar::io {

// Decodes an image file to RGB; IoError when missing, FormatError when not an image.
RgbFrame read_image(const std::string& path);

// Resizes so that the short side has `short_side` pixels (aspect kept, bilinear).
RgbFrame resize_short_side(const RgbFrame& image, int short_side);

// Writes `image` as an RGB PNG; the file appears complete or not at all (tmp + rename).
void write_png_atomic(const std::string& path, const RgbFrame& image);

}  // namespace sfar::io
