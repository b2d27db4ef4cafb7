#include "libav_support.h"

extern "C" {
#include <libavutil/imgutils.h>
}

#include <cstdarg>
#include <cstring>
#include <mutex>

#include "sfar/core/error.h"
#include "sfar/core/logging.h"

namespace sfar::io::libav {
namespace {

void forward_log(void* context, int level, const char* format, va_list args) {
  if (level > AV_LOG_ERROR) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line(context, level, format, args, line, sizeof(line), &print_prefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  SFAR_LOG_DEBUG("ffmpeg: {}", text);
}

}  // namespace

std::string error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

RgbFrame scale_to_rgb(SwsContext* sws, const AVFrame* frame, int out_width, int out_height,
                      std::vector<std::uint8_t>& scratch) {
  constexpr int kAlign = 64;  // the widest SIMD store (AVX-512) swscale may use
  std::uint8_t* dst[4] = {};
  int dst_stride[4] = {};
  const int rc = av_image_fill_linesizes(dst_stride, AV_PIX_FMT_RGB24, FFALIGN(out_width, kAlign));
  if (rc < 0 || out_width <= 0 || out_height <= 0) throw FormatError("RGB conversion", "bad output size",
                                                     std::to_string(out_width) + "x" + std::to_string(out_height));
  const std::size_t stride = static_cast<std::size_t>(dst_stride[0]);
  scratch.resize(stride * static_cast<std::size_t>(out_height) + kAlign);
  dst[0] = scratch.data();
  sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, dst_stride);

  RgbFrame out;
  out.width = out_width;
  out.height = out_height;
  const std::size_t row = static_cast<std::size_t>(out_width) * 3;
  out.data.resize(row * static_cast<std::size_t>(out_height));
  for (int y = 0; y < out_height; ++y) {
    std::memcpy(out.data.data() + row * y, scratch.data() + stride * y, row);
  }
  return out;
}

void route_logs() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(forward_log); });
}

}  // namespace sfar::io::libav
