// Decoding videos through FFmpeg (any container and codec the installed libav* reads), with
// frame-accurate random access: read_frames() returns exactly the frames a full sequential
// decode outputs at those indices, seeking to the key frame at or before each group of
// wanted frames and decoding forward, and converting to RGB only the frames asked for.
// Errors (missing, empty, truncated, non-video files; bad indices) are IoError/FormatError/
// ArgumentError naming the file and the reason; nothing here prints.
//
//   sfar::io::VideoReader reader("clip.mp4", sfar::io::VideoReadOptions().short_side(224));
//   std::vector<sfar::io::RgbFrame> frames = reader.read_frames({0, 8, 16, 24});
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sfar/io/rgb_frame.h"
#include "sfar/io/video_limits.h"

namespace sfar::io {

struct VideoReadOptions {
  // Decoder threads; 0 lets FFmpeg pick one per core.
  VideoReadOptions& threads(int n) { threads_ = n; return *this; }
  // Resize while converting so that the short side has n pixels (aspect kept); 0: native size.
  VideoReadOptions& short_side(int n) { short_side_ = n; return *this; }
  // Skip decoding non-reference frames that are not wanted (they never feed other frames).
  VideoReadOptions& discard_unwanted_nonref(bool on) { discard_nonref_ = on; return *this; }
  // Seek only when it skips more than n frames that decoding on would go through.
  VideoReadOptions& seek_min_skip(std::int64_t n) { seek_min_skip_ = n; return *this; }
  // Longest wait for one read from the file before giving up (a stalled mount, a pipe).
  VideoReadOptions& io_timeout_s(double s) { io_timeout_s_ = s; return *this; }
  // false: decode only, skipping the RGB conversion (frames come back sized, without pixels);
  // for measuring what decoding alone costs.
  VideoReadOptions& convert(bool on) { convert_ = on; return *this; }
  // Turn frames upright as players show them, following the stream's display matrix (phone
  // videos: rotation 90, 180 or 270 degrees), as the ffmpeg command does by default. false:
  // frames as stored. Flipping matrices and angles that are not quarter turns are ignored.
  VideoReadOptions& autorotate(bool on) { autorotate_ = on; return *this; }
  // Largest frame (width x height) a file may declare or decode to; a larger one is a
  // FormatError naming the file and the size, raised before a frame of it is allocated (a
  // few hundred bytes of GIF can declare 16000x16000). At most INT_MAX (FFmpeg's bound).
  VideoReadOptions& max_pixels(std::int64_t n) { max_pixels_ = n; return *this; }

  int threads_ = 0;
  int short_side_ = 0;
  bool discard_nonref_ = true;
  std::int64_t seek_min_skip_ = 8;
  double io_timeout_s_ = 30.0;
  bool convert_ = true;
  bool autorotate_ = true;
  std::int64_t max_pixels_ = kDefaultMaxFramePixels;
};

struct VideoInfo {
  std::string path;
  std::string codec;        // FFmpeg's short name: h264, mpeg4, vp9, ...
  int width = 0;            // as frames come out: upright when autorotating
  int height = 0;
  int rotation = 0;         // clockwise degrees (0, 90, 180, 270) the display matrix asks for
  double fps = 0.0;
  std::int64_t frames = 0;  // counted from the demuxed packets, not taken from the header
  double duration = 0.0;    // seconds, as the container declares it
  // Seconds the frames present span (first frame's start to the last one's end); well short of
  // `duration` in a truncated file whose header was written first (MKV, WebM).
  double frames_duration = 0.0;
  std::vector<std::int64_t> keyframes;  // frame indices
  bool frame_accurate_seek = false;     // false: reads decode from the start (no timestamps)
};

// What the last read did, for benchmarks and tests.
struct VideoReadStats {
  std::int64_t seeks = 0;
  std::int64_t frames_decoded = 0;
  std::int64_t frames_converted = 0;
  bool fell_back_to_sequential = false;  // timestamps proved unreliable; decoded from the start
};

class VideoReader {
 public:
  // Opens the file and indexes its packets (demuxing only). Throws IoError/FormatError.
  explicit VideoReader(const std::string& path, VideoReadOptions options = {});
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  const VideoInfo& info() const;

  // Frames at `indices` (any order, repeats allowed), in the order asked. An index outside
  // [0, frames) is an ArgumentError naming the file and the index.
  std::vector<RgbFrame> read_frames(const std::vector<std::int64_t>& indices);

  // Decodes every frame from the start in order and hands each to `consumer(index, frame)`.
  // This is the reference read_frames() is checked against.
  void read_all(const std::function<void(std::int64_t, RgbFrame&&)>& consumer);

  const VideoReadStats& last_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens, indexes and closes: codec, size, fps, exact frame count, duration, key frames.
VideoInfo probe_video(const std::string& path);

}  // namespace sfar::io
