// Which FFmpeg and OpenCV this binary decodes videos and image files with. A binary links one of
// two variants of the same functions (VideoReader, probe_video, write_video, read_image,
// resize_short_side, write_png_atomic, media_libraries): sfar_io_media, the real ones, or
// sfar_io_nomedia, which throws LibraryError from each. The GPU check's pack links the second, so
// that it carries no FFmpeg or OpenCV image-codec libraries (docs/gpu.md); such a binary reads
// tensor clips (io/tensor_clip.h) only.
#pragma once

#include <string>

namespace sfar::io {

struct MediaLibraries {
  bool linked = false;      // false: sfar_io_nomedia
  std::string ffmpeg;       // av_version_info()
  std::string libavformat;  // major.minor.micro
  std::string libavcodec;
  std::string opencv;
};

MediaLibraries media_libraries();

}  // namespace sfar::io
