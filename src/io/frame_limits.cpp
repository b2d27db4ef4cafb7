#include "frame_limits.h"

#include <memory>
#include <vector>

#include "sfar/core/error.h"

namespace sfar::io::libav {

void check_frame_pixels(const std::string& path, std::int64_t width, std::int64_t height, std::int64_t max_pixels) {
  // Each side fits in an int (FFmpeg's type), so the product cannot overflow 64 bits.
  if (width <= 0 || height <= 0 || width * height <= max_pixels) return;
  throw FormatError(path, "frame size " + std::to_string(width) + "x" + std::to_string(height) + " (" +
                              std::to_string(width * height) + " pixels) exceeds the per-frame limit of " +
                              std::to_string(max_pixels) + " pixels (max_frame_pixels)");
}

void check_stream_pixels(const std::string& path, const AVFormatContext& format, std::int64_t max_pixels) {
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVStream* st = format.streams[i];
    // A cover picture is never read (its probing decoder is bounded all the same).
    if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO || (st->disposition & AV_DISPOSITION_ATTACHED_PIC)) continue;
    check_frame_pixels(path, st->codecpar->width, st->codecpar->height, max_pixels);
  }
}

int find_stream_info_bounded(AVFormatContext* format, std::int64_t max_pixels) {
  struct Options {
    std::vector<AVDictionary*> per_stream;
    ~Options() {
      for (AVDictionary*& d : per_stream) av_dict_free(&d);
    }
  } options;
  options.per_stream.assign(format->nb_streams, nullptr);
  for (AVDictionary*& d : options.per_stream) {
    if (av_dict_set_int(&d, "max_pixels", max_pixels, 0) < 0) return AVERROR(ENOMEM);
  }
  // FFmpeg reads exactly nb_streams entries (the count at the call).
  return avformat_find_stream_info(format, options.per_stream.empty() ? nullptr : options.per_stream.data());
}

}  // namespace sfar::io::libav
