// Encoding RGB frames into a video file through FFmpeg (libavcodec + libavformat), the
// container taken from the file's extension (.mp4, .mkv, .avi). The default encoder is
// libx264 (H.264, yuv420p); when the installed FFmpeg lacks it, `fallback_encoder` (mpeg4)
// is used instead; "mjpeg" writes intra-only full-range JPEG frames (yuvj420p). Encoding is
// single-threaded with fixed settings and FFmpeg's bit-exact flags, so the same frames give
// the same bytes. The file is written atomically: to a temporary name in the same directory,
// renamed over `path` only when complete.
//
//   sfar::io::write_video("clip.mp4", frames, sfar::io::VideoWriteOptions().fps(8));
//
//   sfar::io::VideoWriter writer("clip.mp4", 320, 240);  // frames one at a time
//   writer.write(frame);
//   writer.finish();
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sfar/io/rgb_frame.h"

namespace sfar::io {

struct VideoWriteOptions {
  VideoWriteOptions& fps(int n) { fps_ = n; fps_den_ = 1; return *this; }
  // A frame rate that is not whole: num / den frames a second (30000 / 1001).
  VideoWriteOptions& frame_rate(int num, int den) { fps_ = num; fps_den_ = den; return *this; }
  // FFmpeg encoder name ("libx264", "mpeg4", ...).
  VideoWriteOptions& encoder(std::string name) { encoder_ = std::move(name); return *this; }
  // Used when `encoder` is not in the installed FFmpeg; empty: no fallback (an error).
  VideoWriteOptions& fallback_encoder(std::string name) { fallback_ = std::move(name); return *this; }
  // x264's constant rate factor (0 lossless .. 51); mpeg4 gets the matching fixed quantiser.
  VideoWriteOptions& crf(int n) { crf_ = n; return *this; }
  // Frames between key frames.
  VideoWriteOptions& gop(int n) { gop_ = n; return *this; }
  // x264's speed preset (ultrafast .. placebo); veryfast costs about 6 ms per 64x64x16 clip.
  VideoWriteOptions& x264_preset(std::string name) { x264_preset_ = std::move(name); return *this; }
  // x264's tune ("fastdecode": no CABAC, no deblocking, no weighted prediction); empty: none.
  VideoWriteOptions& x264_tune(std::string name) { x264_tune_ = std::move(name); return *this; }

  int fps_ = 8;
  int fps_den_ = 1;
  std::string encoder_ = "libx264";
  std::string fallback_ = "mpeg4";
  int crf_ = 18;
  int gop_ = 16;
  std::string x264_preset_ = "veryfast";
  std::string x264_tune_;
};

// Writes frames one at a time, so that a long video never has to fit in memory. Nothing
// appears at `path` until finish() returns; a writer destroyed (or failing) before that
// removes its temporary file. Frames must all be width x height (even, positive).
class VideoWriter {
 public:
  // Throws as write_video does for bad options, a missing encoder or an unwritable folder.
  VideoWriter(std::string path, int width, int height, VideoWriteOptions options = {});
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // ArgumentError naming the file when the frame's size differs from the writer's.
  void write(const RgbFrame& frame);
  // Flushes the encoder, closes the file and renames it to `path`; returns the encoder used.
  std::string finish();
  std::int64_t frames_written() const { return written_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::int64_t written_ = 0;
};

// Writes `frames` (same size, even width and height, at least one) to `path` and returns the
// name of the encoder used. Throws ArgumentError (bad frames or options), IoError (the file
// cannot be written) or FormatError (no encoder or muxer), each naming `path`.
std::string write_video(const std::string& path, const std::vector<RgbFrame>& frames,
                        const VideoWriteOptions& options = {});

// Whether the installed FFmpeg has an encoder of that name.
bool has_video_encoder(const std::string& name);

}  // namespace sfar::io
